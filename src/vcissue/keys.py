"""Ed25519 keys as Multikey values, and the rotation record of a body's keys.

Multikey (W3C Controlled Identifiers 1.0): base58btc multibase (``z`` prefix)
of a multicodec header and the raw key bytes - ``0xed01`` for an Ed25519
public key, ``0x8026`` for an Ed25519 private key (seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import KeyMaterialError
from .ports import RandomSource

ED25519_PUB_HEADER = b"\xed\x01"
ED25519_PRIV_HEADER = b"\x80\x26"


# base58btc. Encoding goes two digits per big-integer step (the base58 package goes one:
# a third of the time of an Ed25519 signature for one proofValue); decoding maps every
# character to its value in one bytes.translate and checks them with one max(). Both
# tested against the package.
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_PAIRS = [a + b for a in _B58 for b in _B58]
_B58_CHUNK = 58**10  # five pairs: small integers below it
_B58_VALUES = bytes(_B58.index(chr(b)) if chr(b) in _B58 else 255 for b in range(256))


def _b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    pairs: list[str] = []
    while number:
        number, chunk = divmod(number, _B58_CHUNK)
        for _ in range(5):
            chunk, pair = divmod(chunk, 3364)
            pairs.append(_B58_PAIRS[pair])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(pairs)).lstrip("1")


def _b58decode(text: str) -> bytes:
    """Raises ValueError for a character outside the alphabet."""
    digits = text.rstrip()  # as the base58 package (trailing white space ignored)
    stripped = digits.lstrip("1")
    zeros = len(digits) - len(stripped)
    values = stripped.encode("ascii").translate(_B58_VALUES)  # UnicodeEncodeError: a ValueError
    if values and max(values) >= 58:
        raise ValueError("a character outside the base58btc alphabet")
    number = 0
    for value in values:
        number = number * 58 + value
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def multibase_b58_encode(data: bytes) -> str:
    return "z" + _b58encode(data)


def multibase_b58_decode(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 512:
        raise KeyMaterialError("expected a base58btc multibase string starting with 'z'")
    try:
        return _b58decode(value[1:])
    except ValueError:
        raise KeyMaterialError("invalid base58btc: a character outside its alphabet") from None


def encode_public_multikey(raw: bytes) -> str:
    if len(raw) != 32:
        raise KeyMaterialError("an Ed25519 public key has 32 bytes")
    return multibase_b58_encode(ED25519_PUB_HEADER + raw)


def decode_public_multikey(value: str) -> bytes:
    data = multibase_b58_decode(value)
    if data[:2] != ED25519_PUB_HEADER or len(data) != 34:
        raise KeyMaterialError("not an Ed25519 public Multikey (header 0xed01, 32 bytes)")
    return data[2:]


def encode_private_multikey(seed: bytes) -> str:
    if len(seed) != 32:
        raise KeyMaterialError("an Ed25519 private key has 32 bytes")
    return multibase_b58_encode(ED25519_PRIV_HEADER + seed)


def decode_private_multikey(value: str) -> bytes:
    data = multibase_b58_decode(value)
    if data[:2] != ED25519_PRIV_HEADER or len(data) != 34:
        raise KeyMaterialError("not an Ed25519 private Multikey (header 0x8026, 32 bytes)")
    return data[2:]


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 verification key."""

    raw: bytes

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        if type(value) is str and cls is PublicKey:
            return _public_key(value)
        return cls(decode_public_multikey(value))

    @property
    def multibase(self) -> str:
        return encode_public_multikey(self.raw)

    def verify(self, signature: bytes, message: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            _verifier(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


# A verifier meets the same few keys again and again (the body's keys, one did:key per
# holder): the decoded key and pyca's key object are kept, each keyed by exactly what it
# is made from (a str, bytes), so a hit is what a cold decode would give. A refusal
# raises and is not kept. Bounded LRUs (functools' is thread-safe).
@lru_cache(maxsize=1024)
def _public_key(value: str) -> PublicKey:
    return PublicKey(decode_public_multikey(value))


def _verifier(raw: bytes) -> Ed25519PublicKey:
    if type(raw) is bytes:
        return _cached_verifier(raw)
    return Ed25519PublicKey.from_public_bytes(raw)


@lru_cache(maxsize=1024)
def _cached_verifier(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


class SigningKey:
    """An Ed25519 private key with the verification-method id it signs as."""

    __slots__ = ("_key", "public", "verification_method")

    def __init__(self, seed: bytes, verification_method: str | None = None) -> None:
        if len(seed) != 32:
            raise KeyMaterialError("an Ed25519 seed has 32 bytes")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public = PublicKey(
            self._key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )
        self.verification_method = verification_method or did_key_verification_method(self.public)

    @classmethod
    def generate(cls, verification_method: str | None = None, *, rng: RandomSource) -> SigningKey:
        """A new key from 32 bytes of ``rng`` (use a cryptographic source, e.g.
        ``vcissue.system.system_random``)."""
        return cls(rng.randbytes(32), verification_method)

    @classmethod
    def from_multibase(cls, value: str, verification_method: str | None = None) -> SigningKey:
        return cls(decode_private_multikey(value), verification_method)

    def with_verification_method(self, verification_method: str) -> SigningKey:
        return SigningKey(self.seed, verification_method)

    @property
    def seed(self) -> bytes:
        return self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    @property
    def private_multibase(self) -> str:
        return encode_private_multikey(self.seed)

    @property
    def controller(self) -> str:
        return self.verification_method.split("#", 1)[0]

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:  # never print the secret
        return f"SigningKey({self.verification_method!r})"


def did_key(public: PublicKey) -> str:
    return f"did:key:{public.multibase}"


def did_key_verification_method(public: PublicKey) -> str:
    return f"{did_key(public)}#{public.multibase}"


@dataclass(frozen=True)
class KeyRecord:
    """One key of an issuer's key history (public part only).

    Its window is ``[active_from, retired_at)``. A retired key stays listed (DID document,
    trust list) with its retirement as ``expires``, so what it signed inside its window
    keeps verifying and a proof it makes later is refused. A compromised key
    (``revoked_at``: since when it may have been in other hands) is revoked outright:
    nothing it signed is trusted, so the body re-signs what it issued with it.
    """

    fragment: str
    public_multibase: str
    active_from: datetime
    retired_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def public(self) -> PublicKey:
        return PublicKey.from_multibase(self.public_multibase)

    def active_at(self, moment: datetime) -> bool:
        return (
            self.revoked_at is None
            and self.active_from <= moment
            and (self.retired_at is None or moment < self.retired_at)
        )
