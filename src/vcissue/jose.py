"""Compact JWS and public JWKs: just what a wallet's key proof needs (RFC 7515, 7517, 7518,
8037), EdDSA (Ed25519) and ES256 (P-256), nothing else.

``verify_jws`` checks a compact JWS against a public JWK and returns its header and
payload; the algorithm comes from the header but must match the key's type (no ``none``,
no HMAC, no algorithm confusion). Pure: no clock, no randomness; ``sign_jws`` exists for
tests and for the holder side.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from .errors import MalformedInput, ProofError
from .strictjson import parse_object

__all__ = [
    "ALGORITHMS",
    "b64url_decode",
    "b64url_encode",
    "public_jwk",
    "sign_jws",
    "split_jws",
    "verify_jws",
]

ALGORITHMS = ("EdDSA", "ES256")
MAX_JWS_BYTES = 16 * 1024
_P256_COORDINATE = 32


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, what: str = "base64url") -> bytes:
    if not isinstance(text, str) or "=" in text or not text.isascii():
        raise MalformedInput(f"{what} is not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MalformedInput(f"{what} is not unpadded base64url") from None


def public_jwk(jwk: object) -> dict[str, str]:
    """The public members of an Ed25519 (OKP) or P-256 (EC) JWK, checked; a JWK that holds
    private material (``d``) is refused: a wallet never sends its private key."""
    if not isinstance(jwk, Mapping):
        raise MalformedInput("a JWK must be an object")
    if "d" in jwk:
        raise MalformedInput("the JWK holds a private key (d)")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        x = b64url_decode(jwk.get("x", ""), "jwk.x")
        if len(x) != 32:
            raise MalformedInput("an Ed25519 JWK's x has 32 bytes")
        return {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"]}
    if kty == "EC" and crv == "P-256":
        for name in ("x", "y"):
            if len(b64url_decode(jwk.get(name, ""), f"jwk.{name}")) != _P256_COORDINATE:
                raise MalformedInput(f"a P-256 JWK's {name} has 32 bytes")
        _ec_key({"x": jwk["x"], "y": jwk["y"]})  # on the curve?
        return {"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]}
    raise MalformedInput(f"unsupported JWK (kty {kty!r}, crv {crv!r}): Ed25519 or P-256 only")


def _ec_key(jwk: Mapping[str, str]) -> ec.EllipticCurvePublicKey:
    x = int.from_bytes(b64url_decode(jwk["x"]), "big")
    y = int.from_bytes(b64url_decode(jwk["y"]), "big")
    try:
        return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except ValueError:
        raise MalformedInput("the P-256 JWK's point is not on the curve") from None


def split_jws(token: object) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """header, payload, signing input and signature of a compact JWS (not yet verified)."""
    if not isinstance(token, str) or len(token) > MAX_JWS_BYTES:
        raise MalformedInput("a JWT must be a compact JWS string of at most 16 KiB")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedInput("a compact JWS has three parts")
    header = parse_object(b64url_decode(parts[0], "JWS header"), what="JWS header")
    payload = parse_object(b64url_decode(parts[1], "JWS payload"), what="JWS payload")
    signature = b64url_decode(parts[2], "JWS signature")
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def verify_jws(token: object, jwk: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS with a public JWK: ProofError unless the signature holds."""
    header, payload, signing_input, signature = split_jws(token)
    key = public_jwk(jwk)
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise ProofError(f"JWS alg {alg!r} is not supported ({', '.join(ALGORITHMS)})")
    expected = "EdDSA" if key["kty"] == "OKP" else "ES256"
    if alg != expected:
        raise ProofError(f"JWS alg {alg} does not fit the key ({key['kty']} {key['crv']})")
    try:
        if alg == "EdDSA":
            raw = b64url_decode(key["x"])
            Ed25519PublicKey.from_public_bytes(raw).verify(signature, signing_input)
        else:
            if len(signature) != 2 * _P256_COORDINATE:
                raise InvalidSignature
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            _ec_key(key).verify(
                encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256())
            )
    except InvalidSignature:
        raise ProofError("the JWS signature does not verify with the key") from None
    return header, payload


def sign_jws(
    header: Mapping[str, Any],
    payload: Mapping[str, Any],
    key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey,
) -> str:
    """A compact JWS (``header`` must name the ``alg`` that fits ``key``)."""

    def part(value: Mapping[str, Any]) -> str:
        return b64url_encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))

    signing_input = f"{part(header)}.{part(payload)}"
    if isinstance(key, Ed25519PrivateKey):
        signature = key.sign(signing_input.encode("ascii"))
    else:
        der = key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input}.{b64url_encode(signature)}"
