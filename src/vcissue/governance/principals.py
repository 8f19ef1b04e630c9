"""Who may act: principals (people and systems) with normalised identities and roles, and
their API keys. No web dependency: the service and the CLI both authenticate here.

A principal's identity is its name in NFKC, case-folded, with surrounding space removed
and inner runs of space collapsed: ``Director-1``, ``director-1 `` and the same name in
full-width letters are one principal, and the store's primary key keeps it so. A principal
may hold several API keys and still counts once wherever distinct approvers are counted.

A key is ``vci_<key id>_<secret>``: 8 random bytes of id (hex) and 43 base64url characters
of secret (258 bits). The store keeps the id, the principal, SHA-256 of the secret, and
when the key expires or was revoked. A plain hash is enough because the secret is random,
not a password: there is nothing to guess. Comparison is constant-time. Every change to
principals and keys is in the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..errors import PolicyError
from ..ports import RandomSource
from ..store.records import ApiKeyRecord, PrincipalRecord, Store, Tx
from .policies import ROLES

__all__ = [
    "ROLES",
    "SYSTEM",
    "Principal",
    "add_principal",
    "authenticate",
    "create_api_key",
    "disable_principal",
    "identity",
    "list_api_keys",
    "list_principals",
    "principal",
    "revoke_api_key",
]

_KEY = re.compile(r"vci_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Principal:
    """An authenticated principal: who acts, and in which roles."""

    id: str
    name: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        return role in self.roles


SYSTEM = Principal("system:lifecycle", "scheduled lifecycle run", frozenset({"system"}))
"""The actor of automatic decisions the rules themselves make (a suspension deadline
passing withdraws the certification): no person approves them, the audit log says so."""


def identity(name: str) -> str:
    """The normalised identity of a principal's name (see the module docstring)."""
    if not isinstance(name, str):
        raise PolicyError("a principal's name must be text")
    normal = _SPACE.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()
    if not normal:
        raise PolicyError("a principal needs a name")
    if any(unicodedata.category(c).startswith("C") for c in normal):
        raise PolicyError(f"a principal's name may not hold control characters: {name!r}")
    return normal


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _audit(tx: Tx, by: str, action: str, details: dict[str, object], at: datetime) -> None:
    tx.append_audit(actor=by, action=action, credential_id=None, details=details, at=at)


def _add(tx: Tx, name: str, roles: Iterable[str], now: datetime, by: str) -> PrincipalRecord:
    wanted = frozenset(roles)
    unknown = wanted - set(ROLES)
    if unknown:
        raise PolicyError(f"unknown roles {sorted(unknown)}; roles are {', '.join(ROLES)}")
    key = identity(name)
    found = tx.get_principal(key)
    record = PrincipalRecord(
        key,
        found.display_name if found else name.strip(),
        (found.roles if found else frozenset()) | wanted,
        found.created_at if found else now,
    )
    if found != record:
        tx.put_principal(record)
        _audit(tx, by, "principal-add", {"principal": key, "roles": sorted(record.roles)}, now)
    return record


def add_principal(
    store: Store, name: str, roles: Iterable[str], *, now: datetime, by: str = "cli"
) -> Principal:
    """Create the principal ``name`` (or give it more roles). Idempotent."""
    record = store.run(lambda tx: _add(tx, name, roles, now, by))
    return Principal(record.id, record.display_name, record.roles)


def disable_principal(store: Store, name: str, *, now: datetime, by: str = "cli") -> None:
    """Disable a principal (someone who left): its keys stop working; its record and its
    part in past decisions stay."""
    key = identity(name)

    def disable(tx: Tx) -> None:
        found = tx.get_principal(key)
        if found is None:
            raise PolicyError(f"no principal {key!r}")
        if found.disabled_at is None:
            tx.put_principal(
                PrincipalRecord(found.id, found.display_name, found.roles, found.created_at, now)
            )
            _audit(tx, by, "principal-disable", {"principal": key}, now)

    store.run(disable)


def list_principals(store: Store) -> list[PrincipalRecord]:
    return store.read(lambda tx: tx.principals())


def principal(store: Store, name: str) -> Principal:
    """The principal named ``name`` (by its identity); ``PolicyError`` if there is none."""
    key = identity(name)
    found = store.read(lambda tx: tx.get_principal(key))
    if found is None or found.disabled_at is not None:
        raise PolicyError(f"no principal {key!r}: add one with `vcissue principal add`")
    return Principal(found.id, found.display_name, found.roles)


def create_api_key(
    store: Store,
    *,
    principal_name: str,
    now: datetime,
    rng: RandomSource,
    role: str | None = None,
    expires: datetime | None = None,
    by: str = "cli",
) -> str:
    """A new key for the principal (created, or given ``role``, as needed); shown once."""
    if expires is not None and expires <= now:
        raise PolicyError("an API key must expire in the future")
    key_id = rng.randbytes(8).hex()
    secret = "".join(_URLSAFE[byte % 64] for byte in rng.randbytes(43))  # 6 uniform bits each

    def add(tx: Tx) -> None:
        record = _add(tx, principal_name, [role] if role else [], now, by)
        if not record.roles:
            raise PolicyError(f"principal {record.id!r} has no role: give one with --role")
        tx.add_api_key(ApiKeyRecord(key_id, record.id, _digest(secret), now, expires))
        details: dict[str, object] = {"keyId": key_id, "principal": record.id}
        if expires is not None:
            details["expires"] = expires.isoformat()
        _audit(tx, by, "apikey-create", details, now)

    store.run(add)
    return f"vci_{key_id}_{secret}"


def list_api_keys(store: Store) -> list[ApiKeyRecord]:
    return store.read(lambda tx: tx.api_keys())


def revoke_api_key(store: Store, key_id: str, *, now: datetime, by: str = "cli") -> None:
    def revoke(tx: Tx) -> None:
        tx.revoke_api_key(key_id, now)
        _audit(tx, by, "apikey-revoke", {"keyId": key_id}, now)

    store.run(revoke)


def authenticate(store: Store, token: str | None, *, now: datetime) -> Principal | None:
    """The principal a bearer token names, or ``None`` (unknown, wrong, revoked, expired,
    or its principal disabled)."""
    match = _KEY.fullmatch(token.strip()) if token else None
    if match is None:
        return None
    key_id, secret = match.groups()

    def read(tx: Tx) -> tuple[ApiKeyRecord | None, PrincipalRecord | None]:
        key = tx.get_api_key(key_id)
        return key, tx.get_principal(key.principal_id) if key else None

    key, owner = store.read(read)
    if key is None or owner is None:
        hmac.compare_digest(_digest(secret), _digest(secret))  # same work either way
        return None
    if not hmac.compare_digest(key.key_hash, _digest(secret)):
        return None
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if owner.disabled_at is not None:
        return None
    return Principal(owner.id, owner.display_name, owner.roles)
