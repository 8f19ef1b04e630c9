"""Bitstring Status List v1.0: spec examples, round trips, strict decoding, allocation policy.

Spec examples are copied from the W3C Recommendation "Bitstring Status List v1.0"
(https://www.w3.org/TR/2025/REC-vc-bitstring-status-list-20250515/), as stored in the
w3c/vc-bitstring-status-list repository, file transitions/2025/REC/index.html
(commit a14b0216b3e7, "Add static copy of Bitstring Status List v1.0 Recommendation").
Each constant below names its example number and section.
"""

from __future__ import annotations

import base64
import copy
import gzip
import random
import struct
import tracemalloc
import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vectors import TEST_CONTEXTS
from vcissue import proofs
from vcissue.errors import ProofError, StatusListError, VcissueError
from vcissue.jsonld import VC_V2
from vcissue.keys import PublicKey, SigningKey
from vcissue.status import (
    DEFAULT_MAX_BITS,
    MAX_STATUS_ENTRIES,
    MIN_BITS,
    AllocationMap,
    Bitstring,
    StatusEntry,
    StatusList,
    StatusPurpose,
    allocate_index,
    compression_level_for,
    parse_status_entries,
    parse_status_entry,
    read_status_list_credential,
    status_entry,
    status_list_credential,
    status_of,
)
from vcissue.system import system_random

EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"

# The empty list: encodedList of Example 3 (section 2.2) and of Example 5 (A.2), in every
# tab (unsigned, ecdsa, eddsa, jose, cose). Section 1 and 7.1 give the default/minimum
# length, 131,072 bits (16 KB), all zero in a list where nothing is revoked.
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"

# Example 3, "Example BitstringStatusListCredential" (section 2.2).
SPEC_EXAMPLE_3: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "https://example.com/credentials/status/3",
    "type": ["VerifiableCredential", "BitstringStatusListCredential"],
    "issuer": "did:example:12345",
    "validFrom": "2021-04-05T14:27:40Z",
    "credentialSubject": {
        "id": "https://example.com/status/3#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": SPEC_EMPTY_LIST,
    },
}

# Example 5, "A Status List Verifiable Credential" (appendix A.2), the eddsa-rdfc-2022 tab.
SPEC_EXAMPLE_5_EDDSA: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2],
    "id": "https://example.com/credentials/status/3",
    "type": ["VerifiableCredential", "BitstringStatusListCredential"],
    "issuer": "did:example:12345",
    "validFrom": "2021-04-05T14:27:40Z",
    "credentialSubject": {
        "id": "https://example.com/status/3#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": SPEC_EMPTY_LIST,
    },
    "proof": {
        "type": "DataIntegrityProof",
        "created": "2025-04-27T20:53:40Z",
        "verificationMethod": "did:key:z6MkeVw6bAm59CopQquZcVLUpapvEEELqfpdWfHkSont8HR6",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "proofValue": (
            "z4hwxiLnXHLUAomJXtfoowKc1ZBNpw1Wjw1vYsXEvifETSh6odbtmh6qfEDijRBxCZJ5hjguPotaywncvcHQ9yfRf"
        ),
    },
}

# Example 4, "A Revocable Verifiable Credential" (appendix A.1), the eddsa-rdfc-2022 tab.
SPEC_EXAMPLE_4_EDDSA: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2],
    "id": "https://example.com/credentials/23894672394",
    "type": ["VerifiableCredential"],
    "issuer": "did:example:12345",
    "validFrom": "2021-04-05T14:27:42Z",
    "credentialStatus": {
        "id": "https://example.com/credentials/status/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://example.com/credentials/status/3",
    },
    "credentialSubject": {"id": "did:example:6789", "type": "Person"},
    "proof": {
        "type": "DataIntegrityProof",
        "created": "2025-04-27T20:53:40Z",
        "verificationMethod": "did:key:z6MkeVw6bAm59CopQquZcVLUpapvEEELqfpdWfHkSont8HR6",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "proofValue": (
            "z2Gjztpjjb7iJxNF9YZ4ssG6qTuv48XhsqTnMobv4ofFD12NNaeZmgwgkkPtYKHyESuEe1AHNBavjJaPbH9ZZJqxk"
        ),
    },
}

# Example 1, "Example StatusListCredential using simple entries" (section 2.1).
SPEC_EXAMPLE_1_STATUS: list[dict[str, Any]] = [
    {
        "id": "https://example.com/credentials/status/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://example.com/credentials/status/3",
    },
    {
        "id": "https://example.com/credentials/status/4#23452",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "23452",
        "statusListCredential": "https://example.com/credentials/status/4",
    },
]

# Example 2, "Example StatusListCredential using more complex entries" (section 2.1);
# the spec's "..." elision in statusMessage is dropped.
SPEC_EXAMPLE_2_STATUS: dict[str, Any] = {
    "id": "https://example.com/credentials/status/8#492847",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "message",
    "statusListIndex": "492847",
    "statusSize": 2,
    "statusListCredential": "https://example.com/credentials/status/8",
    "statusMessage": [
        {"status": "0x0", "message": "pending_review"},
        {"status": "0x1", "message": "accepted"},
        {"status": "0x2", "message": "rejected"},
    ],
    "statusReference": "https://example.org/status-dictionary/",
}

# Example 7, "Associating multiple status entries in a single status list" (appendix A.4).
SPEC_EXAMPLE_7_STATUS: list[dict[str, Any]] = [
    {
        "id": "https://example.com/credentials/status/5#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://example.com/credentials/status/5",
    },
    {
        "id": "https://example.com/credentials/status/5#12345",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "suspension",
        "statusListIndex": "12345",
        "statusListCredential": "https://example.com/credentials/status/5",
    },
]

LIST_URL = "https://certs.example.org/status/revocation/1"
ISSUER = "did:web:certs.example.org"
VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)

indices = st.integers(min_value=0, max_value=MIN_BITS - 1)
purposes = st.sampled_from(list(StatusPurpose))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


def _spec_resolver(vm_id: str) -> tuple[PublicKey, str, bool]:
    """did:key without a fragment, as the spec examples write it."""
    assert vm_id.startswith("did:key:z6Mk")
    return PublicKey.from_multibase(vm_id.removeprefix("did:key:")), vm_id, True


def _gzip_member(data: bytes, *, level: int = 6) -> bytes:
    return gzip.compress(data, compresslevel=level, mtime=0)


def _multibase(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _compressed(encoded: str) -> bytes:
    text = encoded[1:]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _bitstring_with(size: int, set_bits: set[int]) -> Bitstring:
    bits = Bitstring(size)
    for index in set_bits:
        bits.set(index, True)
    return bits


# ------------------------------------------------------------------------ spec examples


def test_spec_empty_list_decodes_to_131072_clear_bits() -> None:
    bits = Bitstring.decode(SPEC_EMPTY_LIST)
    assert bits.size == len(bits) == MIN_BITS == 131_072
    assert bits.to_bytes() == bytes(16_384)  # 16 KB, every bit 0
    assert bits.count() == 0
    assert not bits.get(0) and not bits.get(94_567) and not bits.get(MIN_BITS - 1)


@pytest.mark.parametrize("level", [None, 4, 5, 6, 7, 8, 9])
def test_empty_list_encodes_to_the_spec_bytes(level: int | None) -> None:
    # Same deflate stream and header as the spec's example (zlib/pako default level).
    assert Bitstring().encode(level) == SPEC_EMPTY_LIST


def test_bit_order_is_the_spec_layout() -> None:
    # Spec 7.1 / figure 2: index 0 is the left-most bit of the first byte, index
    # length-1 the right-most bit of the last byte.
    bits = Bitstring()
    bits.set(0, True)
    assert bits.to_bytes()[0] == 0b1000_0000
    bits.set(9, True)
    assert bits.to_bytes()[1] == 0b0100_0000
    bits.set(MIN_BITS - 1, True)
    assert bits.to_bytes()[-1] == 0b0000_0001
    assert list(bits.set_indices()) == [0, 9, MIN_BITS - 1]
    decoded = Bitstring.from_bytes(b"\x80" + bytes(16_382) + b"\x01")
    assert [i for i in (0, 1, 7, 8, MIN_BITS - 2, MIN_BITS - 1) if decoded.get(i)] == [
        0,
        MIN_BITS - 1,
    ]


def test_spec_example_3_reads() -> None:
    status_list = read_status_list_credential(SPEC_EXAMPLE_3)
    assert status_list.list_url == "https://example.com/credentials/status/3"
    assert status_list.purpose is StatusPurpose.REVOCATION
    assert status_list.purposes == (StatusPurpose.REVOCATION,)
    assert status_list.issuer_id == "did:example:12345"
    assert status_list.valid_from == datetime(2021, 4, 5, 14, 27, 40, tzinfo=UTC)
    assert status_list.valid_until is None
    assert status_list.bitstring == Bitstring()


def test_spec_example_5_proof_verifies_and_list_reads() -> None:
    check = proofs.verify_proof(SPEC_EXAMPLE_5_EDDSA, _spec_resolver, contexts=TEST_CONTEXTS)
    assert check.cryptosuite == "eddsa-rdfc-2022"
    status_list = read_status_list_credential(
        SPEC_EXAMPLE_5_EDDSA, fetched_from="https://example.com/credentials/status/3"
    )
    assert status_list.bitstring.size == MIN_BITS and status_list.bitstring.count() == 0
    # Revoking anything changes the list, and the issuer's signature no longer covers it.
    revoked = copy.deepcopy(SPEC_EXAMPLE_5_EDDSA)
    revoked["credentialSubject"]["encodedList"] = _bitstring_with(MIN_BITS, {94_567}).encode()
    with pytest.raises(ProofError, match="signature does not match"):
        proofs.verify_proof(revoked, _spec_resolver, contexts=TEST_CONTEXTS)


def test_spec_example_4_entry_checks_against_example_5_list() -> None:
    proofs.verify_proof(SPEC_EXAMPLE_4_EDDSA, _spec_resolver, contexts=TEST_CONTEXTS)
    [entry] = parse_status_entries(SPEC_EXAMPLE_4_EDDSA["credentialStatus"])
    assert entry == StatusEntry(
        "https://example.com/credentials/status/3",
        94_567,
        StatusPurpose.REVOCATION,
        "https://example.com/credentials/status/3#94567",
    )
    status_list = read_status_list_credential(SPEC_EXAMPLE_5_EDDSA)
    assert status_of(entry, status_list) is False
    revoked = StatusList(
        status_list.list_url,
        status_list.purposes,
        _bitstring_with(MIN_BITS, {94_567}),
        status_list.valid_from,
        None,
        status_list.issuer_id,
    )
    assert status_of(entry, revoked) is True
    # status_entry() writes the same entry the spec shows.
    assert (
        status_entry("https://example.com/credentials/status/3", 94_567, "revocation")
        == SPEC_EXAMPLE_4_EDDSA["credentialStatus"]
    )


def test_spec_example_1_entries() -> None:
    entries = parse_status_entries(SPEC_EXAMPLE_1_STATUS)
    assert [(e.list_url, e.index, e.purpose) for e in entries] == [
        ("https://example.com/credentials/status/3", 94_567, StatusPurpose.REVOCATION),
        ("https://example.com/credentials/status/4", 23_452, StatusPurpose.SUSPENSION),
    ]
    assert [status_entry(e.list_url, e.index, e.purpose) for e in entries] == SPEC_EXAMPLE_1_STATUS


def test_spec_example_2_message_entries_are_refused_as_unsupported() -> None:
    with pytest.raises(StatusListError, match="unsupported statusPurpose 'message'"):
        parse_status_entry(SPEC_EXAMPLE_2_STATUS)
    with pytest.raises(StatusListError, match="statusSize 2"):
        parse_status_entry({**SPEC_EXAMPLE_2_STATUS, "statusPurpose": "revocation"})


def test_spec_example_7_one_list_with_two_purposes() -> None:
    revocation, suspension = parse_status_entries(SPEC_EXAMPLE_7_STATUS)
    vc = copy.deepcopy(SPEC_EXAMPLE_3)
    vc["id"] = "https://example.com/credentials/status/5"
    vc["credentialSubject"]["statusPurpose"] = ["revocation", "suspension", "refresh"]
    vc["credentialSubject"]["encodedList"] = _bitstring_with(MIN_BITS, {12_345}).encode()
    status_list = read_status_list_credential(vc)
    assert status_list.purposes == (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
    assert status_of(revocation, status_list) is False
    assert status_of(suspension, status_list) is True


# --------------------------------------------------------------------- bitstring props


@settings(max_examples=60, deadline=None)
@given(st.sets(indices, max_size=300), st.sampled_from([None, 0, 1, 6, 9]))
def test_encode_decode_round_trip(set_bits: set[int], level: int | None) -> None:
    bits = _bitstring_with(MIN_BITS, set_bits)
    encoded = bits.encode(level)
    assert encoded.startswith("u") and "=" not in encoded
    decoded = Bitstring.decode(encoded)
    assert decoded == bits
    assert decoded.count() == len(set_bits)
    assert set(decoded.set_indices()) == set_bits
    assert bits.encode(level) == encoded  # deterministic


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=MIN_BITS // 8, max_value=8 * MIN_BITS // 8), st.data())
def test_round_trip_other_sizes(size_bytes: int, data: st.DataObject) -> None:
    size = size_bytes * 8
    set_bits = data.draw(st.sets(st.integers(0, size - 1), max_size=50))
    bits = _bitstring_with(size, set_bits)
    assert Bitstring.decode(bits.encode()) == bits
    assert Bitstring.decode(bits.encode()).size == size


# Whole 16 KiB lists: all clear, all set, or random bytes from a drawn seed.
list_bytes = st.one_of(
    st.just(bytes(16_384)),
    st.just(b"\xff" * 16_384),
    st.integers(0, 2**64).map(lambda seed: random.Random(seed).randbytes(16_384)),
)


@settings(max_examples=200, deadline=None)
@given(list_bytes, indices, st.booleans())
def test_setting_one_bit_changes_exactly_that_bit(start: bytes, index: int, value: bool) -> None:
    bits = Bitstring.from_bytes(start)
    bits.set(index, value)
    after = bits.to_bytes()
    assert bits.get(index) is value
    diff = bytes(a ^ b for a, b in zip(start, after, strict=True))
    expected = bytearray(16_384)
    if Bitstring.from_bytes(start).get(index) != value:
        expected[index >> 3] = 0x80 >> (index & 7)
    assert diff == bytes(expected)


@given(
    st.one_of(
        st.integers(max_value=-1),
        st.integers(min_value=MIN_BITS),
        st.booleans(),
        st.floats(),
        st.text(max_size=5),
        st.none(),
    )
)
def test_bad_indices_are_refused(index: Any) -> None:
    bits = Bitstring()
    with pytest.raises(StatusListError):
        bits.get(index)
    with pytest.raises(StatusListError):
        bits.set(index, True)
    assert bits.count() == 0


@pytest.mark.parametrize("value", [1, 0, None, "true"])
def test_set_takes_booleans_only(value: Any) -> None:
    with pytest.raises(StatusListError):
        Bitstring().set(3, value)


@pytest.mark.parametrize("size", [0, 8, MIN_BITS - 8, MIN_BITS + 1, True, 131072.0, "131072"])
def test_bad_sizes_are_refused(size: Any) -> None:
    with pytest.raises(StatusListError):
        Bitstring(size)


def test_count_and_copy() -> None:
    bits = _bitstring_with(MIN_BITS, {1, 2, 3, 100_000})
    clone = bits.copy()
    assert clone == bits and clone.count() == 4
    clone.set(5, True)
    assert clone != bits and bits.count() == 4


def test_compression_levels_by_size() -> None:
    assert compression_level_for(MIN_BITS) == 9
    assert compression_level_for(MIN_BITS * 8) == 6
    assert compression_level_for(8 * 1024 * 1024) == 6
    assert compression_level_for(8 * 1024 * 1024 + 8) == 1
    with pytest.raises(StatusListError):
        Bitstring().encode(10)


# ------------------------------------------------------------------- strict decoding


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_decode_random_text_raises_only_status_list_error(text: str) -> None:
    for candidate in (text, "u" + text):
        try:
            bits = Bitstring.decode(candidate)
        except StatusListError:
            continue
        assert bits.size >= MIN_BITS  # only a real encoded list gets through


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_decode_random_bytes_raises_only_status_list_error(raw: bytes) -> None:
    for candidate in (_multibase(raw), _multibase(b"\x1f\x8b\x08" + raw)):
        with pytest.raises(StatusListError):
            Bitstring.decode(candidate)


@pytest.mark.parametrize("value", [None, 3, b"uH4sI", ["u"], {"u": 1}])
def test_decode_non_strings(value: Any) -> None:
    with pytest.raises(StatusListError, match="must be a string"):
        Bitstring.decode(value)


def test_decode_refuses_each_malformation() -> None:
    good = Bitstring().encode()
    raw = _compressed(good)
    cases = {
        "missing prefix": good[1:],
        "other multibase (base64, 'm')": "m" + good[1:],
        "padding": good + "==",
        "standard alphabet": "u" + base64.b64encode(raw).decode().rstrip("="),
        "bad length": good + "A",
        "non-canonical trailing bits": good[:-1] + chr(ord(good[-1]) + 1),
        "empty": "u",
        "zlib, not gzip": _multibase(zlib.compress(bytes(16_384))),
        "raw deflate": _multibase(zlib.compress(bytes(16_384))[2:-4]),
        "truncated": _multibase(raw[:-5]),
        "trailing data": _multibase(raw + b"\x00"),
        "two members": _multibase(raw + raw),
        "bad crc": _multibase(raw[:-8] + bytes([raw[-8] ^ 1]) + raw[-7:]),
        "bad length field": _multibase(raw[:-4] + struct.pack("<I", 16_383)),
        "too short (16,383 bytes)": _multibase(_gzip_member(bytes(16_383))),
        "whitespace": good[:10] + " " + good[10:],
    }
    for name, encoded in cases.items():
        with pytest.raises(StatusListError):
            Bitstring.decode(encoded)
            pytest.fail(f"accepted: {name}")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_corrupted_byte_is_refused_or_harmless(data: st.DataObject) -> None:
    original = _bitstring_with(MIN_BITS, data.draw(st.sets(indices, max_size=20)))
    raw = bytearray(_compressed(original.encode()))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    try:
        decoded = Bitstring.decode(_multibase(bytes(raw)))
    except StatusListError:
        return
    # Informational header bytes (FLG.FTEXT, MTIME, XFL, OS) and the padding bits after
    # the last deflate block can change unnoticed; the bits themselves never do (CRC-32).
    assert decoded == original


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_every_truncation_is_refused(data: st.DataObject) -> None:
    raw = _compressed(_bitstring_with(MIN_BITS, {7, 77_777}).encode())
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(StatusListError):
        Bitstring.decode(_multibase(raw[:cut]))


def test_minimum_length_can_be_lowered_by_an_ecosystem() -> None:
    small = _multibase(_gzip_member(b"\x80"))
    with pytest.raises(StatusListError, match="STATUS_LIST_LENGTH_ERROR"):
        Bitstring.decode(small)
    bits = Bitstring.decode(small, min_bits=8)
    assert bits.size == 8 and bits.get(0) and not bits.get(1)


def test_decompression_cap_is_exact() -> None:
    at_cap = _multibase(_gzip_member(bytes(2 * 16_384)))
    assert Bitstring.decode(at_cap, max_bits=2 * MIN_BITS).size == 2 * MIN_BITS
    with pytest.raises(StatusListError, match="inflates to more than"):
        Bitstring.decode(at_cap, max_bits=2 * MIN_BITS - 8)


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    # 64 MiB of zeros in ~64 KiB of GZIP: four times the default 16 MiB cap.
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    bomb = b"".join(deflate.compress(chunk) for _ in range(64)) + deflate.flush()
    encoded = _multibase(bomb)
    assert len(encoded) < 128 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(StatusListError, match="inflates to more than"):
            Bitstring.decode(encoded)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Never more than the cap (16 MiB) plus one chunk and bookkeeping.
    assert peak < DEFAULT_MAX_BITS // 8 * 2.5


def test_overlong_encoded_list_is_refused_before_decoding() -> None:
    with pytest.raises(StatusListError, match="longer than any list"):
        Bitstring.decode("u" + "A" * 300_000, max_bits=MIN_BITS)


# --------------------------------------------------------------------------- entries


@given(
    st.sampled_from([LIST_URL, "https://x.example/a?b=c", "did:web:x.example:lists:1"]),
    st.integers(0, 10**18),
    purposes,
)
def test_entry_round_trip(url: str, index: int, purpose: StatusPurpose) -> None:
    entry = status_entry(url, index, purpose)
    assert entry["statusListIndex"] == str(index) and isinstance(entry["statusListIndex"], str)
    assert entry["id"] == f"{url}#{index}" != entry["statusListCredential"]
    assert parse_status_entry(entry) == StatusEntry(url, index, purpose, f"{url}#{index}")


def test_entry_accepts_type_array_and_missing_id() -> None:
    entry = status_entry(LIST_URL, 5, StatusPurpose.SUSPENSION)
    del entry["id"]
    entry["type"] = ["BitstringStatusListEntry"]
    entry["statusSize"] = 1
    assert parse_status_entry(entry) == StatusEntry(LIST_URL, 5, StatusPurpose.SUSPENSION)


def _bad_entry_cases() -> dict[str, Any]:
    good = status_entry(LIST_URL, 42, "revocation")
    cases: dict[str, Any] = {
        "not an object": ["x"],
        "string": "https://x",
        "wrong type": {**good, "type": "StatusList2021Entry"},
        "type array without entry": {**good, "type": ["VerifiableCredential"]},
        "unknown purpose": {**good, "statusPurpose": "refresh"},
        "purpose not a string": {**good, "statusPurpose": ["revocation"]},
        "index int": {**good, "statusListIndex": 42},
        "index bool": {**good, "statusListIndex": True},
        "index negative": {**good, "statusListIndex": "-1"},
        "index plus sign": {**good, "statusListIndex": "+1"},
        "index float": {**good, "statusListIndex": "1.5"},
        "index exponent": {**good, "statusListIndex": "1e3"},
        "index hex": {**good, "statusListIndex": "0x10"},
        "index space": {**good, "statusListIndex": " 1"},
        "index newline": {**good, "statusListIndex": "1\n"},
        "index empty": {**good, "statusListIndex": ""},
        "index fullwidth digit": {**good, "statusListIndex": "\uff11"},
        "index huge": {**good, "statusListIndex": "9" * 5000},
        "url not a string": {**good, "statusListCredential": {"id": LIST_URL}},
        "url relative": {**good, "statusListCredential": "/status/1"},
        "url empty": {**good, "statusListCredential": ""},
        "statusSize 2": {**good, "statusSize": 2},
        "statusSize string": {**good, "statusSize": "1"},
        "statusSize bool": {**good, "statusSize": True},
        "id not a string": {**good, "id": 7},
        "id is the list url": {**good, "id": LIST_URL},
    }
    for field in ("type", "statusPurpose", "statusListIndex", "statusListCredential"):
        cases[f"missing {field}"] = {k: v for k, v in good.items() if k != field}
    return cases


@pytest.mark.parametrize("name", sorted(_bad_entry_cases()))
def test_malformed_entries_are_refused(name: str) -> None:
    with pytest.raises(StatusListError):
        parse_status_entry(_bad_entry_cases()[name])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        ["id", "type", "statusPurpose", "statusListIndex", "statusListCredential", "statusSize"]
    ),
    json_values,
)
def test_any_field_value_gives_an_entry_or_status_list_error(field: str, value: Any) -> None:
    entry = {**status_entry(LIST_URL, 42, "suspension"), field: value}
    try:
        parsed = parse_status_entry(entry)
    except StatusListError:
        return
    assert parsed.index >= 0 and parsed.purpose in StatusPurpose


@given(json_values)
def test_any_credential_status_gives_entries_or_status_list_error(value: Any) -> None:
    try:
        entries = parse_status_entries(value)
    except StatusListError:
        return
    assert entries and all(isinstance(e, StatusEntry) for e in entries)


def test_entry_lists() -> None:
    one = status_entry(LIST_URL, 1, "revocation")
    assert len(parse_status_entries(one)) == 1
    assert len(parse_status_entries([one] * MAX_STATUS_ENTRIES)) == MAX_STATUS_ENTRIES
    for bad in ([], [one] * (MAX_STATUS_ENTRIES + 1), (one,), "x", None, [one, "x"]):
        with pytest.raises(StatusListError):
            parse_status_entries(bad)


@pytest.mark.parametrize(
    ("url", "index", "purpose"),
    [
        ("relative/1", 1, "revocation"),
        (LIST_URL + "#frag", 1, "revocation"),
        (LIST_URL, -1, "revocation"),
        (LIST_URL, True, "revocation"),
        (LIST_URL, "1", "revocation"),
        (LIST_URL, 1, "message"),
        (LIST_URL, 1, None),
    ],
)
def test_status_entry_refuses_bad_arguments(url: Any, index: Any, purpose: Any) -> None:
    with pytest.raises(StatusListError):
        status_entry(url, index, purpose)


def test_purposes() -> None:
    assert [p.value for p in StatusPurpose] == ["revocation", "suspension"]
    assert StatusPurpose.SUSPENSION.reversible and not StatusPurpose.REVOCATION.reversible


# ------------------------------------------------------------- status list credential


def _list_vc(set_bits: frozenset[int] | set[int] = frozenset(), **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"issuer": ISSUER, "valid_from": VALID_FROM, **kwargs}
    return status_list_credential(
        LIST_URL, StatusPurpose.REVOCATION, _bitstring_with(MIN_BITS, set(set_bits)), **options
    )


def test_status_list_credential_shape() -> None:
    vc = _list_vc({3}, valid_until=VALID_FROM + timedelta(days=30))
    assert vc == {
        "@context": [VC_V2],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2025-01-31T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": _bitstring_with(MIN_BITS, {3}).encode(),
        },
    }


@settings(max_examples=20, deadline=None)
@given(st.sets(indices, max_size=40), purposes)
def test_credential_round_trip(set_bits: set[int], purpose: StatusPurpose) -> None:
    bits = _bitstring_with(MIN_BITS, set_bits)
    vc = status_list_credential(
        LIST_URL,
        purpose,
        bits,
        issuer={"id": ISSUER, "name": "Example Body"},
        valid_from=VALID_FROM,
        valid_until=VALID_FROM + timedelta(days=1),
    )
    status_list = read_status_list_credential(vc, fetched_from=LIST_URL)
    assert status_list == StatusList(
        LIST_URL,
        (purpose,),
        bits,
        VALID_FROM,
        VALID_FROM + timedelta(days=1),
        ISSUER,
    )
    for index in set_bits:
        assert status_of(StatusEntry(LIST_URL, index, purpose), status_list) is True
    assert status_of(StatusEntry(LIST_URL, MIN_BITS - 1, purpose), status_list) is (
        MIN_BITS - 1 in set_bits
    )


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_status_list_credential_signs_and_verifies(suite: str) -> None:
    key = SigningKey.generate(rng=system_random)

    def resolve(vm_id: str) -> tuple[PublicKey, str, bool]:
        assert vm_id == key.verification_method
        return key.public, key.controller, True

    vc = status_list_credential(
        LIST_URL,
        StatusPurpose.SUSPENSION,
        _bitstring_with(MIN_BITS, {10, 20}),
        issuer={"id": key.controller, "name": "Example Body"},
        valid_from=VALID_FROM,
        valid_until=VALID_FROM + timedelta(days=7),
    )
    signed = proofs.sign(vc, key, created=VALID_FROM, suite=suite)
    check = proofs.verify_proof(signed, resolve)
    assert check.controller == key.controller
    status_list = read_status_list_credential(signed, fetched_from=LIST_URL)
    assert status_list.purpose is StatusPurpose.SUSPENSION
    assert status_list.issuer_id == key.controller
    # Reinstating index 10 in the published JSON without re-signing is detected.
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["encodedList"] = _bitstring_with(MIN_BITS, {20}).encode()
    with pytest.raises(ProofError, match="signature does not match"):
        proofs.verify_proof(tampered, resolve)


def test_credential_id_override() -> None:
    other = "https://cdn.example.org/status/1"
    vc = _list_vc(credential_id=other)
    assert vc["id"] == other and vc["credentialSubject"]["id"] == f"{LIST_URL}#list"
    assert read_status_list_credential(vc).list_url == other


@pytest.mark.parametrize(
    "kwargs",
    [
        {"valid_from": datetime(2025, 1, 1)},  # naive
        {"valid_from": "2025-01-01T00:00:00Z"},
        {"valid_until": VALID_FROM},
        {"valid_until": VALID_FROM - timedelta(seconds=1)},
        {"issuer": {"name": "no id"}},
        {"issuer": "not a url"},
        {"issuer": 5},
        {"credential_id": "relative"},
    ],
)
def test_status_list_credential_refuses_bad_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(StatusListError):
        _list_vc(**kwargs)


def test_status_list_credential_refuses_bad_list_arguments() -> None:
    for url, purpose, bits in [
        (LIST_URL + "#x", "revocation", Bitstring()),
        ("nope", "revocation", Bitstring()),
        (LIST_URL, "refresh", Bitstring()),
        (LIST_URL, "revocation", bytes(16_384)),
    ]:
        with pytest.raises(StatusListError):
            status_list_credential(url, purpose, bits, issuer=ISSUER, valid_from=VALID_FROM)  # type: ignore[arg-type]


def _bad_list_credentials() -> dict[str, Any]:
    good = _list_vc()
    subject = good["credentialSubject"]

    def with_subject(**changes: Any) -> dict[str, Any]:
        return {**good, "credentialSubject": {**subject, **changes}}

    def without(key: str) -> dict[str, Any]:
        return {k: v for k, v in good.items() if k != key}

    def subject_without(key: str) -> dict[str, Any]:
        return {**good, "credentialSubject": {k: v for k, v in subject.items() if k != key}}

    return {
        "not an object": [good],
        "no context": without("@context"),
        "v1 context": {**good, "@context": ["https://www.w3.org/2018/credentials/v1"]},
        "no list type": {**good, "type": ["VerifiableCredential"]},
        "no VC type": {**good, "type": "BitstringStatusListCredential"},
        "no id, no url": without("id"),
        "id not a string": {**good, "id": 3},
        "no issuer": without("issuer"),
        "issuer without id": {**good, "issuer": {"name": "x"}},
        "bad validFrom": {**good, "validFrom": "yesterday"},
        "bad validUntil": {**good, "validUntil": 5},
        "no subject": without("credentialSubject"),
        "two subjects": {**good, "credentialSubject": [subject, subject]},
        "subject type": with_subject(type="StatusList2021"),
        "no purpose": subject_without("statusPurpose"),
        "purpose message only": with_subject(statusPurpose="message"),
        "purpose empty list": with_subject(statusPurpose=[]),
        "purpose not strings": with_subject(statusPurpose=["revocation", 1]),
        "no encodedList": subject_without("encodedList"),
        "encodedList not a string": with_subject(encodedList=["u"]),
        "encodedList bad": with_subject(encodedList="uAAAA"),
        "encodedList short": with_subject(encodedList=_multibase(_gzip_member(bytes(100)))),
    }


@pytest.mark.parametrize("name", sorted(_bad_list_credentials()))
def test_malformed_list_credentials_are_refused(name: str) -> None:
    with pytest.raises(StatusListError):
        read_status_list_credential(_bad_list_credentials()[name])


def test_list_served_at_another_url_is_refused() -> None:
    vc = _list_vc()
    with pytest.raises(StatusListError, match="was served at"):
        read_status_list_credential(vc, fetched_from="https://certs.example.org/status/other")
    anonymous = {k: v for k, v in vc.items() if k != "id"}
    assert read_status_list_credential(anonymous, fetched_from=LIST_URL).list_url == LIST_URL


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        ["@context", "id", "type", "issuer", "validFrom", "validUntil", "credentialSubject"]
    ),
    json_values,
)
def test_any_top_level_value_gives_a_list_or_status_list_error(field: str, value: Any) -> None:
    vc = {**_list_vc(), field: value}
    try:
        status_list = read_status_list_credential(vc)
    except StatusListError:
        return
    assert status_list.bitstring.size == MIN_BITS


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["id", "type", "statusPurpose", "encodedList"]), json_values)
def test_any_subject_value_gives_a_list_or_status_list_error(field: str, value: Any) -> None:
    vc = _list_vc()
    vc["credentialSubject"][field] = value
    try:
        status_list = read_status_list_credential(vc)
    except StatusListError:
        return
    assert status_list.purposes


def test_valid_at() -> None:
    status_list = read_status_list_credential(_list_vc(valid_until=VALID_FROM + timedelta(days=1)))
    assert not status_list.valid_at(VALID_FROM - timedelta(seconds=1))
    assert status_list.valid_at(VALID_FROM)
    assert status_list.valid_at(VALID_FROM + timedelta(days=1))
    assert not status_list.valid_at(VALID_FROM + timedelta(days=1, seconds=1))
    with pytest.raises(StatusListError):
        status_list.valid_at(datetime(2025, 1, 1))  # naive


def test_status_of_refuses_mismatches() -> None:
    status_list = read_status_list_credential(_list_vc({5}))
    assert status_of(StatusEntry(LIST_URL, 5, StatusPurpose.REVOCATION), status_list) is True
    with pytest.raises(StatusListError, match="STATUS_VERIFICATION_ERROR"):
        status_of(StatusEntry(LIST_URL, 5, StatusPurpose.SUSPENSION), status_list)
    with pytest.raises(StatusListError, match="names list"):
        status_of(StatusEntry(LIST_URL + "2", 5, StatusPurpose.REVOCATION), status_list)
    with pytest.raises(StatusListError, match="RANGE_ERROR"):
        status_of(StatusEntry(LIST_URL, MIN_BITS, StatusPurpose.REVOCATION), status_list)


def test_errors_are_vcissue_errors() -> None:
    assert issubclass(StatusListError, VcissueError)
    assert StatusListError.code == "status-list"


# ------------------------------------------------------------------------ allocation


@settings(max_examples=100, deadline=None)
@given(st.sets(indices, max_size=2000), st.integers(0, 2**32))
def test_allocation_never_returns_a_used_index(used: set[int], seed: int) -> None:
    bits = _bitstring_with(MIN_BITS, used)
    for form in (used, bits, used.__contains__):
        index = allocate_index(MIN_BITS, form, random.Random(seed))
        assert index is not None and 0 <= index < MIN_BITS and index not in used


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.sets(st.integers(0, 399)), st.integers(0, 2**32))
def test_allocation_sequence_is_distinct_until_full_then_none(
    size: int, pre_used: set[int], seed: int
) -> None:
    used = {i for i in pre_used if i < size}
    rng = random.Random(seed)
    drawn = []
    while (index := allocate_index(size, used, rng)) is not None:
        assert index not in used and 0 <= index < size
        used.add(index)
        drawn.append(index)
        assert len(drawn) <= size  # terminates
    assert len(drawn) == len(set(drawn)) == size - len({i for i in pre_used if i < size})
    assert used == set(range(size))
    assert allocate_index(size, used, rng) is None


@settings(max_examples=25, deadline=None)
@given(st.sets(indices, min_size=1, max_size=40), st.integers(0, 2**32))
def test_nearly_full_map_hands_out_exactly_its_free_indices(free: set[int], seed: int) -> None:
    bits = Bitstring.from_bytes(b"\xff" * (MIN_BITS // 8))
    for index in free:
        bits.set(index, False)
    allocations = AllocationMap(bits)
    assert allocations.free == len(free)
    rng = random.Random(seed)
    drawn = [allocations.allocate(rng) for _ in range(len(free))]
    assert set(drawn) == free and len(drawn) == len(free)
    assert allocations.allocate(rng) is None
    assert allocations.free == 0 and allocations.allocated == MIN_BITS


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 23), st.sets(st.integers(MIN_BITS - 24, MIN_BITS - 1), max_size=8), st.data())
def test_allocation_below_a_size_that_is_not_a_byte_multiple(
    cut: int, free: set[int], data: st.DataObject
) -> None:
    # The map is longer than the list; the bits past ``size`` are never handed out.
    bits = Bitstring.from_bytes(b"\xff" * (MIN_BITS // 8))
    for index in free:
        bits.set(index, False)
    size = MIN_BITS - cut
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    expected = {i for i in free if i < size}
    drawn = set()
    while (index := allocate_index(size, bits, rng)) is not None:
        assert index in expected and index not in drawn
        drawn.add(index)
        bits.set(index, True)
    assert drawn == expected


def test_full_lists_give_none_in_every_form() -> None:
    rng = random.Random(1)
    full = Bitstring.from_bytes(b"\xff" * (MIN_BITS // 8))
    assert allocate_index(MIN_BITS, full, rng) is None
    assert allocate_index(MIN_BITS, lambda index: True, rng) is None
    assert allocate_index(3, {0, 1, 2}, rng) is None
    assert AllocationMap(full).allocate(rng) is None


def test_allocation_map_marks() -> None:
    allocations = AllocationMap()
    allocations.mark(7)
    assert allocations.is_used(7) and allocations.allocated == 1
    index = allocations.allocate(random.SystemRandom())
    assert index is not None and index != 7 and allocations.is_used(index)
    assert allocations.allocated == 2 and allocations.free == MIN_BITS - 2


def _counts(draw: Any, n: int) -> Counter[int]:
    return Counter(draw() for _ in range(n))


def test_fallback_draw_is_uniform_not_scan_biased() -> None:
    # Free: 0..4 and 100,000. A "first free index after a random start" scan would
    # return 100,000 about 76 % of the time and 1..4 almost never.
    free = {0, 1, 2, 3, 4, 100_000}
    bits = Bitstring.from_bytes(b"\xff" * (MIN_BITS // 8))
    for index in free:
        bits.set(index, False)
    rng = random.Random(20250515)
    counts = _counts(lambda: allocate_index(MIN_BITS, bits, rng), 3000)
    assert set(counts) == free
    # Each expected 500 (sd ~20); any bias of the scan kind is far outside this.
    assert all(380 < count < 620 for count in counts.values()), counts


def test_fallback_draw_through_a_predicate_is_uniform() -> None:
    free = {0, 1, 2, 3, 4, 3_000}  # on a 4,096-index list: the predicate is called per index
    rng = random.Random(17)
    counts = _counts(lambda: allocate_index(4_096, lambda i: i not in free, rng), 1200)
    assert set(counts) == free
    assert all(130 < count < 270 for count in counts.values()), counts  # expected 200, sd ~13


def test_probing_draw_is_uniform() -> None:
    used = set(range(0, 10, 2))  # half used: the random probes succeed
    rng = random.Random(7)
    counts = _counts(lambda: allocate_index(10, used, rng), 5000)
    assert set(counts) == {1, 3, 5, 7, 9}
    assert all(850 < count < 1150 for count in counts.values()), counts


def test_allocation_is_reproducible_from_the_seed() -> None:
    first = AllocationMap()
    second = AllocationMap()
    a, b = random.Random(99), random.Random(99)
    assert [first.allocate(a) for _ in range(50)] == [second.allocate(b) for _ in range(50)]


@pytest.mark.parametrize(
    ("size", "used"),
    [(0, set()), (True, set()), (-5, set()), (MIN_BITS + 8, Bitstring()), (10, 5)],
)
def test_allocation_refuses_bad_arguments(size: Any, used: Any) -> None:
    with pytest.raises(StatusListError):
        allocate_index(size, used, random.Random(0))


def test_decode_then_allocate_works_on_the_spec_list() -> None:
    # Loading an allocation map from a stored encoded list.
    allocations = AllocationMap(Bitstring.decode(SPEC_EMPTY_LIST))
    assert allocations.free == MIN_BITS
    assert allocations.allocate(random.Random(3)) is not None
