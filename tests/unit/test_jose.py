"""Compact JWS for wallet key proofs: EdDSA and ES256 verify; everything else is refused."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vcissue.dids import did_jwk, jwk_of_did, resolve_verification_method
from vcissue.errors import DidError, MalformedInput, ProofError
from vcissue.jose import b64url_encode, public_jwk, sign_jws, split_jws, verify_jws
from vcissue.keys import PublicKey


def ed_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    raw = key.public_key().public_bytes_raw()
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}


def ec_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


ED = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
EC = ec.derive_private_key(12345678901234567890, ec.SECP256R1())


@pytest.mark.parametrize(
    ("alg", "key", "jwk"), [("EdDSA", ED, ed_jwk(ED)), ("ES256", EC, ec_jwk(EC))]
)
def test_sign_and_verify(alg: str, key: object, jwk: dict[str, str]) -> None:
    token = sign_jws({"alg": alg, "typ": "x"}, {"nonce": "n"}, key)  # type: ignore[arg-type]
    header, payload = verify_jws(token, jwk)
    assert header["alg"] == alg and payload == {"nonce": "n"}
    head, _body, sig = token.split(".")
    other = b64url_encode(b'{"nonce":"m"}')
    forged = f"{head}.{other}.{sig}"
    with pytest.raises(ProofError, match="does not verify"):
        verify_jws(forged, jwk)


def test_algorithm_must_fit_the_key_and_none_is_refused() -> None:
    token = sign_jws({"alg": "EdDSA"}, {}, ED)
    with pytest.raises(ProofError, match="does not fit"):
        verify_jws(token, ec_jwk(EC))
    none, empty = b64url_encode(b'{"alg":"none"}'), b64url_encode(b"{}")
    unsigned = f"{none}.{empty}."
    with pytest.raises(ProofError, match="not supported"):
        verify_jws(unsigned, ed_jwk(ED))
    with pytest.raises(MalformedInput):
        split_jws("a.b")
    with pytest.raises(MalformedInput):
        split_jws("x" * 20000)


def test_public_jwk_refuses_private_and_foreign_keys() -> None:
    with pytest.raises(MalformedInput, match="private"):
        public_jwk({**ed_jwk(ED), "d": "AAAA"})
    with pytest.raises(MalformedInput, match="unsupported"):
        public_jwk({"kty": "RSA", "n": "x", "e": "AQAB"})
    off_curve = {**ec_jwk(EC), "y": b64url_encode(b"\x01" * 32)}
    with pytest.raises(MalformedInput, match="curve"):
        public_jwk(off_curve)


def test_did_jwk_round_trip_and_resolution() -> None:
    did = did_jwk(ed_jwk(ED))
    assert jwk_of_did(did) == ed_jwk(ED)
    method = resolve_verification_method(f"{did}#0")
    assert method.public_key == PublicKey(ED.public_key().public_bytes_raw())
    assert method.controller == did
    with pytest.raises(DidError):
        resolve_verification_method(f"{did}#1")
    with pytest.raises(DidError, match="Ed25519 only"):
        resolve_verification_method(f"{did_jwk(ec_jwk(EC))}#0")
    with pytest.raises(DidError):
        jwk_of_did("did:jwk:!!!")
