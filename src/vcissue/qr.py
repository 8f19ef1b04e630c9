"""QR payloads for certificates: the whole signed credential (offline) or a register link.

The forms (spec and worked examples in ``docs/qr.md``; the browser verifier decodes the same):

* printed (``VC2``, the default): the body's verifier URL with the payload in its fragment,
  ``HTTPS://CERTS.EXAMPLE/V#VC2:...``, so any phone camera opens the verifier page, which
  reads the fragment on the device (a fragment is never sent to a server). The payload is
  ``VC2:`` + Base43 of (4-byte scheme pack id + raw DEFLATE of the compact JSON with the
  pack's preset dictionary, ``vcissue.qrpack``). Base43 is Base45 without the space and
  ``%``, the two QR alphanumeric characters a URL cannot carry; URL and payload are upper
  case, so all but the ``#`` is encoded in alphanumeric mode (5.5 bits a character).
* ``VC1:`` + Base45 (RFC 9285) of the zlib stream (RFC 1950) of the compact JSON: the first
  format, still read (certificates were printed with it), no longer written by default.
* online: ``<base_url>/register/<credential id>``, the service's public register route.

``VC1``/``VC2`` are format versions; the prefix is case-sensitive and any other version is
refused by name. Decoding is strict (one typed ``QrPayloadError`` for every defect) and
bounded: at most ``MAX_PAYLOAD_CHARS`` scanned characters and ``MAX_INFLATED_BYTES`` of
JSON, so a small "zip bomb" never allocates its claimed size.

Pure: no I/O. ``make_qr`` returns a segno symbol; adapters save it.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import quote, unquote, urlsplit

import segno

from .errors import MalformedInput, QrPayloadError
from .qrpack import DIGEST_BYTES, NO_PACK_ID, PackSet, SchemePack, compact_json
from .verify import parse_credential

OFFLINE_PREFIX = "VC1:"
PACKED_PREFIX = "VC2:"
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
# Base45's alphabet less the space (phone scanners cut a URL there) and "%" (it starts an
# escape): every character is both QR alphanumeric and literal in a URL fragment.
BASE43_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-./:"
_BASE43_VALUE = {char: value for value, char in enumerate(BASE43_ALPHABET)}
# What a printed verifier URL may hold once upper-cased: QR alphanumeric characters less
# the space and "%".
_URL_CHARS = re.compile(r"HTTPS?://[0-9A-Z.:-]+(/[0-9A-Z$*+./:-]*)?")
_VERSIONED_PREFIX = re.compile(r"VC([0-9A-Za-z]{1,16}):")
# ASCII only: under re.IGNORECASE alone U+017F (long s) matches "s", which JavaScript's /i
# does not, and the page's decoder must agree with this one on every text.
_LINK_SCHEME = re.compile(r"https?://", re.IGNORECASE | re.ASCII)
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# The online form, as one grammar both decoders apply (never a platform URL parser: Python's
# urlsplit and the browser's URL differ on ports, backslashes, tabs, IDNs, dot segments):
# http(s), a host name or IPv6 literal, an optional port, path segments of RFC 3986
# pchars, and the last "/register/<id>".
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_REGISTER_LINK = re.compile(
    r"([Hh][Tt][Tt][Pp][Ss]?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?"
    rf"((?:/{_PCHAR}*)*)/register/({_PCHAR}+)"
)
# A decoded credential id: printable ASCII (vcissue's ids are urn:uuid). Non-ASCII would
# leave printability to each side's Unicode tables, which differ by version.
_CREDENTIAL_ID = re.compile(r"[ -~]+")
_NOT_OURS = "not a vcissue certificate QR payload"


# --- Base45 (RFC 9285) -------------------------------------------------------------


def _base_n_encode(data: bytes, alphabet: str) -> str:
    base = len(alphabet)
    out: list[str] = []
    for start in range(0, len(data) - 1, 2):
        value = data[start] * 256 + data[start + 1]
        value, c = divmod(value, base)
        e, d = divmod(value, base)
        out += (alphabet[c], alphabet[d], alphabet[e])
    if len(data) % 2:
        d, c = divmod(data[-1], base)
        out += (alphabet[c], alphabet[d])
    return "".join(out)


def _base_n_decode(text: str, values_of: dict[str, int], name: str) -> bytes:
    base = len(values_of)
    values = []
    for position, char in enumerate(text):
        value = values_of.get(char)
        if value is None:
            raise QrPayloadError(f"character {char!r} at {position} is not {name}")
        values.append(value)
    if len(values) % 3 == 1:
        raise QrPayloadError(f"{name} text length leaves one dangling character")
    out = bytearray()
    for start in range(0, len(values), 3):
        group = values[start : start + 3]
        if len(group) == 3:
            number = group[0] + group[1] * base + group[2] * base * base
            if number > 0xFFFF:
                raise QrPayloadError(f"{name} triplet at {start} is larger than two bytes")
            out += number.to_bytes(2, "big")
        else:
            number = group[0] + group[1] * base
            if number > 0xFF:
                raise QrPayloadError(f"{name} pair at {start} is larger than one byte")
            out.append(number)
    return bytes(out)


def base45_encode(data: bytes) -> str:
    """Two bytes -> three characters, least significant first; a last odd byte -> two."""
    return _base_n_encode(data, BASE45_ALPHABET)


def base45_decode(text: str) -> bytes:
    """The inverse of ``base45_encode``; QrPayloadError for what RFC 9285 forbids."""
    return _base_n_decode(text, _BASE45_VALUE, "Base45")


def base43_encode(data: bytes) -> str:
    """Base45's scheme (RFC 9285) over ``BASE43_ALPHABET``: 43**3 > 65535 still holds."""
    return _base_n_encode(data, BASE43_ALPHABET)


def base43_decode(text: str) -> bytes:
    """The inverse of ``base43_encode``; the same refusals as ``base45_decode``."""
    return _base_n_decode(text, _BASE43_VALUE, "Base43")


# --- offline forms -----------------------------------------------------------------


def _credential_bytes(vc: dict[str, Any]) -> bytes:
    try:
        data = compact_json(vc)
    except (TypeError, ValueError) as error:  # UnicodeEncodeError is a ValueError
        raise QrPayloadError(f"credential is not JSON-serialisable: {error}") from None
    if len(data) > MAX_INFLATED_BYTES:
        raise QrPayloadError(f"credential JSON is larger than {MAX_INFLATED_BYTES} bytes")
    return data


def encode_payload_v1(vc: dict[str, Any]) -> str:
    """The first offline form, ``VC1:`` (kept for tests and for readers of old prints)."""
    return OFFLINE_PREFIX + base45_encode(zlib.compress(_credential_bytes(vc), 9))


def encode_payload(vc: dict[str, Any], pack: SchemePack | None = None) -> str:
    """The offline payload ``VC2:...`` for a (signed) credential, against ``pack`` if given.

    Any pack gives a payload that decodes to the same bytes; the scheme's own pack gives a
    small one. Without a pack the stream has no dictionary (pack id 00000000).
    """
    data = _credential_bytes(vc)
    if pack is None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
        digest = NO_PACK_ID
    else:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=pack.dictionary)
        digest = pack.digest
    raw = compressor.compress(data) + compressor.flush()
    return PACKED_PREFIX + base43_encode(digest + raw)


def decode_payload(text: str | bytes, packs: PackSet | None = None) -> dict[str, Any]:
    """The credential inside an offline payload (``VC2:`` or ``VC1:``, or a verifier URL
    whose fragment holds one), or QrPayloadError saying why not."""
    payload = _clean(text)
    fragment = _fragment_of(payload)
    if fragment is not None:
        payload = fragment
    if payload.startswith(PACKED_PREFIX):
        data = _unpack(payload[len(PACKED_PREFIX) :], packs or PackSet())
    elif payload.startswith(OFFLINE_PREFIX):
        data = _inflate(base45_decode(payload[len(OFFLINE_PREFIX) :]))
    else:
        _refuse_prefix(payload)
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
    # at the end. ASCII white space only, as the browser verifier trims (str.lstrip()
    # would also take U+00A0, U+3000, ... which the page keeps and refuses).
    payload = text.lstrip(" \t\r\n").rstrip("\r\n\t")
    if not payload:
        raise QrPayloadError("empty payload: nothing was scanned")
    return payload


def _refuse_prefix(payload: str) -> NoReturn:
    versioned = _VERSIONED_PREFIX.match(payload)
    if versioned:
        raise QrPayloadError(
            f"unsupported QR payload version VC{versioned.group(1)} (this reader knows VC1 and VC2)"
        )
    raise QrPayloadError(f"{_NOT_OURS}: it must start with {PACKED_PREFIX!r} or {OFFLINE_PREFIX!r}")


def _fragment_of(payload: str) -> str | None:
    """The fragment of a printed verifier URL ``HTTPS://HOST/PATH#VC2:...``, percent-decoded
    as a browser's address bar would hand it on, else None."""
    if not _LINK_SCHEME.match(payload):
        return None
    _, marker, fragment = payload.partition("#")
    if not marker:
        return None
    fragment = _percent_decoded(fragment, "the link's fragment")
    if not fragment.startswith(("VC", "vc")):
        raise QrPayloadError(f"{_NOT_OURS}: the link's fragment holds no certificate")
    return fragment


def _percent_decoded(text: str, what: str) -> str:
    # As JavaScript's decodeURIComponent: a "%" must start an escape, the escapes UTF-8
    # (unquote alone keeps a stray "%" and would accept what the page refuses).
    if _STRAY_PERCENT.search(text):
        raise QrPayloadError(f"{_NOT_OURS}: {what} has a '%' that starts no escape")
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise QrPayloadError(f"{_NOT_OURS}: {what} is not percent-encoded UTF-8") from None


def _unpack(text: str, packs: PackSet) -> bytes:
    data = base43_decode(text)
    if len(data) <= DIGEST_BYTES:
        raise QrPayloadError(f"{_NOT_OURS}: the payload is too short")
    digest, raw = data[:DIGEST_BYTES], data[DIGEST_BYTES:]
    if digest == NO_PACK_ID:
        inflater = zlib.decompressobj(-15)
    else:
        pack = packs.get(digest)
        if pack is None:
            raise QrPayloadError(
                f"the certificate was compressed with scheme pack {digest.hex()}, which this "
                "verifier does not have: use the certification body's current verifier"
            )
        inflater = zlib.decompressobj(-15, zdict=pack.dictionary)
    return _drain(inflater, raw, "DEFLATE")


def _inflate(compressed: bytes) -> bytes:
    # wbits 15: a zlib stream with header and Adler-32
    return _drain(zlib.decompressobj(), compressed, "zlib")


def _drain(inflater: Any, compressed: bytes, what: str) -> bytes:
    try:
        # One byte past the cap tells "exactly at the cap" from "more than the cap".
        data: bytes = inflater.decompress(compressed, MAX_INFLATED_BYTES + 1)
    except zlib.error as error:
        raise QrPayloadError(f"{_NOT_OURS}: not a valid {what} stream ({error})") from None
    if len(data) > MAX_INFLATED_BYTES:
        raise QrPayloadError(f"{_NOT_OURS}: inflates to more than {MAX_INFLATED_BYTES} bytes")
    if not inflater.eof:
        raise QrPayloadError(f"{_NOT_OURS}: the {what} stream is truncated")
    if inflater.unused_data:
        raise QrPayloadError(f"{_NOT_OURS}: bytes after the end of the {what} stream")
    return data


# --- the printed form: a verifier URL ------------------------------------------------


def printed_url(verifier_url: str) -> str:
    """``verifier_url`` as printed: scheme and host upper-cased, checked to stay in the QR
    alphanumeric set (the path must already be upper case: a server sees it as printed)."""
    try:
        parts = urlsplit(verifier_url)
    except ValueError:
        raise QrPayloadError(f"verifier URL is not a URL: {verifier_url!r}") from None
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise QrPayloadError("verifier URL must not carry credentials, a query or a fragment")
    printed = f"{parts.scheme}://{parts.netloc}".upper() + parts.path
    if not _URL_CHARS.fullmatch(printed):
        raise QrPayloadError(
            f"verifier URL {verifier_url!r} must be http(s) with an upper-case path of "
            "letters, digits and -./:$*+ (so the QR code stays alphanumeric), e.g. "
            "https://certs.example/V"
        )
    return printed


def verifier_link(verifier_url: str, payload: str) -> str:
    """What a printed certificate's QR code holds: ``HTTPS://HOST/V#VC2:...``."""
    if not payload.startswith(PACKED_PREFIX):
        raise QrPayloadError("a verifier link carries a VC2 payload")
    return f"{printed_url(verifier_url)}#{payload}"


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
    """Recognise an online payload; QrPayloadError if the text is not one. Scheme and host
    are lower-cased; the rest is kept as written."""
    payload = _clean(text)
    link = _REGISTER_LINK.fullmatch(payload)
    if link is None:
        raise QrPayloadError(f"{_NOT_OURS}: not a link <base URL>{REGISTER_PATH}<credential id>")
    scheme, host, port, prefix, tail = link.groups()
    if port is not None and int(port) > 0xFFFF:
        raise QrPayloadError(f"{_NOT_OURS}: port {port} is not a port")
    credential_id = _percent_decoded(tail, "the credential id")
    if not _CREDENTIAL_ID.fullmatch(credential_id):
        raise QrPayloadError(f"{_NOT_OURS}: not a credential id: {credential_id!r}")
    port_part = "" if port is None else f":{int(port)}"
    return RegisterLink(f"{scheme.lower()}://{host.lower()}{port_part}{prefix}", credential_id)


def read_payload(text: str | bytes, packs: PackSet | None = None) -> dict[str, Any] | RegisterLink:
    """Any form: the credential (offline, verifier link) or the register link (online)."""
    payload = _clean(text)
    if _VERSIONED_PREFIX.match(payload) or _fragment_of(payload) is not None:
        return decode_payload(payload, packs)
    return parse_register_url(payload)


# --- the symbol --------------------------------------------------------------------


def _segments(payload: str) -> Any:
    """A verifier link as three segments: URL and payload alphanumeric, the "#" a byte."""
    if payload.startswith(OFFLINE_PREFIX):
        return payload, "alphanumeric"
    head, marker, fragment = payload.partition("#")
    if marker and fragment.startswith(PACKED_PREFIX) and _URL_CHARS.fullmatch(head):
        # segno finds each segment's mode: alphanumeric, byte, alphanumeric.
        return [head, "#", fragment], None
    if payload.startswith(PACKED_PREFIX):
        return payload, "alphanumeric"
    return payload, None


def make_qr(payload: str) -> segno.QRCode:
    """The smallest QR symbol for ``payload`` at level M, else (too big for M) at level L.

    The offline forms are encoded in alphanumeric mode (a verifier link: all but its "#");
    an online register link in byte mode.
    """
    content, mode = _segments(payload)
    for level in (ERROR_LEVEL, FALLBACK_ERROR_LEVEL):
        try:
            return segno.make_qr(content, error=level, mode=mode, boost_error=True)
        except segno.DataOverflowError:
            continue
        except ValueError as error:  # e.g. a character outside the alphanumeric set
            raise QrPayloadError(f"cannot encode payload as a QR code: {error}") from None
    raise QrPayloadError(
        f"payload of {len(payload)} characters does not fit one QR code even at level "
        f"{FALLBACK_ERROR_LEVEL}; print the online form (a register link) instead"
    )
