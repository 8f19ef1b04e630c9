"""W3C Bitstring Status List v1.0: bitstrings, status entries, status list credentials.

Pure: no I/O, no clock, no implicit randomness. Fetching a list and checking its
proof belong to the caller (``verify.py``); the time and the random source come in
as arguments.

Spec: https://www.w3.org/TR/vc-bitstring-status-list/ (W3C Recommendation, 2025).

Bitstring
    ``Bitstring`` holds the bits. Index 0 is the left-most bit, i.e. the most
    significant bit of the first byte; index ``size - 1`` is the least significant
    bit of the last byte (spec 7.1, figure 2). ``encode`` is GZIP (RFC 1952) then
    base64url without padding then the multibase prefix ``u`` (spec 2.2,
    ``encodedList``). ``Bitstring.decode`` refuses anything else with
    ``StatusListError``: a missing prefix, padding or non-canonical base64url, data
    that is not one complete GZIP member, a list shorter than 131,072 bits (spec
    3.2: STATUS_LIST_LENGTH_ERROR), and a decompression bomb (the output is read
    incrementally and capped, 16 MiB by default).

Status entries and lists
    ``status_entry`` builds a ``BitstringStatusListEntry``, ``parse_status_entry`` /
    ``parse_status_entries`` read them back. ``status_list_credential`` builds the
    unsigned ``BitstringStatusListCredential`` (every term is defined by the VC 2.0
    context, so it signs under eddsa-rdfc-2022), ``read_status_list_credential``
    checks its structure, ``status_of`` reads one entry's bit.

Index allocation policy (``allocate_index``, ``AllocationMap``)
    * Random, never sequential: the spec (2.1, statusListIndex) says indexes
      SHOULD be assigned randomly so that nobody can infer the recency of an
      assignment or the size of the group from a position. Every unused index is
      equally likely.
    * Never reused: an index once allocated stays allocated for the life of the
      list, even after the credential expires or is revoked. A reused index would
      carry the old credential's status (a revocation is final) and would tell
      observers that a credential was retired.
    * Bounded: up to ``PROBES`` uniform random probes; when they all land on used
      indices (the list is nearly full) one counting pass picks the k-th unused
      index for a uniform random k. So the draw is exactly uniform among the unused
      indices in both phases and always terminates.
    * Full means ``None``: the caller then starts a new list (roll-over); lists are
      never enlarged in place.
    * Callers persist the allocation (and flip status bits) in one transaction with
      the credential, so two concurrent issuers never take the same index.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from .errors import ProofError, StatusListError
from .jsonld import VC_V2
from .proofs import format_datetime, parse_datetime

__all__ = [
    "DEFAULT_MAX_BITS",
    "MAX_STATUS_ENTRIES",
    "MIN_BITS",
    "AllocationMap",
    "Bitstring",
    "RandomSource",
    "StatusEntry",
    "StatusList",
    "StatusPurpose",
    "allocate_index",
    "compression_level_for",
    "parse_status_entries",
    "parse_status_entry",
    "read_status_list_credential",
    "status_entry",
    "status_list_credential",
    "status_of",
]

MIN_BITS = 131_072
"""Spec minimum (2.2, 3.2, 6.1): 16 KiB of single-bit entries, for herd privacy."""

DEFAULT_MAX_BITS = 16 * 1024 * 1024 * 8
"""Largest list ``decode`` inflates by default: 16 MiB of bits (a decompression-bomb cap)."""

MAX_STATUS_ENTRIES = 16
"""Most ``credentialStatus`` entries one credential may carry (each means a fetch)."""

PROBES = 64
"""Random probes before ``allocate_index`` falls back to a counting pass (0.9**64 < 0.2 %)."""

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
VC_TYPE = "VerifiableCredential"

# GZIP member header (RFC 1952 2.3): ID1 ID2, CM=8 (deflate), FLG=0, MTIME=0 (so the
# output is deterministic), XFL=0, OS=3 (Unix). Written by hand rather than by zlib so
# the bytes do not depend on the platform zlib was built for; they are the bytes zlib on
# Unix and pako (the JavaScript reference's gzip) write at their default level, so an
# empty list encodes to exactly the spec's example value.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_GZIP_WBITS = 31  # zlib: gzip wrapper only (not zlib, not auto-detect)
_DEFLATE_RAW = -15
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_INDEX = re.compile(r"[0-9]{1,20}")
_ABSOLUTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


# --------------------------------------------------------------------------- bitstring


def compression_level_for(size: int) -> int:
    """The GZIP level ``Bitstring.encode`` uses for a list of ``size`` bits.

    Measured with CPython's zlib (1.2.13) on lists with 0.1 %-10 % of bits set:
    * up to 131,072 bits (16 KiB, the default list) level 9 costs at most ~9 ms and
      makes the list that every verifier downloads ~15 % smaller than level 6;
    * up to 8,388,608 bits (1 MiB) level 9 costs 80-800 ms (the standards README saw
      ~470 ms on 1 MiB) against 6-170 ms for level 6, for ~10-15 % less output: not
      worth holding a status update (and its database transaction) that long;
    * above 1 MiB even level 6 takes seconds at 16 MiB, so level 1 (~20 ms per MiB,
      output ~30 % larger than level 6 on sparse lists).
    """
    if size <= MIN_BITS:
        return 9
    if size <= 8 * 1024 * 1024:
        return 6
    return 1


def _check_size(size: object, minimum: int) -> int:
    if not isinstance(size, int) or isinstance(size, bool):
        raise StatusListError(f"bitstring size must be an integer, not {size!r}")
    if size < minimum:
        raise StatusListError(
            f"bitstring of {size} bits is shorter than the minimum {minimum} "
            "(STATUS_LIST_LENGTH_ERROR)"
        )
    if size % 8:
        raise StatusListError(f"bitstring size {size} is not a multiple of 8")
    return size


class Bitstring:
    """A mutable string of ``size`` bits; index 0 is the most significant bit of byte 0."""

    __slots__ = ("_bytes",)
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, size: int = MIN_BITS) -> None:
        self._bytes = bytearray(_check_size(size, MIN_BITS) // 8)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray, *, min_bits: int = MIN_BITS) -> Bitstring:
        """The bitstring whose bytes are ``data`` (copied), at least ``min_bits`` long."""
        if not isinstance(data, bytes | bytearray):
            raise StatusListError("bitstring bytes must be bytes")
        _check_size(len(data) * 8, min_bits)
        bitstring = cls.__new__(cls)
        bitstring._bytes = bytearray(data)
        return bitstring

    @property
    def size(self) -> int:
        return len(self._bytes) * 8

    def __len__(self) -> int:
        return self.size

    def to_bytes(self) -> bytes:
        return bytes(self._bytes)

    def copy(self) -> Bitstring:
        return Bitstring.from_bytes(self._bytes, min_bits=0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bitstring):
            return NotImplemented
        return self._bytes == other._bytes

    def __repr__(self) -> str:
        return f"Bitstring(size={self.size}, set={self.count()})"

    def _check_index(self, index: object) -> int:
        if not isinstance(index, int) or isinstance(index, bool):
            raise StatusListError(f"bit index must be an integer, not {index!r}")
        if not 0 <= index < self.size:
            raise StatusListError(
                f"index {index} is outside the list of {self.size} bits (RANGE_ERROR)"
            )
        return index

    def get(self, index: int) -> bool:
        index = self._check_index(index)
        return bool(self._bytes[index >> 3] & (0x80 >> (index & 7)))

    def set(self, index: int, value: bool) -> None:
        index = self._check_index(index)
        if not isinstance(value, bool):
            raise StatusListError(f"a status bit is True or False, not {value!r}")
        mask = 0x80 >> (index & 7)
        if value:
            self._bytes[index >> 3] |= mask
        else:
            self._bytes[index >> 3] &= ~mask & 0xFF

    def count(self) -> int:
        """How many bits are set."""
        return int.from_bytes(self._bytes, "big").bit_count()

    def set_indices(self) -> Iterator[int]:
        """The indices of the set bits, in increasing order."""
        for byte_index, byte in enumerate(self._bytes):
            if byte:
                base = byte_index * 8
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        yield base + bit

    def encode(self, level: int | None = None) -> str:
        """``encodedList``: multibase ``u`` + base64url (no padding) of GZIP of the bits.

        ``level`` defaults to ``compression_level_for(size)``. The output is
        deterministic: MTIME is 0 and the header bytes are fixed.
        """
        if level is None:
            level = compression_level_for(self.size)
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 9:
            raise StatusListError(f"GZIP level must be 0-9, not {level!r}")
        deflate = zlib.compressobj(level, zlib.DEFLATED, _DEFLATE_RAW)
        data = bytes(self._bytes)
        body = deflate.compress(data) + deflate.flush()
        trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
        member = _GZIP_HEADER + body + trailer
        return "u" + base64.urlsafe_b64encode(member).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(
        cls, encoded: str, *, max_bits: int = DEFAULT_MAX_BITS, min_bits: int = MIN_BITS
    ) -> Bitstring:
        """The bitstring of an ``encodedList``; ``StatusListError`` for anything malformed.

        At most ``max_bits`` are inflated (the rest is refused as a bomb, never
        allocated); fewer than ``min_bits`` (spec: 131,072) is refused too.
        """
        max_bytes = max_bits // 8
        compressed = _multibase_base64url_decode(encoded, max_bytes)
        return cls.from_bytes(_gunzip(compressed, max_bytes), min_bits=min_bits)


def _multibase_base64url_decode(encoded: object, max_bytes: int) -> bytes:
    if not isinstance(encoded, str):
        raise StatusListError("encodedList must be a string")
    if not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (start with 'u')")
    text = encoded[1:]
    # The largest honest GZIP of max_bytes: stored blocks (5 bytes per 64 KiB) + header.
    max_chars = ((max_bytes + max_bytes // 1000 + 1024) * 4 + 2) // 3
    if len(text) > max_chars:
        raise StatusListError("encodedList is longer than any list this verifier accepts")
    if "=" in text:
        raise StatusListError("encodedList must be base64url without padding")
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise StatusListError("encodedList is not valid base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise StatusListError("encodedList is not valid base64url") from None
    # Refuse non-canonical encodings (unused trailing bits set): one list, one spelling.
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != text:
        raise StatusListError("encodedList is not canonical base64url")
    return data


def _gunzip(compressed: bytes, max_bytes: int) -> bytes:
    """Inflate one complete GZIP member, never holding more than ``max_bytes + 1`` bytes."""
    if compressed[:2] != b"\x1f\x8b":
        raise StatusListError("encodedList is not GZIP data")
    inflater = zlib.decompressobj(_GZIP_WBITS)
    out = bytearray()
    pending = compressed
    try:
        while not inflater.eof:
            room = max_bytes + 1 - len(out)  # always >= 1 (0 would mean "unlimited")
            chunk = inflater.decompress(pending, room)
            pending = inflater.unconsumed_tail
            out += chunk
            if len(out) > max_bytes:
                raise StatusListError(
                    f"encodedList inflates to more than {max_bytes} bytes (refused)"
                )
            if not chunk and not pending:
                raise StatusListError("encodedList GZIP data is truncated")
    except zlib.error as error:
        raise StatusListError(f"encodedList is not valid GZIP: {error}") from None
    if inflater.unused_data:
        raise StatusListError("encodedList has data after its GZIP member")
    return bytes(out)


# ------------------------------------------------------------------- entries and purpose


class StatusPurpose(StrEnum):
    """The status purposes vcissue issues and checks (spec 2.1)."""

    REVOCATION = "revocation"
    """Cancels the credential; final."""
    SUSPENSION = "suspension"
    """Temporarily prevents acceptance; reversible."""

    @property
    def reversible(self) -> bool:
        return self is StatusPurpose.SUSPENSION


_PURPOSE_VALUES = frozenset(purpose.value for purpose in StatusPurpose)


def _purpose(value: object) -> StatusPurpose:
    if isinstance(value, StatusPurpose):
        return value
    if not isinstance(value, str):
        raise StatusListError(f"statusPurpose must be a string, not {type(value).__name__}")
    try:
        return StatusPurpose(value)
    except ValueError:
        raise StatusListError(f"unsupported statusPurpose {value!r}") from None


def _url(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise StatusListError(f"{what} must be a string URL")
    if not _ABSOLUTE_URL.fullmatch(value):
        raise StatusListError(f"{what} must be an absolute URL, not {value!r}")
    return value


def _has_type(value: object, name: str) -> bool:
    if isinstance(value, str):
        return value == name
    if isinstance(value, list):
        return name in value and all(isinstance(item, str) for item in value)
    return False


@dataclass(frozen=True)
class StatusEntry:
    """One parsed ``BitstringStatusListEntry``."""

    list_url: str
    index: int
    purpose: StatusPurpose
    entry_id: str | None = None


def status_entry(list_url: str, index: int, purpose: StatusPurpose | str) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for the credential's ``credentialStatus``."""
    list_url = _url(list_url, "statusListCredential")
    if "#" in list_url:
        raise StatusListError("a status list URL must not have a fragment")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise StatusListError(f"statusListIndex must be an integer >= 0, not {index!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": _purpose(purpose).value,
        # The spec types the index as a base-10 string.
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def parse_status_entry(obj: object) -> StatusEntry:
    """Read one ``BitstringStatusListEntry``; ``StatusListError`` says what is wrong."""
    if not isinstance(obj, Mapping):
        raise StatusListError("a credentialStatus entry must be an object")
    if "type" not in obj:
        raise StatusListError("credentialStatus entry has no type")
    if not _has_type(obj["type"], ENTRY_TYPE):
        raise StatusListError(f"credentialStatus type {obj['type']!r} is not {ENTRY_TYPE}")
    for name in ("statusPurpose", "statusListIndex", "statusListCredential"):
        if name not in obj:
            raise StatusListError(f"credentialStatus entry has no {name}")
    purpose = _purpose(obj["statusPurpose"])
    raw_index = obj["statusListIndex"]
    if not isinstance(raw_index, str):
        raise StatusListError("statusListIndex must be a string of a base-10 integer")
    if not _INDEX.fullmatch(raw_index):
        raise StatusListError(
            f"statusListIndex {raw_index[:40]!r} is not a base-10 integer >= 0 (max 20 digits)"
        )
    list_url = _url(obj["statusListCredential"], "statusListCredential")
    size = obj.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size != 1:
        raise StatusListError(f"statusSize {size!r} is not supported (only 1)")
    entry_id = obj.get("id")
    if entry_id is not None:
        if not isinstance(entry_id, str):
            raise StatusListError("credentialStatus id must be a string")
        if entry_id == list_url:
            raise StatusListError("credentialStatus id must not be the status list URL")
    return StatusEntry(list_url, int(raw_index), purpose, entry_id)


def parse_status_entries(credential_status: object) -> list[StatusEntry]:
    """``credentialStatus`` (one entry or a list of them) as parsed entries."""
    if isinstance(credential_status, Mapping):
        return [parse_status_entry(credential_status)]
    if not isinstance(credential_status, list):
        raise StatusListError("credentialStatus must be an object or a list of objects")
    if not credential_status:
        raise StatusListError("credentialStatus must not be an empty list")
    if len(credential_status) > MAX_STATUS_ENTRIES:
        raise StatusListError(f"more than {MAX_STATUS_ENTRIES} credentialStatus entries")
    return [parse_status_entry(entry) for entry in credential_status]


# ------------------------------------------------------------------ status list credential


def _issuer_id(issuer: object) -> str:
    if isinstance(issuer, str):
        return _url(issuer, "issuer")
    if isinstance(issuer, Mapping):
        return _url(issuer.get("id"), "issuer id")
    raise StatusListError("issuer must be a URL or an object with an id")


def _datetime_text(moment: object, what: str) -> str:
    if not isinstance(moment, datetime):
        raise StatusListError(f"{what} must be a datetime")
    try:
        return format_datetime(moment)
    except ProofError as error:
        raise StatusListError(f"{what}: {error}") from None


def status_list_credential(
    list_url: str,
    purpose: StatusPurpose | str,
    bitstring: Bitstring,
    *,
    issuer: dict[str, Any] | str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` publishing ``bitstring`` at ``list_url``.

    Sign it with ``vcissue.proofs.sign``. The credential ``id`` is ``list_url`` (the
    URL the entries' ``statusListCredential`` names) unless ``credential_id`` says
    otherwise. Keep them equal: ``read_status_list_credential(fetched_from=...)``
    refuses a list whose ``id`` is not the URL it was fetched from, and ``status_of``
    a list whose URL is not the entry's (so a list cannot be served in place of another).
    """
    list_url = _url(list_url, "status list URL")
    if "#" in list_url:
        raise StatusListError("a status list URL must not have a fragment")
    if not isinstance(bitstring, Bitstring):
        raise StatusListError("bitstring must be a Bitstring")
    _issuer_id(issuer)
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_url if credential_id is None else _url(credential_id, "credential id"),
        "type": [VC_TYPE, LIST_CREDENTIAL_TYPE],
        "issuer": dict(issuer) if isinstance(issuer, Mapping) else issuer,
        "validFrom": _datetime_text(valid_from, "validFrom"),
    }
    if valid_until is not None:
        credential["validUntil"] = _datetime_text(valid_until, "validUntil")
        if valid_until <= valid_from:
            raise StatusListError("validUntil must be after validFrom")
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": _purpose(purpose).value,
        "encodedList": bitstring.encode(),
    }
    return credential


@dataclass(frozen=True)
class StatusList:
    """A structurally valid status list credential (its proof is the caller's to check)."""

    list_url: str
    purposes: tuple[StatusPurpose, ...]
    bitstring: Bitstring
    valid_from: datetime | None
    valid_until: datetime | None
    issuer_id: str

    @property
    def purpose(self) -> StatusPurpose:
        """The (first) supported purpose; vcissue's own lists have exactly one."""
        return self.purposes[0]

    def valid_at(self, now: datetime) -> bool:
        """Whether ``now`` lies in the list's validity period (``validFrom``/``validUntil``)."""
        if not isinstance(now, datetime) or now.tzinfo is None:
            raise StatusListError("now must be a timezone-aware datetime")
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_until is None or now <= self.valid_until


def _optional_datetime(vc: Mapping[str, Any], name: str) -> datetime | None:
    if name not in vc:
        return None
    try:
        return parse_datetime(vc[name])
    except ProofError:
        raise StatusListError(f"{name} is not an XSD dateTime") from None


def read_status_list_credential(
    vc: Mapping[str, Any],
    *,
    fetched_from: str | None = None,
    max_bits: int = DEFAULT_MAX_BITS,
    min_bits: int = MIN_BITS,
) -> StatusList:
    """Check the structure of a ``BitstringStatusListCredential`` and decode its list.

    ``fetched_from`` is the URL the caller dereferenced. The credential's ``id``, when
    present, must equal it (a list signed for one URL and served at another is
    refused); without an ``id`` the list takes ``fetched_from`` as its URL. Unknown
    purposes in a multi-purpose list are ignored; a list with no supported purpose is
    refused. Validity dates are parsed, not compared with any clock.
    """
    if not isinstance(vc, Mapping):
        raise StatusListError("a status list credential must be an object")
    context = vc.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first != VC_V2:
        raise StatusListError(f"status list credential @context must start with {VC_V2}")
    types = vc.get("type")
    if not (_has_type(types, VC_TYPE) and _has_type(types, LIST_CREDENTIAL_TYPE)):
        raise StatusListError(f"credential type {types!r} is not a {LIST_CREDENTIAL_TYPE}")
    list_url: str
    if "id" in vc:
        list_url = _url(vc["id"], "status list credential id")
        if fetched_from is not None and fetched_from != list_url:
            raise StatusListError(
                f"status list credential {list_url!r} was served at {fetched_from!r}"
            )
    elif fetched_from is not None:
        list_url = _url(fetched_from, "status list URL")
    else:
        raise StatusListError("status list credential has no id and no URL was given")
    if "issuer" not in vc:
        raise StatusListError("status list credential has no issuer")
    issuer_id = _issuer_id(vc["issuer"])
    valid_from = _optional_datetime(vc, "validFrom")
    valid_until = _optional_datetime(vc, "validUntil")
    subject: object = vc.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping):
        raise StatusListError("credentialSubject must be one object (the status list)")
    if not _has_type(subject.get("type"), LIST_TYPE):
        raise StatusListError(f"credentialSubject type {subject.get('type')!r} is not {LIST_TYPE}")
    if "statusPurpose" not in subject:
        raise StatusListError("the status list has no statusPurpose")
    purposes = _list_purposes(subject["statusPurpose"])
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError("the status list has no encodedList string")
    bitstring = Bitstring.decode(encoded, max_bits=max_bits, min_bits=min_bits)
    return StatusList(list_url, purposes, bitstring, valid_from, valid_until, issuer_id)


def _list_purposes(value: object) -> tuple[StatusPurpose, ...]:
    values: Sequence[object] = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(item, str) for item in values):
        raise StatusListError("statusPurpose must be one or more strings")
    known = tuple(StatusPurpose(v) for v in dict.fromkeys(values) if v in _PURPOSE_VALUES)
    if not known:
        raise StatusListError(f"status list has no supported statusPurpose ({value!r})")
    return known


def status_of(entry: StatusEntry, status_list: StatusList) -> bool:
    """The entry's bit in the list: True means revoked / suspended.

    Raises ``StatusListError`` when the list is not the one the entry names, does
    not serve the entry's purpose (STATUS_VERIFICATION_ERROR), or is too short for
    the index (RANGE_ERROR).
    """
    if entry.list_url != status_list.list_url:
        raise StatusListError(f"entry names list {entry.list_url!r}, not {status_list.list_url!r}")
    if entry.purpose not in status_list.purposes:
        raise StatusListError(
            f"entry purpose {entry.purpose.value!r} is not a purpose of the list "
            "(STATUS_VERIFICATION_ERROR)"
        )
    return status_list.bitstring.get(entry.index)


# ----------------------------------------------------------------------------- allocation


class RandomSource(Protocol):
    """What allocation needs of a random source: ``random.Random`` or ``SystemRandom``."""

    def randrange(self, start: int, stop: int, /) -> int: ...


UsedIndices = Callable[[int], bool] | Container[int]


_CHUNK = 1024  # bytes counted at once (int.bit_count) while looking for the k-th free bit


def _uniform_unused_scan(
    size: int, is_used: Callable[[int], bool], rng: RandomSource
) -> int | None:
    """The k-th unused index for a uniform k: one pass to count, one to find."""
    free_total = sum(1 for index in range(size) if not is_used(index))
    if not free_total:
        return None
    k = rng.randrange(0, free_total)
    for index in range(size):
        if not is_used(index):
            if k == 0:
                return index
            k -= 1
    raise StatusListError("the set of used indices changed during allocation")


def _uniform_unused_bits(size: int, used: Bitstring, rng: RandomSource) -> int | None:
    """The k-th clear bit below ``size`` for a uniform k (whole chunks counted at once)."""
    data = used.to_bytes()
    full_bytes, tail_bits = divmod(size, 8)
    tail = [full_bytes * 8 + bit for bit in range(tail_bits) if not used.get(full_bytes * 8 + bit)]
    head_free = full_bytes * 8 - int.from_bytes(data[:full_bytes], "big").bit_count()
    if not head_free + len(tail):
        return None
    k = rng.randrange(0, head_free + len(tail))
    if k >= head_free:
        return tail[k - head_free]
    for chunk_start in range(0, full_bytes, _CHUNK):
        chunk = data[chunk_start : min(chunk_start + _CHUNK, full_bytes)]
        free = len(chunk) * 8 - int.from_bytes(chunk, "big").bit_count()
        if k >= free:
            k -= free
            continue
        for offset, byte in enumerate(chunk):
            byte_free = 8 - byte.bit_count()
            if k >= byte_free:
                k -= byte_free
                continue
            for bit in range(8):
                if not byte & (0x80 >> bit):
                    if k == 0:
                        return (chunk_start + offset) * 8 + bit
                    k -= 1
    raise StatusListError("unreachable: k is below the number of free bits")


def allocate_index(size: int, used: UsedIndices | Bitstring, rng: RandomSource) -> int | None:
    """A uniformly random index in ``[0, size)`` not in ``used``; ``None`` when all are used.

    ``used`` is a ``Bitstring`` of allocated indices (see ``AllocationMap``), a
    container of them (a ``set``), or a predicate. See the module docstring for the
    policy; the caller records the returned index as used before the next call.
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise StatusListError(f"list size must be a positive integer, not {size!r}")
    is_used: Callable[[int], bool]
    if isinstance(used, Bitstring):
        if size > used.size:
            raise StatusListError(f"allocation map of {used.size} bits is smaller than {size}")
        is_used = used.get
    elif callable(used):
        is_used = used
    elif isinstance(used, Container):
        container = used

        def is_used(index: int) -> bool:
            return index in container

    else:
        raise StatusListError("used must be a Bitstring, a container of indices or a predicate")
    for _ in range(PROBES):
        index = rng.randrange(0, size)
        if not is_used(index):
            return index
    if isinstance(used, Bitstring):
        return _uniform_unused_bits(size, used, rng)
    return _uniform_unused_scan(size, is_used, rng)


class AllocationMap:
    """Which indices of one status list have been handed out (a bit per index, never freed)."""

    __slots__ = ("bits",)

    def __init__(self, bits: Bitstring | None = None, *, size: int = MIN_BITS) -> None:
        self.bits = bits if bits is not None else Bitstring(size)

    @property
    def size(self) -> int:
        return self.bits.size

    @property
    def allocated(self) -> int:
        return self.bits.count()

    @property
    def free(self) -> int:
        return self.size - self.allocated

    def is_used(self, index: int) -> bool:
        return self.bits.get(index)

    def mark(self, index: int) -> None:
        """Record ``index`` as allocated (e.g. when loading allocations from a store)."""
        self.bits.set(index, True)

    def allocate(self, rng: RandomSource) -> int | None:
        """Draw an unused index, mark it and return it; ``None`` when the list is full."""
        index = allocate_index(self.size, self.bits, rng)
        if index is not None:
            self.bits.set(index, True)
        return index
