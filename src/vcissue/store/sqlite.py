"""SQLite back end (the default), on the standard library's ``sqlite3``.

Concurrency
    Every write transaction starts with ``BEGIN IMMEDIATE``: it takes the database's
    single write lock up front, so writers are serialised before they read anything
    and never meet the "read snapshot, then fail to upgrade" deadlock of deferred
    transactions. A writer that finds the lock taken waits in SQLite's busy handler
    (``busy_timeout``, 10 s by default); if that runs out the busy error becomes a
    ``ConflictError`` and ``Store.run`` tries again. With one writer at a time,
    index allocation, status list updates and audit appends cannot interleave; the
    unique keys and the optimistic ``save_list`` check are a second line of defence.
    Readers do not block writers and are not blocked by them (WAL).

Durability
    ``journal_mode=WAL`` and ``synchronous=FULL`` by default: a committed transaction
    has been fsynced to the WAL before ``COMMIT`` returns, so it survives power loss,
    not only a crashed or SIGKILLed process (which any SQLite transaction survives:
    a half-written transaction is never visible). FULL matters here because a lost
    commit can be worse than a failed one: a revocation that silently disappears, or
    an index that was handed out, printed on a certificate and then allocated again.
    The cost is one fsync per commit. ``?synchronous=normal`` in the URL trades that
    for speed where the database lives on storage that is itself protected.

Storage
    Datetimes are ISO 8601 UTC text with microseconds (``audit.iso_utc``): fixed
    width, so comparisons in SQL are chronological. ``units`` is a JSON array.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..errors import ConflictError, DuplicateError, StoreError
from .audit import iso_utc, parse_iso_utc
from .migrations import SQLITE_MIGRATIONS, Migration, pending_migrations
from .sql import SqlStore, SqlTx

__all__ = ["SqliteStore"]

_SYNCHRONOUS = {"OFF", "NORMAL", "FULL", "EXTRA"}
_OPEN_ATTEMPTS = 20
CACHE_KIB = 65_536  # the page cache of each connection


def _translate(exc: sqlite3.Error, what: str = "sqlite") -> StoreError:
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(exc):
        return ConflictError(f"{what}: database is busy ({exc})")
    if isinstance(exc, sqlite3.IntegrityError):
        if name in {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}:
            return DuplicateError(f"{what}: {exc}")
        return StoreError(f"{what}: integrity check failed ({exc})")
    return StoreError(f"{what}: {exc}")


class SqliteTx(SqlTx):
    def __init__(self, conn: sqlite3.Connection, *, write: bool) -> None:
        super().__init__(write=write)
        self._conn = conn

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise _translate(exc) from exc

    def _enc_dt(self, value: datetime) -> str:
        return iso_utc(value)

    def _dec_dt(self, value: Any) -> datetime:
        return parse_iso_utc(value)


class SqliteStore(SqlStore):
    """A store in one SQLite file (or ``:memory:``), one connection."""

    backend = "sqlite"

    def __init__(
        self,
        path: str,
        *,
        busy_timeout_ms: int = 10_000,
        synchronous: str = "FULL",
        migrations: Sequence[Migration] = SQLITE_MIGRATIONS,
        create: bool = False,
    ) -> None:
        super().__init__()
        sync = synchronous.upper()
        if sync not in _SYNCHRONOUS:
            raise StoreError(f"synchronous must be one of {sorted(_SYNCHRONOUS)}")
        if busy_timeout_ms < 0:
            raise StoreError("busy_timeout_ms must not be negative")
        self.path = path
        self._reading = False
        self._create = create or path == ":memory:"  # a memory database is always new
        if not self._create and (not os.path.exists(path) or os.path.getsize(path) == 0):
            raise StoreError(f"no store at {path}: create one with `vcissue init`")
        try:
            self._conn = sqlite3.connect(
                path,
                timeout=busy_timeout_ms / 1000,
                isolation_level=None,  # we issue BEGIN / COMMIT ourselves
                check_same_thread=False,  # guarded by SqlStore's lock
            )
        except sqlite3.Error as exc:
            raise _translate(exc, f"cannot open {path!r}") from exc
        try:
            self._setup(busy_timeout_ms, sync)
            self._migrate(migrations)
        except BaseException:
            self._conn.close()
            raise

    # -- opening -------------------------------------------------------------------------

    def _with_retry(self, step: str, action: Any) -> Any:
        """Opening steps may meet another process's lock beyond the busy handler's reach
        (WAL recovery, journal mode change): retry those a few times."""
        for attempt in range(1, _OPEN_ATTEMPTS + 1):
            try:
                return action()
            except sqlite3.Error as exc:
                error = _translate(exc, step)
                if not isinstance(error, ConflictError) or attempt == _OPEN_ATTEMPTS:
                    raise error from exc
            except ConflictError:
                if attempt == _OPEN_ATTEMPTS:
                    raise
            time.sleep(min(0.5, 0.01 * attempt))
        raise StoreError(f"{step}: unreachable")  # pragma: no cover

    def _setup(self, busy_timeout_ms: int, synchronous: str) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = self._with_retry(
            "setting WAL mode",
            lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0],
        )
        if str(mode).lower() not in {"wal", "memory"}:
            raise StoreError(f"SQLite refused WAL mode (journal_mode is {mode!r})")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        # 64 MiB of pages (SQLite's default is 2 MiB): a store's indexes take random
        # inserts (credential ids, status indices), and at 100,000 credentials a batch's
        # statements cost a fifth less CPU with the hot index pages held (bench_issuer)
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        self._with_retry("migrating the schema", lambda: self._migrate_once(migrations))

    def _migrate_once(self, migrations: Sequence[Migration]) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")  # the write lock serialises concurrent openers
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            applied = [int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")]
            for migration in pending_migrations(applied, migrations, create=self._create):
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, iso_utc(datetime.now(UTC))),
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # -- SqlStore hooks ------------------------------------------------------------------

    def _begin(self, *, write: bool) -> None:
        try:
            if write:
                self._conn.execute("BEGIN IMMEDIATE")
            else:
                self._conn.execute("PRAGMA query_only = ON")
                self._reading = True
                self._conn.execute("BEGIN DEFERRED")
        except sqlite3.Error as exc:
            self._rollback()
            raise _translate(exc, "cannot begin a transaction") from exc

    def _commit(self) -> None:
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _translate(exc, "commit failed") from exc
        self._end_read()

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite has already rolled back (e.g. after an I/O error)
        self._end_read()

    def _end_read(self) -> None:
        if self._reading:
            self._reading = False
            try:
                self._conn.execute("PRAGMA query_only = OFF")
            except sqlite3.Error as exc:
                raise _translate(exc) from exc

    def _new_tx(self, *, write: bool) -> SqliteTx:
        return SqliteTx(self._conn, write=write)

    def _close_connection(self) -> None:
        try:
            self._conn.close()
        except sqlite3.Error as exc:
            raise _translate(exc, "close failed") from exc

    def _schema_version(self) -> int:
        try:
            row = self._conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        except sqlite3.Error as exc:
            raise _translate(exc) from exc
        return int(row[0] or 0)
