"""QR payload codec: RFC 9285 vectors, strict refusals, round trips, and the size budget."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import zlib
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.factories import AWARDED, Body
from vcissue import qr
from vcissue.errors import MalformedInput, QrPayloadError
from vcissue.verify import verify_credential

# --- Base45 ----------------------------------------------------------------------------

# RFC 9285 section 4.3 and 4.4 examples.
RFC_9285 = [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581")]


@pytest.mark.parametrize(("data", "text"), RFC_9285)
def test_base45_rfc_examples(data: bytes, text: str) -> None:
    assert qr.base45_encode(data) == text
    assert qr.base45_decode(text) == data


def test_base45_rfc_decode_example() -> None:
    assert qr.base45_decode("QED8WEX0") == b"ietf!"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("BB8a", "not Base45"),  # lower case is not in the alphabet
        ("BB8_", "not Base45"),
        ("BB8B", "dangling"),  # length mod 3 == 1
        ("GGW", "larger than two bytes"),  # 16 + 16*45 + 32*2025 = 65536
        ("::", "larger than one byte"),  # 44 + 44*45 = 2024
    ],
)
def test_base45_refusals(text: str, reason: str) -> None:
    with pytest.raises(QrPayloadError, match=reason):
        qr.base45_decode(text)


@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    text = qr.base45_encode(data)
    assert set(text) <= set(qr.BASE45_ALPHABET)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert qr.base45_decode(text) == data


# --- offline payload: refusals -------------------------------------------------------------


def _offline(data: bytes) -> str:
    return qr.OFFLINE_PREFIX + qr.base45_encode(data)


def _zlib_payload(json_bytes: bytes) -> str:
    return _offline(zlib.compress(json_bytes, 9))


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", "empty"),
        ("\r\n", "empty"),
        ("HC1:6BFOXN", "must start with 'VC2:' or 'VC1:'"),
        ("vc1:" + qr.base45_encode(zlib.compress(b"{}")), "must start with 'VC2:' or 'VC1:'"),
        ("VC1" + qr.base45_encode(zlib.compress(b"{}")), "must start with 'VC2:' or 'VC1:'"),
        ("https://example.org/register/x", "must start with 'VC2:' or 'VC1:'"),
        ("VC3:" + qr.base45_encode(zlib.compress(b"{}")), "unsupported QR payload version VC3"),
        ("VC10:ABC", "version VC10"),
        ("VC1:BB8a", "not Base45"),
        ("VC1:BB8B", "dangling"),
        ("VC1:GGW", "larger than two bytes"),
        ("VC1:" + "0" * (qr.MAX_PAYLOAD_CHARS), "longer than any QR code"),
        (_offline(b"{}"), "not a valid zlib stream"),  # JSON, but not compressed
        (_offline(zlib.compress(b"{}")[:-2]), "truncated"),
        (_offline(zlib.compress(b"{}") + b"\x00"), "bytes after the end"),
        (_offline(zlib.compress(b"{}") + zlib.compress(b"{}")), "bytes after the end"),
        (_offline(zlib.compress(b"{}", wbits=-15)), "not a valid zlib stream"),  # raw deflate
        (_offline(zlib.compress(b"{}", wbits=31)), "not a valid zlib stream"),  # gzip
        (_zlib_payload(b" " * (qr.MAX_INFLATED_BYTES + 1)), "inflates to more than"),
        (_zlib_payload(b"{}" * (1024 * 1024)), "inflates to more than"),  # 2 MiB from 3 kB
        (_zlib_payload('{"name":"Zoë"}'.encode("latin-1")), "not UTF-8"),
        (_zlib_payload(b"{'a': 1}"), "not JSON"),
        (_zlib_payload(b'{"a":1} x'), "not JSON"),
        (_zlib_payload(b'{"a":1,"a":2}'), "duplicate key 'a'"),
        (_zlib_payload(b'{"a":NaN}'), "NaN is not JSON"),
        (_zlib_payload(b'{"a":' + b"9" * 5000 + b"}"), "not a JSON object"),
        (_zlib_payload(b"[1,2]"), "must be a JSON object"),
        (_zlib_payload(b'"text"'), "must be a JSON object"),
        (_zlib_payload(b"[" * 60 + b"]" * 60), "nested deeper"),
        (_zlib_payload(b'{"a":' * 60 + b"1" + b"}" * 60), "nested deeper"),
    ],
)
def test_decode_refusals(payload: str, reason: str) -> None:
    with pytest.raises(QrPayloadError, match=reason):
        qr.decode_payload(payload)


def test_refusals_are_malformed_input() -> None:
    with pytest.raises(MalformedInput) as caught:
        qr.decode_payload("VC9:")
    assert caught.value.code == "qr-payload"


def test_bomb_is_refused_at_the_cap() -> None:
    # 2 MiB of zeros in 3 kB of payload: the decoder stops one byte past the 256 KiB cap.
    payload = _offline(zlib.compress(bytes(2 * 1024 * 1024), 9))
    assert len(payload) <= qr.MAX_PAYLOAD_CHARS
    with pytest.raises(QrPayloadError, match="inflates to more than"):
        qr.decode_payload(payload)


def test_json_exactly_at_the_cap_is_accepted() -> None:
    padding = qr.MAX_INFLATED_BYTES - len(b'{"a":""}')
    data = b'{"a":"' + b"x" * padding + b'"}'
    assert len(data) == qr.MAX_INFLATED_BYTES
    assert qr.decode_payload(_zlib_payload(data)) == {"a": "x" * padding}


def test_scanner_line_ends_are_trimmed_and_bytes_accepted() -> None:
    payload = qr.encode_payload({"a": 1})
    assert qr.decode_payload(payload + "\r\n") == {"a": 1}
    assert qr.decode_payload(payload.encode("ascii")) == {"a": 1}
    with pytest.raises(QrPayloadError, match="not ASCII"):
        qr.decode_payload(b"VC1:\xff")


def test_encode_refuses_what_decode_would_refuse() -> None:
    with pytest.raises(QrPayloadError, match="not JSON-serialisable"):
        qr.encode_payload({"a": float("nan")})
    with pytest.raises(QrPayloadError, match="not JSON-serialisable"):
        qr.encode_payload({"a": "\ud800"})  # a lone surrogate has no UTF-8 form
    with pytest.raises(QrPayloadError, match="not JSON-serialisable"):
        qr.encode_payload({"a": object()})
    with pytest.raises(QrPayloadError, match="larger than"):
        qr.encode_payload({"a": "x" * qr.MAX_INFLATED_BYTES})


# --- offline payload: properties -----------------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)


# Bounded: unbounded text and dictionaries spent most of this test's time generating data.
def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=5) | st.dictionaries(
        st.text(max_size=20), children, max_size=5
    )


JSON_VALUES = st.recursive(JSON_SCALARS, _containers, max_leaves=20)


@settings(max_examples=200)
@given(st.dictionaries(st.text(max_size=20), JSON_VALUES, max_size=8))
def test_round_trip_any_json_object(vc: dict[str, Any]) -> None:
    payload = qr.encode_payload(vc)
    old = qr.encode_payload_v1(vc)
    # random text compresses badly: a payload longer than any QR code is refused on reading
    assume(max(len(old), len(payload)) + 40 <= qr.MAX_PAYLOAD_CHARS)
    assert payload.startswith("VC2:")
    assert set(payload) <= set(qr.BASE43_ALPHABET)
    assert qr.decode_payload(payload) == vc
    assert old.startswith("VC1:")
    assert set(old) <= set(qr.BASE45_ALPHABET)
    assert qr.decode_payload(old) == vc
    link = qr.verifier_link("https://certs.example/V", payload)
    assert link.startswith("HTTPS://CERTS.EXAMPLE/V#VC2:")
    assert qr.decode_payload(link) == vc


def _decode_or_typed_error(text: str | bytes) -> None:
    try:
        result = qr.decode_payload(text)
    except QrPayloadError:
        return
    assert isinstance(result, dict)


@settings(max_examples=500)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_arbitrary_input_only_raises_the_typed_error(text: str | bytes) -> None:
    _decode_or_typed_error(text)
    if isinstance(text, str):
        _decode_or_typed_error("VC1:" + text)
        with contextlib.suppress(QrPayloadError):
            qr.read_payload(text)


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_behind_the_prefix_only_raise_the_typed_error(data: bytes) -> None:
    _decode_or_typed_error(_offline(data))  # reaches the zlib layer
    _decode_or_typed_error(_zlib_payload(data))  # reaches the UTF-8 and JSON layers


# --- online payload ----------------------------------------------------------------------

CRED_ID = "urn:uuid:00010203-0405-4607-8809-0a0b0c0d0e0f"


def test_register_url_round_trip() -> None:
    url = qr.register_url("https://certification.example/body", CRED_ID)
    assert url == f"https://certification.example/body/register/{CRED_ID}"
    link = qr.parse_register_url(url)
    assert link == qr.RegisterLink("https://certification.example/body", CRED_ID)
    assert link.url == url
    assert qr.read_payload(url) == link
    assert qr.parse_register_url(
        qr.register_url("http://127.0.0.1:8000", "a b/c")
    ).credential_id == ("a b/c")


@pytest.mark.parametrize(
    "base",
    [
        "ftp://certification.example",
        "certification.example",
        "https://",
        "https://certification.example/",
        "https://certification.example?x=1",
        "https://certification.example#f",
        "https://user:pw@certification.example",
        "http://[::1",
    ],
)
def test_register_url_refuses_bad_bases(base: str) -> None:
    with pytest.raises(QrPayloadError):
        qr.register_url(base, CRED_ID)


def test_register_url_refuses_empty_id() -> None:
    with pytest.raises(QrPayloadError, match="not a credential id"):
        qr.register_url("https://certification.example", "")


@pytest.mark.parametrize(
    "text",
    [
        "https://certification.example/verify/" + CRED_ID,
        "https://certification.example/register/",
        "https://certification.example/register/a/b",
        "https://certification.example/register/" + CRED_ID + "?x=1",
        "https://certification.example/register/" + CRED_ID + "#x",
        "https://u@certification.example/register/" + CRED_ID,
        "ftp://certification.example/register/" + CRED_ID,
        "/register/" + CRED_ID,
        "https://certification.example/register/%ff",
        "https://certification.example/register/%0a",
        "http://[::1/register/x",
    ],
)
def test_parse_register_url_refusals(text: str) -> None:
    with pytest.raises(QrPayloadError):
        qr.parse_register_url(text)


# --- the symbol -------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
@pytest.mark.parametrize("units", [None, ("U1",)], ids=["full", "unit"])
def test_ecomentor_credential_fits_one_qr_at_level_m(
    suite: str, units: tuple[str, ...] | None
) -> None:
    body = Body()
    vc = body.issue("Zoë Ørsted-Łukasiewicz", suite=suite, units=units)
    payload = qr.encode_payload(vc)
    symbol = qr.make_qr(payload)
    assert symbol.mode == "alphanumeric"
    assert symbol.error in ("M", "Q", "H")  # never below M for this credential
    # Budget: version 32 = 145 modules = 72.5 mm at 0.5 mm a module (docs/qr.md).
    assert symbol.version <= 32, (len(payload), symbol.designator)
    decoded = qr.decode_payload(payload)
    assert decoded == vc
    assert verify_credential(decoded, trust=body.trust, now=AWARDED).verified


def test_online_link_is_a_small_byte_mode_symbol() -> None:
    symbol = qr.make_qr(qr.register_url("https://certification.example", CRED_ID))
    assert symbol.mode == "byte"
    assert symbol.version <= 6


def test_falls_back_to_level_l_then_refuses() -> None:
    # Alphanumeric capacities (ISO/IEC 18004 table 7): 40-M and 35-L hold 3,391
    # characters, 36-L 3,543, 40-L 4,296.
    assert qr.make_qr("VC1:" + "A" * 3387).designator == "40-M"
    assert qr.make_qr("VC1:" + "A" * 3388).designator == "36-L"
    assert qr.make_qr("VC1:" + "A" * 4292).designator == "40-L"
    with pytest.raises(QrPayloadError, match="online form"):
        qr.make_qr("VC1:" + "A" * 4293)


def test_large_credential_fails_as_qr_payload_error() -> None:
    # Incompressible: base64 of a hash chain (about 4,000 compressed bytes, 6,000 characters).
    blocks = [hashlib.sha256(str(i).encode()).digest() for i in range(100)]
    vc = {"blob": base64.b64encode(b"".join(blocks) * 1).decode() * 1}
    vc["more"] = base64.b64encode(b"".join(hashlib.sha512(b).digest() for b in blocks)).decode()
    with pytest.raises(QrPayloadError, match="does not fit one QR code"):
        qr.make_qr(qr.encode_payload(vc))
