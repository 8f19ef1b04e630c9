"""Multikey encoding, did:key / did:web, encrypted key files and rotation."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
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
