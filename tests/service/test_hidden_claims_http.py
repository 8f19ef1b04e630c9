"""A verifier seen from outside (issue 9): signed claims moved out of a reader's sight and
malformed bytes, through the library, ``vcissue verify`` and ``POST /credentials/verify``
over real HTTP.

A suspended credential whose ``credentialStatus`` is restated inside ``@nest`` or under its
IRI keeps its eddsa-rdfc-2022 signature (the same quads) but hid its status from every
reader: the service said ``verified: true`` for it. Bytes that are not JSON text a
verifier can trust are a 422 problem, a failed parse check and exit code 1, never a 500 or
a traceback.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli import vcissue
from tests.service.conftest import Service
from tests.service.test_strict_input import _issued, _problem, _trust
from vcissue.status_sources import FetchPolicy, HttpSource
from vcissue.verify import Verdict, verify_credential

CRED = "https://www.w3.org/2018/credentials#"


def _hidden(vc: dict[str, Any], how: str) -> dict[str, Any]:
    moved = {k: v for k, v in vc.items() if k != "credentialStatus"}
    if how == "@nest":
        moved["@nest"] = {"credentialStatus": vc["credentialStatus"]}
    else:
        moved[CRED + "credentialStatus"] = vc["credentialStatus"]
    return moved


@pytest.mark.parametrize("how", ["@nest", "by its IRI"])
def test_a_suspended_credential_with_its_status_hidden_is_not_valid_anywhere(
    service: Service, tmp_path: Path, how: str
) -> None:
    vc = _issued(service)
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    suspend = {"credentialId": vc["id"], "action": "suspend", "reason": "r", "until": until}
    assert service.call("POST", "/credentials/status", suspend, key="operator").status == 200
    hidden = _hidden(vc, how)

    def verify(document: dict[str, Any]) -> Any:
        source = HttpSource(FetchPolicy(allow_http=True, allow_loopback=True))
        return verify_credential(
            document, trust=_trust(service), now=datetime.now(UTC), status_lists=source
        )

    assert verify(vc).verdict is Verdict.SUSPENDED  # the control

    reply = service.call("POST", "/credentials/verify", {"verifiableCredential": hidden})
    assert reply.status == 200, reply.body
    report = reply.json()
    assert report["verified"] is False
    failed = {c["id"] for c in report["checks"] if c["outcome"] == "failed"}
    assert "context" in failed, report

    (tmp_path / "vc.json").write_text(json.dumps(hidden))
    (tmp_path / "trust.json").write_text(json.dumps(_trust(service).to_json()))
    ran = vcissue("verify", "vc.json", "--trust", "trust.json", "--no-status", cwd=tmp_path)
    assert ran.returncode == 1, (ran.stdout, ran.stderr)
    assert "FORGED" in ran.stdout and "Traceback" not in ran.stderr
    assert verify(hidden).verdict is Verdict.FORGED


BAD_BYTES = {
    "UTF-8 BOM": b"\xef\xbb\xbf",
    "UTF-16": "{}".encode("utf-16"),
    "overlong UTF-8": b'{"a": "\xc0\xaf"}',
    "a surrogate encoded as UTF-8 bytes": b'{"a": "\xed\xa0\x80"}',
    "1e400 (infinite as a float)": b'{"a": 1e400}',
    "an integer of 5,000 digits": b'{"a": ' + b"9" * 5000 + b"}",
    "an escaped lone low surrogate in a key": b'{"\\udc00x": 1}',
    "a number of one minus": b'{"a": -}',
    "a trailing comma": b'{"a": 1,}',
}


@pytest.mark.parametrize("name", sorted(BAD_BYTES))
def test_malformed_bytes_are_typed_everywhere(service: Service, tmp_path: Path, name: str) -> None:
    vc = _issued(service)
    raw = BAD_BYTES[name]
    if name == "UTF-8 BOM":
        raw += json.dumps(vc).encode()
    result = verify_credential(raw, trust=_trust(service), now=datetime.now(UTC))
    assert result.verdict is Verdict.FORGED and result.check("parse").outcome.value == "failed"

    body = b'{"verifiableCredential": ' + raw + b"}"
    if name == "UTF-8 BOM":
        body = raw[:3] + b'{"verifiableCredential": ' + raw[3:] + b"}"
    if name == "UTF-16":
        body = ('{"verifiableCredential": ' + json.dumps(vc) + "}").encode("utf-16")
    _problem(service.call("POST", "/credentials/verify", raw=body), 422, "malformed-input")

    (tmp_path / "vc.json").write_bytes(raw)
    (tmp_path / "trust.json").write_text(json.dumps(_trust(service).to_json()))
    ran = vcissue("verify", "vc.json", "--trust", "trust.json", "--no-status", cwd=tmp_path)
    assert ran.returncode in (1, 2), (ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr and "internal error" not in ran.stderr
