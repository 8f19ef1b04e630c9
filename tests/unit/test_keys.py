"""Multikey encoding, did:key / did:web, encrypted key files and rotation."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcissue.dids import (
    did_key_document,
    did_web_document,
    did_web_url,
    resolve_verification_method,
)
from vcissue.errors import DidError, KeyMaterialError
from vcissue.keys import (
    KeyRecord,
    PublicKey,
    SigningKey,
    decode_private_multikey,
    decode_public_multikey,
    encode_private_multikey,
    encode_public_multikey,
    multibase_b58_decode,
    multibase_b58_encode,
)
from vcissue.keystore import KeyStore
from vcissue.system import system_random

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@given(st.binary(min_size=32, max_size=32))
def test_multikey_round_trip(raw: bytes) -> None:
    assert decode_public_multikey(encode_public_multikey(raw)) == raw
    assert decode_private_multikey(encode_private_multikey(raw)) == raw
    assert encode_public_multikey(raw).startswith("z6Mk")


@given(st.text(max_size=80))
def test_garbage_multikey_is_a_typed_error(text: str) -> None:
    try:
        decode_public_multikey(text)
    except KeyMaterialError:
        return
    # Only a genuine Ed25519 public Multikey may decode.
    assert text.startswith("z6Mk")


def test_public_multikey_refuses_a_private_key() -> None:
    with pytest.raises(KeyMaterialError, match="0xed01"):
        decode_public_multikey(encode_private_multikey(b"\x01" * 32))


def test_sign_and_verify() -> None:
    key = SigningKey.generate(rng=system_random)
    signature = key.sign(b"message")
    assert key.public.verify(signature, b"message")
    assert not key.public.verify(signature, b"messagE")
    assert not key.public.verify(signature[:-1], b"message")
    assert not SigningKey.generate(rng=system_random).public.verify(signature, b"message")
    assert "seed" not in repr(key) and key.private_multibase not in repr(key)


def test_did_key_document_and_resolution() -> None:
    key = SigningKey.generate(rng=system_random)
    method = resolve_verification_method(key.verification_method)
    assert method.public_key == key.public
    assert method.controller == key.controller
    assert method.assertion
    document = did_key_document(key.controller)
    assert document["assertionMethod"] == [key.verification_method]
    with pytest.raises(DidError):
        did_key_document("did:key:zNotAKey")


def test_did_web_url() -> None:
    assert did_web_url("did:web:example.org") == "https://example.org/.well-known/did.json"
    assert (
        did_web_url("did:web:example.org:bodies:eco") == "https://example.org/bodies/eco/did.json"
    )
    assert did_web_url("did:web:localhost%3A8443") == "https://localhost:8443/.well-known/did.json"
    for bad in ("did:web:", "did:key:z6Mk", "did:web:exa mple.org", "did:web:a/b"):
        with pytest.raises(DidError):
            did_web_url(bad)


def test_did_web_resolution_needs_the_document() -> None:
    key = SigningKey.generate(rng=system_random)
    record = KeyRecord("key-1", key.public.multibase, NOW)
    document = did_web_document("did:web:body.example", [record])
    vm = "did:web:body.example#key-1"
    assert (
        resolve_verification_method(vm, {"did:web:body.example": document}).public_key == key.public
    )
    with pytest.raises(DidError, match="trust list"):
        resolve_verification_method(vm, {})
    with pytest.raises(DidError, match="not listed"):
        resolve_verification_method(
            "did:web:body.example#key-9", {"did:web:body.example": document}
        )
    forged = {**document, "id": "did:web:other.example"}
    with pytest.raises(DidError, match="does not match"):
        resolve_verification_method(vm, {"did:web:body.example": forged})


def test_key_file_is_encrypted_and_private(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    record = store.generate(b"correct horse", now=NOW, name="Body")
    pem = tmp_path / "keys" / f"{record.fragment}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in pem.read_bytes()
    assert store.signing_key(b"correct horse", now=NOW).public.multibase == record.public_multibase
    with pytest.raises(KeyMaterialError, match="decrypt"):
        store.signing_key(b"wrong", now=NOW)
    with pytest.raises(KeyMaterialError, match="already has keys"):
        store.generate(b"x", now=NOW, name="Body")
    with pytest.raises(KeyMaterialError, match="cannot rotate"):
        store.rotate(b"correct horse", now=NOW)  # did:key issuers cannot rotate


def test_missing_keyring_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="vcissue keys generate"):
        KeyStore(tmp_path).signing_key(b"x", now=NOW)
    (tmp_path / "keyring.json").write_text("{not json")
    with pytest.raises(KeyMaterialError):
        KeyStore(tmp_path).records  # noqa: B018


def test_rotation_keeps_past_keys_listed(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    store.generate(b"pw", now=NOW, name="Body", did="did:web:body.example")
    old = store.signing_key(b"pw", now=NOW)
    later = NOW + timedelta(days=30)
    store.rotate(b"pw", now=later)
    new = store.signing_key(b"pw", now=later)
    assert old.verification_method == "did:web:body.example#key-1"
    assert new.verification_method == "did:web:body.example#key-2"
    document = store.did_document()
    assert document["assertionMethod"] == [old.verification_method, new.verification_method]
    records = store.records
    assert records[0].retired_at == later and records[1].retired_at is None
    assert not records[0].active_at(later) and records[0].active_at(NOW)
    assert isinstance(records[0].public, PublicKey)


def test_rotation_deletes_the_retired_private_key_unless_kept(tmp_path: Path) -> None:
    """Issue 12 section 4: an old private key left on disk can still sign."""
    store = KeyStore(tmp_path / "a")
    store.generate(b"pw", now=NOW, name="Body", did="did:web:body.example")
    store.rotate(b"pw", now=NOW + timedelta(days=1))
    assert store.private_key_files() == ["key-2.pem"]
    document = store.did_document()
    assert document["verificationMethod"][0]["expires"] == "2026-01-02T00:00:00Z"
    assert "expires" not in document["verificationMethod"][1]
    kept = KeyStore(tmp_path / "b")
    kept.generate(b"pw", now=NOW, name="Body", did="did:web:body.example")
    kept.rotate(b"pw", now=NOW + timedelta(days=1), keep_retired=True)
    assert kept.private_key_files() == ["key-1.pem", "key-2.pem"]
    assert kept.delete_retired() == ["key-1.pem"]


def test_a_compromised_active_key_is_replaced_and_revoked(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    store.generate(b"pw", now=NOW, name="Body", did="did:web:body.example")
    later = NOW + timedelta(days=3)
    revoked, active = store.compromise("key-1", b"pw", since=NOW + timedelta(days=1), now=later)
    assert (revoked.fragment, active.fragment) == ("key-1", "key-2")
    assert revoked.revoked_at == NOW + timedelta(days=1) and revoked.retired_at == later
    assert store.private_key_files() == ["key-2.pem"]
    document = store.did_document()
    assert document["assertionMethod"] == ["did:web:body.example#key-2"]
    assert document["authentication"] == ["did:web:body.example#key-2"]
    assert document["verificationMethod"][0]["revoked"] == "2026-01-02T00:00:00Z"
    method = resolve_verification_method("did:web:body.example#key-1", {store.did: document})
    assert method.revoked == NOW + timedelta(days=1) and not method.assertion
    assert store.signing_key(b"pw", now=later).verification_method.endswith("#key-2")
    again = store.compromise("key-1", b"pw", since=NOW, now=later)  # an interrupted drill
    assert again == (revoked, active)
    with pytest.raises(KeyMaterialError, match="no key"):
        store.compromise("key-9", b"pw", since=NOW, now=later)
    with pytest.raises(KeyMaterialError, match="past"):
        store.compromise("key-2", b"pw", since=later + timedelta(days=1), now=later)


def test_a_malformed_key_window_is_a_did_error() -> None:
    record = KeyRecord("key-1", SigningKey.generate(rng=system_random).public.multibase, NOW)
    document = did_web_document("did:web:body.example", [record])
    document["verificationMethod"][0]["expires"] = "soon"
    with pytest.raises(DidError, match="expires is not an XSD dateTime"):
        resolve_verification_method("did:web:body.example#key-1", {document["id"]: document})


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=80), st.integers(0, 4))
def test_base58btc_is_the_base58_package(data: bytes, zeros: int) -> None:
    """Our two-digits-a-step base58btc against the base58 package, both ways."""
    import base58

    data = b"\0" * zeros + data
    encoded = multibase_b58_encode(data)
    assert encoded == "z" + base58.b58encode(data).decode("ascii")
    assert multibase_b58_decode(encoded) == data


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=f"{B58}0OIl+ \n\t\x00\x7f\u00e9\u2028\U0001f600", max_size=60))
def test_base58btc_decodes_and_refuses_as_the_base58_package(text: str) -> None:
    import base58

    try:
        expected: bytes | None = bytes(base58.b58decode(text))
    except ValueError:
        expected = None
    try:
        got: bytes | None = multibase_b58_decode("z" + text)
    except KeyMaterialError:
        got = None
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(
    st.binary(min_size=32, max_size=32),
    st.binary(max_size=64),
    st.integers(0, 64 * 8),
    st.booleans(),
)
def test_a_cached_key_gives_the_verdict_a_cold_key_gives(
    seed: bytes, message: bytes, flip: int, warm: bool
) -> None:
    """Public keys are kept by their multibase string (and pyca's key objects by their
    bytes): a hit must answer as a key decoded and built from nothing, for a good
    signature, a flipped bit anywhere and another key's signature."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signer = SigningKey(seed)
    other = SigningKey(bytes(reversed(seed)) if seed != bytes(reversed(seed)) else bytes(32))
    multibase = signer.public.multibase
    if warm:
        PublicKey.from_multibase(multibase).verify(signer.sign(message), message)
    good = signer.sign(message)
    flipped = bytearray(good)
    if flip < 512:
        flipped[flip // 8] ^= 1 << (flip % 8)
    for signature in (good, bytes(flipped), other.sign(message)):
        cold = Ed25519PublicKey.from_public_bytes(decode_public_multikey(multibase))
        try:
            cold.verify(signature, message)
            expected = True
        except InvalidSignature:
            expected = False
        for _ in range(2):  # a miss, then a hit
            key = PublicKey.from_multibase(multibase)
            assert key == PublicKey(decode_public_multikey(multibase))
            assert key.verify(signature, message) is expected


def test_the_key_caches_are_bounded_and_evicted_keys_still_verify() -> None:
    from vcissue import keys

    signers = [SigningKey(i.to_bytes(32, "big")) for i in range(1, 1200)]
    message = b"m" * 64
    for signer in signers:  # more than either cache holds
        key = PublicKey.from_multibase(signer.public.multibase)
        assert key.verify(signer.sign(message), message)
        assert not key.verify(signers[0].sign(message + b"!"), message)
    assert keys._public_key.cache_info().currsize <= 1024
    assert keys._cached_verifier.cache_info().currsize <= 1024
    first = PublicKey.from_multibase(signers[0].public.multibase)  # evicted: decoded again
    assert first.verify(signers[0].sign(message), message)
    assert not first.verify(signers[1].sign(message), message)


@pytest.mark.parametrize("value", [["z6Mk"], {"a": 1}, None, 5, b"z6Mk", "", "z0OIl", "x6Mk"])
def test_a_refused_multikey_is_refused_every_time_and_never_kept(value: object) -> None:
    from vcissue import keys

    before = keys._public_key.cache_info().currsize
    for _ in range(2):
        with pytest.raises(KeyMaterialError):
            PublicKey.from_multibase(value)  # type: ignore[arg-type]
    assert keys._public_key.cache_info().currsize == before


def test_a_kept_did_key_method_is_the_one_resolved_afresh() -> None:
    from vcissue import dids

    signers = [SigningKey(i.to_bytes(32, "big")) for i in range(1, 40)]
    for signer in signers:
        vm_id = signer.verification_method
        did = vm_id.split("#", 1)[0]
        cold = dids._method_from_document(vm_id, did, did_key_document(did))
        for _ in range(2):  # a miss, then a hit
            assert resolve_verification_method(vm_id) == cold
        other_fragment = f"{did}#{signers[0].public.multibase}"
        if signer is not signers[0]:
            for _ in range(2):  # refused every time, never kept
                with pytest.raises(DidError):
                    resolve_verification_method(other_fragment)
    assert dids._did_key_method.cache_info().currsize <= 1024
