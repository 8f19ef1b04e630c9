"""One strict parser everywhere, and no crash on odd Unicode (issue 9, section 3).

Over real HTTP (uvicorn, SQLite and PostgreSQL), the CLI in-process and the library:
request bodies are read by ``vcissue.strictjson`` (duplicate keys, NaN/Infinity, depth,
lone surrogates refused with a 422 problem); NUL and the other refused characters in text
that would be stored are the same typed 422 on both stores; arbitrary JSON strings,
surrogates included, never give a traceback or a 500 (hypothesis).
"""

from __future__ import annotations

import contextlib
import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli import vcissue
from tests.service.conftest import Service
from vcissue.errors import QrPayloadError
from vcissue.qr import OFFLINE_PREFIX, base45_encode, decode_payload, read_payload
from vcissue.verify import TrustList, verify_credential

AWARD = {"qualification": "ecomentor", "holder": {"name": "Ana Novak"}}
SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
ANY_TEXT = st.text(st.one_of(st.characters(), SURROGATES), max_size=12)


def _issued(service: Service) -> dict[str, Any]:
    reply = service.call("POST", "/credentials/issue", AWARD, key="issuer")
    assert reply.status == 201, reply.body
    vc: dict[str, Any] = reply.json()["verifiableCredential"]
    return vc


def _problem(reply: Any, status: int, kind: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = reply.json()
    assert problem["type"].endswith("/" + kind), problem
    return problem


# ------------------------------------------------------------------ the strict parser


def test_duplicate_keys_in_a_credential_are_refused_not_last_key_wins(service: Service) -> None:
    """Before: the service parsed with json.loads and said verified: true for this."""
    vc = _issued(service)
    text = json.dumps({"verifiableCredential": vc})
    name = json.dumps(vc["name"])
    twice = text.replace(f'"name": {name}', f'"name": "Something else", "name": {name}', 1)
    assert twice != text
    reply = service.call("POST", "/credentials/verify", raw=twice.encode())
    problem = _problem(reply, 422, "malformed-input")
    assert "duplicate key 'name'" in problem["detail"]
    # the same credential without the duplicate verifies
    assert service.call("POST", "/credentials/verify", raw=text.encode()).json()["verified"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"verifiableCredential": {"a": NaN}}', "NaN is not JSON"),
        (b'{"verifiableCredential": {"a": -Infinity}}', "-Infinity is not JSON"),
        (b'{"verifiableCredential": {}, "verifiableCredential": {}}', "duplicate key"),
        (b'{"verifiableCredential": {"a": "\\ud800"}}', "lone surrogate"),
        (b'{"verifiableCredential": {"\\udfff": 1}}', "lone surrogate"),
        (b'{"verifiableCredential": ' + b"[" * 60 + b"]" * 60 + b"}", "nested deeper"),
        ('{"verifiableCredential": "caf\u00e9"}'.encode("latin-1"), "not UTF-8"),
    ],
)
def test_the_verify_route_uses_the_strict_parser(
    service: Service, body: bytes, message: str
) -> None:
    problem = _problem(
        service.call("POST", "/credentials/verify", raw=body), 422, "malformed-input"
    )
    assert message in problem["detail"]


def test_every_route_with_a_body_uses_the_strict_parser(service: Service) -> None:
    dup_issue = b'{"qualification": "ecomentor", "holder": {"name": "A", "name": "B"}}'
    problem = _problem(
        service.call("POST", "/credentials/issue", raw=dup_issue, key="issuer"),
        422,
        "malformed-input",
    )
    assert "duplicate key 'name'" in problem["detail"]
    surrogate = b'{"credentialId": "urn:uuid:x", "action": "reinstate", "reason": "\\udc80"}'
    _problem(
        service.call("POST", "/credentials/status", raw=surrogate, key="operator"),
        422,
        "malformed-input",
    )


# ----------------------------------------------------------------- stored text (NUL)


@pytest.mark.parametrize(
    "holder",
    [
        "Ana\u0000Novak",  # before: 201 on SQLite, 503 on PostgreSQL
        "Ana\u0007Novak",
        "Ana\u009bNovak",
        "Ana\u007fNovak",
    ],
    ids=["nul", "bell", "c1-csi", "del"],
)
def test_refused_characters_are_the_same_422_on_every_store(service: Service, holder: str) -> None:
    award = {**AWARD, "holder": {"name": holder}}
    problem = _problem(
        service.call("POST", "/credentials/issue", award, key="issuer"), 422, "credential-invalid"
    )
    assert "holder name holds a control character" in problem["detail"]
    audit = service.call("GET", "/audit", key="auditor").json()
    assert [e for e in audit["entries"] if e["action"] == "issue"] == []


def test_tabs_and_line_ends_stay_allowed_in_text(service: Service) -> None:
    award = {**AWARD, "scope": "Line one\n\tLine two\r\n"}
    assert service.call("POST", "/credentials/issue", award, key="issuer").status == 201


def test_nul_in_a_reason_or_an_id_is_typed_on_every_store(service: Service) -> None:
    vc = _issued(service)
    until = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    suspend = {"credentialId": vc["id"], "action": "suspend", "reason": "a\u0000b", "until": until}
    _problem(
        service.call("POST", "/credentials/status", suspend, key="operator"),
        422,
        "credential-invalid",
    )
    unknown = {"credentialId": "urn:uuid:\u0000", "action": "reinstate", "reason": "r"}
    problem = _problem(
        service.call("POST", "/credentials/status", unknown, key="operator"),
        422,
        "credential-invalid",
    )
    assert "credential id holds a control character (U+0000)" in problem["detail"]
    assert service.call("GET", "/credentials/urn:uuid:%00", key="auditor").status == 404
    assert service.call("GET", "/register/urn:uuid:%00").status == 404
    assert service.call("GET", "/status-lists/revocation-%00").status == 404
    reference = {**AWARD, "reference": "batch\u0000-1"}
    _problem(
        service.call("POST", "/credentials/issue", reference, key="issuer"),
        422,
        "credential-invalid",
    )


# ------------------------------------------------- arbitrary strings, three front doors


def _with(vc: dict[str, Any], text: str) -> bytes:
    """``vc`` as JSON text with ``text`` as a value and as a key (escaped: valid bytes)."""
    changed = {**vc, "name": text, "credentialSubject": {**vc["credentialSubject"], text: 1}}
    return json.dumps(changed, ensure_ascii=True).encode("ascii")


def _has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate once written as JSON and read back (a high
    and a low surrogate in a row are one character: JSON's way to write it)."""
    read_back = json.loads(json.dumps(text))
    return any("\ud800" <= ch <= "\udfff" for ch in read_back)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=ANY_TEXT)
def test_arbitrary_strings_never_crash_the_library_cli_or_service(
    service: Service, tmp_path: Path, text: str
) -> None:
    vc = _credential(service)
    data = _with(vc, text)
    trust = _trust(service)
    now = datetime.now(UTC)

    # library, from bytes and from an already parsed mapping
    for given_input in (data, json.loads(data)):
        result = verify_credential(given_input, trust=trust, now=now)
        assert result.verdict.value != "VALID"  # the name changed: the signature fails
        parse = [c for c in result.checks if c.id == "parse"]
        assert bool(parse) is _has_surrogate(text), (text, parse)

    # the command line
    (tmp_path / "vc.json").write_bytes(data)
    (tmp_path / "trust.json").write_text(json.dumps(trust.to_json()))
    ran = vcissue("verify", "vc.json", "--trust", "trust.json", "--no-status", cwd=tmp_path)
    assert ran.returncode == 1, (ran.stdout, ran.stderr)
    assert "internal error" not in ran.stderr and "Traceback" not in ran.stderr
    if _has_surrogate(text):
        assert "lone surrogate" in ran.stdout

    # the service
    body = b'{"verifiableCredential": ' + data + b"}"
    reply = service.call("POST", "/credentials/verify", raw=body)
    if _has_surrogate(text):
        assert reply.status == 422 and "lone surrogate" in reply.json()["detail"]
    else:
        assert reply.status == 200 and reply.json()["verified"] is False, reply.body

    # the QR payload decoder: a payload holding that credential
    payload = OFFLINE_PREFIX + base45_encode(zlib.compress(data, 9))
    if _has_surrogate(text):
        with pytest.raises(QrPayloadError, match="lone surrogate"):
            decode_payload(payload)
    else:
        assert decode_payload(payload)["name"] == json.loads(json.dumps(text))


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.one_of(st.characters(), SURROGATES), max_size=40))
def test_any_scanned_text_is_a_payload_or_a_typed_refusal(text: str) -> None:
    with contextlib.suppress(QrPayloadError):  # anything else fails the test
        read_payload(text)


_CACHE: dict[str, Any] = {}


def _credential(service: Service) -> dict[str, Any]:
    if _CACHE.get("base") != service.base:
        _CACHE.clear()
        _CACHE["base"] = service.base
        _CACHE["vc"] = _issued(service)
    vc: dict[str, Any] = _CACHE["vc"]
    return vc


def _trust(service: Service) -> TrustList:
    document = service.call("GET", "/.well-known/did.json").json()
    return TrustList.from_json({"issuers": [{"id": document["id"], "didDocument": document}]})
