"""API keys bound to roles: create, authenticate, list, revoke, expire (every change audited).

A key is ``vci_<key id>_<secret>``: 8 random bytes of id (hex) and 32 of secret
(base64url). The store keeps the id, the role, a name (the actor written to the audit log),
SHA-256 of the secret, and when the key expires or was revoked. A plain hash is enough
because the secret is 256 random bits, not a password: there is nothing to guess, so a
slow salted hash would buy nothing and cost every request. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from ..errors import PolicyError
from ..model.text import check_text
from ..ports import RandomSource
from ..store.records import PrincipalRecord, Store, Tx

__all__ = [
    "ROLES",
    "Principal",
    "authenticate",
    "create_api_key",
    "list_api_keys",
    "revoke_api_key",
]

ROLES = ("issuer", "operator", "approver", "auditor")
_KEY = re.compile(r"vci_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: str
    name: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_api_key(
    store: Store,
    *,
    role: str,
    name: str,
    now: datetime,
    rng: RandomSource,
    expires: datetime | None = None,
    actor: str = "cli",
) -> str:
    """Store a new principal and return its key (shown once, never stored)."""
    if role not in ROLES:
        raise PolicyError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name.strip():
        raise PolicyError("an API key needs a name (it is the actor in the audit log)")
    check_text(name, "API key name")
    check_text(actor, "actor")
    if expires is not None and expires <= now:
        raise PolicyError("an API key must expire in the future")
    key_id = rng.randbytes(8).hex()
    secret = "".join(_URLSAFE[byte % 64] for byte in rng.randbytes(43))  # 6 bits each
    record = PrincipalRecord(key_id, _digest(secret), role, name, now, expires)

    def add(tx: Tx) -> None:
        tx.add_principal(record)
        tx.append_audit(
            actor=actor,
            action="apikey-create",
            credential_id=None,
            details={
                "keyId": key_id,
                "role": role,
                "name": name,
                **({"expires": expires.isoformat()} if expires else {}),
            },
            at=now,
        )

    store.run(add)
    return f"vci_{key_id}_{secret}"


def list_api_keys(store: Store) -> list[PrincipalRecord]:
    return store.read(lambda tx: tx.principals())


def revoke_api_key(store: Store, key_id: str, *, now: datetime, actor: str = "cli") -> None:
    def revoke(tx: Tx) -> None:
        tx.revoke_principal(key_id, now)
        tx.append_audit(
            actor=actor,
            action="apikey-revoke",
            credential_id=None,
            details={"keyId": key_id},
            at=now,
        )

    store.run(revoke)


def authenticate(store: Store, token: str | None, *, now: datetime) -> Principal | None:
    """The principal a bearer token names, or ``None`` (unknown, wrong, revoked, expired)."""
    match = _KEY.fullmatch(token.strip()) if token else None
    if match is None:
        return None
    key_id, secret = match.groups()
    found = store.read(lambda tx: tx.get_principal(key_id))
    if found is None:
        hmac.compare_digest(_digest(secret), _digest(secret))  # same work either way
        return None
    if not hmac.compare_digest(found.key_hash, _digest(secret)):
        return None
    if found.revoked_at is not None or (found.expires_at is not None and found.expires_at <= now):
        return None
    return Principal(found.key_id, found.role, found.name)
