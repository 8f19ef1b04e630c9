"""What every wallet protocol shares: its settings, secrets and their hashes, sessions.

A session (``WalletSessionRecord``) is one delivery in progress: an OpenID4VCI offer, a
VC-API exchange, a holder page link. Secrets handed out (pre-authorized codes, access
tokens, link tokens) are ``{session id}.{random}``: the id finds the session, only a
SHA-256 of the random part is stored, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from ..errors import PolicyError, WalletError
from ..jose import b64url_encode
from ..ports import RandomSource

__all__ = ["WalletSettings", "digest", "matches", "new_secret", "split_secret"]

MAX_SECRET_LENGTH = 200


@dataclass(frozen=True)
class WalletSettings:
    """``issuer_url``: the credential issuer identifier (the service's public https URL);
    the rest bound how long each secret lives and how often a transaction code is tried."""

    issuer_url: str
    offer_ttl: timedelta = timedelta(minutes=15)
    tx_code_attempts: int = 3
    token_ttl: timedelta = timedelta(minutes=5)
    nonce_ttl: timedelta = timedelta(minutes=5)
    holder_link_ttl: timedelta = timedelta(days=90)

    def __post_init__(self) -> None:
        parts = urlsplit(self.issuer_url)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
            raise PolicyError(f"the wallet issuer URL must be an https URL: {self.issuer_url!r}")
        if self.issuer_url.endswith("/") or parts.fragment:
            raise PolicyError("the wallet issuer URL must not end in '/' or carry a fragment")
        if not 1 <= self.tx_code_attempts <= 10:
            raise PolicyError("tx_code_attempts must be between 1 and 10")
        for name in ("offer_ttl", "token_ttl", "nonce_ttl", "holder_link_ttl"):
            if getattr(self, name) <= timedelta(0):
                raise PolicyError(f"{name} must be positive")


def new_secret(rng: RandomSource, size: int = 32) -> str:
    return b64url_encode(rng.randbytes(size))


def digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def matches(stored: object, *parts: str) -> bool:
    return isinstance(stored, str) and hmac.compare_digest(stored, digest(*parts))


def split_secret(value: object, *, error: str, what: str, status: int = 400) -> tuple[str, str]:
    """``{session id}.{secret}`` -> both parts, or the protocol's error."""
    if not isinstance(value, str) or len(value) > MAX_SECRET_LENGTH or value.count(".") != 1:
        raise WalletError(error, f"{what} is not one this issuer gave out", status=status)
    session_id, secret = value.split(".")
    if (
        not session_id
        or not secret
        or not (session_id + secret).replace("-", "").replace("_", "").isalnum()
        or not value.isascii()
    ):
        raise WalletError(error, f"{what} is not one this issuer gave out", status=status)
    return session_id, secret
