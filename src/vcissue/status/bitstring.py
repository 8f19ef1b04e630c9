"""The bit string of a Bitstring Status List: bits, GZIP + base64url encoding, bounded decoding.

Index 0 is the left-most bit, i.e. the most significant bit of the first byte; index
``size - 1`` is the least significant bit of the last byte (spec 7.1, figure 2).
``encode`` is GZIP (RFC 1952) then base64url without padding then the multibase prefix
``u`` (spec 2.2, ``encodedList``). ``Bitstring.decode`` refuses anything else with
``StatusListError``: a missing prefix, padding or non-canonical base64url, data that is
not one complete GZIP member, a list shorter than 131,072 bits (spec 3.2:
STATUS_LIST_LENGTH_ERROR), and a decompression bomb (the output is read incrementally
and capped, 16 MiB by default).
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
import zlib
from collections.abc import Iterator

from ..errors import StatusListError

__all__ = ["DEFAULT_MAX_BITS", "MIN_BITS", "Bitstring", "compression_level_for"]

MIN_BITS = 131_072
"""Spec minimum (2.2, 3.2, 6.1): 16 KiB of single-bit entries, for herd privacy."""

DEFAULT_MAX_BITS = 16 * 1024 * 1024 * 8
"""Largest list ``decode`` inflates by default: 16 MiB of bits (a decompression-bomb cap)."""

# GZIP member header (RFC 1952 2.3): ID1 ID2, CM=8 (deflate), FLG=0, MTIME=0 (so the
# output is deterministic), XFL=0, OS=3 (Unix). Written by hand rather than by zlib so
# the bytes do not depend on the platform zlib was built for; they are the bytes zlib on
# Unix and pako (the JavaScript reference's gzip) write at their default level, so an
# empty list encodes to exactly the spec's example value.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
_GZIP_WBITS = 31  # zlib: gzip wrapper only (not zlib, not auto-detect)
_DEFLATE_RAW = -15
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


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
