"""QR payloads for certificates: the whole signed credential (offline) or a register link.

Two forms (spec and worked example in ``docs/qr.md``; the browser verifier decodes the same):

* offline: ``VC1:`` + Base45 (RFC 9285) of the zlib stream (RFC 1950) of the UTF-8 bytes
  of the credential as compact JSON. Every character is in the QR alphanumeric set, so
  the symbol is encoded in alphanumeric mode (5.5 bits a character).
* online: ``<base_url>/register/<credential id>``, the service's public register route.

``VC1`` is the format version; the prefix is case-sensitive and any other version is
refused by name. Decoding is strict (one typed ``QrPayloadError`` for every defect) and
bounded: at most ``MAX_PAYLOAD_CHARS`` scanned characters and ``MAX_INFLATED_BYTES`` of
JSON, so a small "zip bomb" never allocates its claimed size.

Pure: no I/O. ``make_qr`` returns a segno symbol; adapters save it.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import segno

from .errors import MalformedInput, QrPayloadError
from .verify import parse_credential

OFFLINE_PREFIX = "VC1:"
MAX_INFLATED_BYTES = 256 * 1024
# A version 40 symbol holds 4,296 alphanumeric characters; the browser verifier uses
# the same 8 KiB ceiling, so both refuse the same over-long inputs.
MAX_PAYLOAD_CHARS = 8 * 1024
REGISTER_PATH = "/register/"

# Medium (~15 % of codewords recoverable) survives creases, smudges and the glare of a
# laminated sheet; Low (~7 %) is kept only as the fallback for a credential that would
# not fit at M. segno may still raise the level when that costs no larger version.
ERROR_LEVEL = "M"
FALLBACK_ERROR_LEVEL = "L"

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_BASE45_VALUE = {char: value for value, char in enumerate(BASE45_ALPHABET)}
_VERSIONED_PREFIX = re.compile(r"VC([0-9A-Za-z]{1,16}):")
_NOT_OURS = "not a vcissue certificate QR payload"


# --- Base45 (RFC 9285) -------------------------------------------------------------


def base45_encode(data: bytes) -> str:
    """Two bytes -> three characters, least significant first; a last odd byte -> two."""
    out: list[str] = []
    for start in range(0, len(data) - 1, 2):
        value = data[start] * 256 + data[start + 1]
        value, c = divmod(value, 45)
        e, d = divmod(value, 45)
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[d], BASE45_ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (BASE45_ALPHABET[c], BASE45_ALPHABET[d])
    return "".join(out)


def base45_decode(text: str) -> bytes:
    """The inverse of ``base45_encode``; QrPayloadError for what RFC 9285 forbids."""
    values = []
    for position, char in enumerate(text):
        value = _BASE45_VALUE.get(char)
        if value is None:
            raise QrPayloadError(f"character {char!r} at {position} is not Base45")
        values.append(value)
    if len(values) % 3 == 1:
        raise QrPayloadError("Base45 text length leaves one dangling character")
    out = bytearray()
    for start in range(0, len(values), 3):
        group = values[start : start + 3]
        if len(group) == 3:
            number = group[0] + group[1] * 45 + group[2] * 45 * 45
            if number > 0xFFFF:
                raise QrPayloadError(f"Base45 triplet at {start} is larger than two bytes")
            out += number.to_bytes(2, "big")
        else:
            number = group[0] + group[1] * 45
            if number > 0xFF:
                raise QrPayloadError(f"Base45 pair at {start} is larger than one byte")
            out.append(number)
    return bytes(out)


# --- offline form ------------------------------------------------------------------


def encode_payload(vc: dict[str, Any]) -> str:
    """The offline payload for a (signed) credential."""
    try:
        text = json.dumps(vc, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        data = text.encode("utf-8")
    except (TypeError, ValueError) as error:  # UnicodeEncodeError is a ValueError
        raise QrPayloadError(f"credential is not JSON-serialisable: {error}") from None
    if len(data) > MAX_INFLATED_BYTES:
        raise QrPayloadError(f"credential JSON is larger than {MAX_INFLATED_BYTES} bytes")
    return OFFLINE_PREFIX + base45_encode(zlib.compress(data, 9))


def decode_payload(text: str | bytes) -> dict[str, Any]:
    """The credential inside an offline payload, or QrPayloadError saying why not."""
    payload = _clean(text)
    if not payload.startswith(OFFLINE_PREFIX):
        _refuse_prefix(payload)
    compressed = base45_decode(payload[len(OFFLINE_PREFIX) :])
    data = _inflate(compressed)
    try:
        return parse_credential(data, max_bytes=MAX_INFLATED_BYTES)
    except (MalformedInput, ValueError) as error:
        # ValueError: an integer literal past Python's 4,300-digit conversion limit.
        raise QrPayloadError(f"{_NOT_OURS}: the data is not a JSON object ({error})") from None


def _clean(text: str | bytes) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise QrPayloadError(f"{_NOT_OURS}: not ASCII text") from None
    if not isinstance(text, str):
        raise QrPayloadError(f"{_NOT_OURS}: expected text, got {type(text).__name__}")
    if len(text) > MAX_PAYLOAD_CHARS:
        raise QrPayloadError(f"{_NOT_OURS}: longer than any QR code can hold")
    # Scanners add line ends; Base45 itself contains spaces, so only those are trimmed
    # at the end (the browser verifier trims the same).
    payload = text.lstrip().rstrip("\r\n\t")
    if not payload:
        raise QrPayloadError("empty payload: nothing was scanned")
    return payload


def _refuse_prefix(payload: str) -> None:
    versioned = _VERSIONED_PREFIX.match(payload)
    if versioned:
        raise QrPayloadError(
            f"unsupported QR payload version VC{versioned.group(1)} (this reader knows VC1)"
        )
    raise QrPayloadError(f"{_NOT_OURS}: it must start with {OFFLINE_PREFIX!r}")


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()  # wbits 15: a zlib stream with header and Adler-32
    try:
        # One byte past the cap tells "exactly at the cap" from "more than the cap".
        data = inflater.decompress(compressed, MAX_INFLATED_BYTES + 1)
    except zlib.error as error:
        raise QrPayloadError(f"{_NOT_OURS}: not a valid zlib stream ({error})") from None
    if len(data) > MAX_INFLATED_BYTES:
        raise QrPayloadError(f"{_NOT_OURS}: inflates to more than {MAX_INFLATED_BYTES} bytes")
    if not inflater.eof:
        raise QrPayloadError(f"{_NOT_OURS}: the zlib stream is truncated")
    if inflater.unused_data:
        raise QrPayloadError(f"{_NOT_OURS}: bytes after the end of the zlib stream")
    return data


# --- online form -------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterLink:
    """An online payload: where the body's public register shows this credential."""

    base_url: str
    credential_id: str

    @property
    def url(self) -> str:
        return register_url(self.base_url, self.credential_id)


def register_url(base_url: str, credential_id: str) -> str:
    """The online payload ``<base_url>/register/<credential id>``."""
    try:
        parts = urlsplit(base_url)
    except ValueError:
        raise QrPayloadError(f"register base URL is not a URL: {base_url!r}") from None
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise QrPayloadError(f"register base URL must be an http(s) URL, not {base_url!r}")
    if base_url.endswith("/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise QrPayloadError(
            "register base URL must not end in '/' or carry credentials, a query or a fragment"
        )
    if not credential_id or not credential_id.isprintable():
        raise QrPayloadError(f"not a credential id: {credential_id!r}")
    return f"{base_url}{REGISTER_PATH}{quote(credential_id, safe=':')}"


def parse_register_url(text: str | bytes) -> RegisterLink:
    """Recognise an online payload; QrPayloadError if the text is not one."""
    payload = _clean(text)
    try:
        parts = urlsplit(payload)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise QrPayloadError(f"{_NOT_OURS}: not a URL") from None
    prefix, marker, tail = parts.path.rpartition(REGISTER_PATH)
    if (
        parts.scheme not in ("https", "http")
        or not parts.netloc
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or not marker
        or not tail
        or "/" in tail
    ):
        raise QrPayloadError(f"{_NOT_OURS}: not a link <base URL>{REGISTER_PATH}<credential id>")
    try:
        credential_id = unquote(tail, errors="strict")
    except UnicodeDecodeError:
        raise QrPayloadError(f"{_NOT_OURS}: the credential id is not UTF-8") from None
    if not credential_id.isprintable():
        raise QrPayloadError(f"{_NOT_OURS}: not a credential id: {credential_id!r}")
    return RegisterLink(f"{parts.scheme}://{parts.netloc}{prefix}", credential_id)


def read_payload(text: str | bytes) -> dict[str, Any] | RegisterLink:
    """Either form: the credential (offline) or the register link (online)."""
    payload = _clean(text)
    if payload.startswith(OFFLINE_PREFIX) or _VERSIONED_PREFIX.match(payload):
        return decode_payload(payload)
    return parse_register_url(payload)


# --- the symbol --------------------------------------------------------------------


def make_qr(payload: str) -> segno.QRCode:
    """The smallest QR symbol for ``payload`` at level M, else (too big for M) at level L.

    The offline form is encoded in alphanumeric mode; an online link in byte mode.
    """
    mode = "alphanumeric" if payload.startswith(OFFLINE_PREFIX) else None
    for level in (ERROR_LEVEL, FALLBACK_ERROR_LEVEL):
        try:
            return segno.make_qr(payload, error=level, mode=mode, boost_error=True)
        except segno.DataOverflowError:
            continue
        except ValueError as error:  # e.g. a character outside the alphanumeric set
            raise QrPayloadError(f"cannot encode payload as a QR code: {error}") from None
    raise QrPayloadError(
        f"payload of {len(payload)} characters does not fit one QR code even at level "
        f"{FALLBACK_ERROR_LEVEL}; print the online form (a register link) instead"
    )
