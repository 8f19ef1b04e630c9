"""Durable storage behind one protocol: SQLite (default) and PostgreSQL.

``open_store(url)`` opens (and migrates forward) a store:

* ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` (everything after
  ``sqlite:///`` is the path, as in SQLAlchemy), ``sqlite:///:memory:``. Query
  options: ``synchronous=full|normal`` (default full), ``busy_timeout_ms=10000``.
* ``postgresql://user@host:port/db`` (or ``postgres://``), with ``?schema=name`` or the
  ``pg_schema=`` keyword to choose the PostgreSQL schema (default ``vcissue``); other
  query parameters go to libpq. Needs ``vcissue[postgres]`` (psycopg 3).

Everything else raises ``StoreError``. See ``records`` for the transaction model
(``store.run(fn)``), ``audit`` for the hash chain, ``migrations`` for the schema, and
the back-end modules for their locking and durability choices.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from ..errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
    SchemaVersionError,
    StoreError,
)
from .audit import GENESIS_HASH, verify_audit_chain
from .records import (
    CREDENTIAL_STATES,
    LIST_PURPOSES,
    AuditEntry,
    CredentialRecord,
    StatusListRecord,
    Store,
    Tx,
)

__all__ = [
    "CREDENTIAL_STATES",
    "GENESIS_HASH",
    "LIST_PURPOSES",
    "AuditEntry",
    "ConflictError",
    "CredentialRecord",
    "DuplicateError",
    "NotFoundError",
    "SchemaVersionError",
    "StatusListRecord",
    "Store",
    "StoreError",
    "Tx",
    "open_store",
    "verify_audit_chain",
]

_SQLITE = "sqlite:///"
_POSTGRES = ("postgresql://", "postgres://")


def _open_sqlite(url: str, create: bool) -> Store:
    from .sqlite import SqliteStore

    rest = url[len(_SQLITE) :]
    path, _, query = rest.partition("?")
    if not path:
        raise StoreError("the SQLite URL names no file (sqlite:///path/to/file.db)")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - {"synchronous", "busy_timeout_ms"}
    if unknown:
        raise StoreError(f"unknown SQLite URL options {sorted(unknown)}")
    try:
        busy = int(options.get("busy_timeout_ms", "10000"))
    except ValueError:
        raise StoreError("busy_timeout_ms must be an integer") from None
    return SqliteStore(
        path,
        busy_timeout_ms=busy,
        synchronous=options.get("synchronous", "FULL"),
        create=create,
    )


def _open_postgres(url: str, pg_schema: str | None, create: bool) -> Store:
    try:
        from .postgres import PostgresStore
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise StoreError("PostgreSQL needs psycopg 3: pip install 'vcissue[postgres]'") from exc
    return PostgresStore(url, schema=pg_schema, create=create)


def open_store(url: str, *, pg_schema: str | None = None, create: bool = False) -> Store:
    """Open the store at ``url`` and migrate its schema forward.

    A store that does not exist yet (no SQLite file, no vcissue schema) is a
    ``StoreError`` unless ``create``: only ``vcissue init`` and callers that mean it create
    one, so a mistyped URL never answers from a fresh, empty store.
    """
    if not isinstance(url, str):
        raise StoreError("the store URL must be a string")
    if url.startswith(_SQLITE):
        if pg_schema is not None:
            raise StoreError("pg_schema applies to PostgreSQL URLs only")
        return _open_sqlite(url, create)
    if url.startswith(_POSTGRES):
        return _open_postgres(url, pg_schema, create)
    scheme = url.partition(":")[0] if ":" in url else url[:20]
    raise StoreError(f"unsupported store URL scheme {scheme!r} (use sqlite:/// or postgresql://)")
