"""API keys bound to roles.

A key is ``vci_<key id>_<secret>``: 8 random bytes of id (hex) and 32 of secret
(base64url). The store keeps the id, the role, a name (the actor written to the audit log)
and SHA-256 of the secret. A plain hash is enough because the secret is 256 random bits,
not a password: there is nothing to guess, so a slow salted hash would buy nothing and
cost every request. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from ..errors import PolicyError
from ..store import Store

__all__ = ["ROLES", "Principal", "authenticate", "create_api_key"]

ROLES = ("issuer", "operator", "approver", "auditor")
_KEY = re.compile(r"vci_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: str
    name: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_api_key(store: Store, *, role: str, name: str, now: datetime) -> str:
    """Store a new principal and return its key (shown once, never stored)."""
    if role not in ROLES:
        raise PolicyError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not name.strip():
        raise PolicyError("an API key needs a name (it is the actor in the audit log)")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    store.run(lambda tx: tx.add_principal(key_id, _digest(secret), role, name, now))
    return f"vci_{key_id}_{secret}"


def authenticate(store: Store, token: str | None) -> Principal | None:
    """The principal a bearer token names, or ``None`` when it names none."""
    match = _KEY.fullmatch(token.strip()) if token else None
    if match is None:
        return None
    key_id, secret = match.groups()
    found = store.read(lambda tx: tx.get_principal(key_id))
    if found is None:
        hmac.compare_digest(_digest(secret), _digest(secret))  # same work either way
        return None
    key_hash, role, name = found
    if not hmac.compare_digest(key_hash, _digest(secret)):
        return None
    return Principal(key_id, role, name)
