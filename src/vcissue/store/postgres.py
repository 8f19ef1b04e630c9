"""PostgreSQL back end, on psycopg 3 (``pip install 'vcissue[postgres]'``).

Isolation: READ COMMITTED plus explicit row locks, not SERIALIZABLE.
    The writes that race are all on a few hot rows: the open status list of each
    purpose and the single ``audit_head`` row. Under SERIALIZABLE every concurrent
    issuer would touch them, so most transactions would abort and re-run; with row
    locks they queue instead, which is both faster and fairer. Correctness does not
    rest on the isolation level but on three mechanisms that hold under READ COMMITTED:

    * ``SELECT ... FOR UPDATE`` (``open_list``, ``get_list(for_update=True)``,
      ``get_credential(for_update=True)`` and the ``audit_head`` row in
      ``append_audit``). After waiting, PostgreSQL returns the newest committed row,
      so a locked read-modify-write never works on stale data. Appends to the audit
      log therefore form one chain: no fork, no gap.
    * Unique keys with ``INSERT ... ON CONFLICT DO NOTHING``: two transactions that
      allocate the same index queue on the key; the second sees the first's commit and
      gets ``False``. Index allocation is safe even without the list lock.
    * The optimistic version check in ``save_list`` (``UPDATE ... WHERE version = v-1``)
      catches a writer that read a list without locking it.

    Deadlocks (e.g. two transactions locking the same two lists in opposite order),
    lock timeouts (``lock_timeout``, 30 s) and serialization failures become
    ``ConflictError``, which ``Store.run`` retries in a fresh transaction. Lock rows
    in one order (revocation list, suspension list, credential, audit) to avoid them.

Schema
    All tables live in one PostgreSQL schema, ``vcissue`` unless the URL has
    ``?schema=name`` or ``open_store(url, pg_schema=name)`` is used; it is created
    on first open and put alone on the ``search_path``. Tests use a fresh schema each.
    Migrations run under a transaction-scoped advisory lock derived from the schema
    name, so concurrent first opens apply them once.

Connection
    One connection per store, ``autocommit=False``, session time zone UTC (timestamps
    come back as UTC). A broken connection is replaced at the next transaction; the
    transaction that was running when it broke fails with ``StoreError`` and is not
    retried (its commit may or may not have happened).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from ..errors import ConflictError, DuplicateError, StoreError
from .audit import STATE_BITS
from .migrations import POSTGRES_MIGRATIONS, Migration, pending_migrations
from .sql import SqlStore, SqlTx

__all__ = ["DEFAULT_SCHEMA", "PostgresStore", "split_url"]

DEFAULT_SCHEMA = "vcissue"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RETRYABLE = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available (lock_timeout)
}
_QUERIES: dict[str, str] = {}
_WRITE_LEVEL = psycopg.IsolationLevel.READ_COMMITTED
_READ_LEVEL = psycopg.IsolationLevel.REPEATABLE_READ


def _translate(exc: psycopg.Error, what: str = "postgresql") -> StoreError:
    state = exc.sqlstate or ""
    if state in _RETRYABLE:
        return ConflictError(f"{what}: concurrent update ({exc})")
    if state == "23505":  # unique_violation
        return DuplicateError(f"{what}: {exc}")
    if state.startswith("23"):
        return StoreError(f"{what}: integrity check failed ({exc})")
    return StoreError(f"{what}: {exc}")


def split_url(url: str, schema: str | None = None) -> tuple[str, str]:
    """``(conninfo URL without our parameters, schema)``; ``schema`` beats ``?schema=``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    from_url = [value for key, value in query if key == "schema"]
    kept = [(key, value) for key, value in query if key != "schema"]
    chosen = schema or (from_url[-1] if from_url else DEFAULT_SCHEMA)
    if not _SCHEMA_NAME.fullmatch(chosen):
        raise StoreError(
            f"PostgreSQL schema name {chosen!r} must be lower-case letters, digits and _"
        )
    return urlunsplit(parts._replace(query=urlencode(kept))), chosen


def _bit(column: str, index: str) -> str:
    return (
        f"CASE WHEN {index} >= 0 AND {index} < length({column}) "
        f"THEN get_bit({column}, {index})::text ELSE '-' END"
    )


def _text(column: str) -> str:
    return f"length({column}) || ':' || {column}"


_SIGNED_SHA256_EXPRESSION = (
    "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a JOIN pg_attrdef d "
    "ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = 'credentials'::regclass "
    "AND a.attname = 'signed_sha256' AND a.attgenerated = 's'"
)
_SIGNED_SHA256_GENERATED = "sha256((replace(signed_json, '\\'::text, '\\\\'::text))::bytea)"

# Each value computed once per row (or per list) in a function scan, unnest(ARRAY[...]):
# a subquery would be pulled up and its expression repeated at every use (the hashes in
# each of the 33 lanes), and an OFFSET 0 fence would keep the scan out of parallel workers.
_LANES = [(start, min(63, STATE_BITS - start)) for start in range(0, STATE_BITS, 63)]
_LANE_SHIFTS = [STATE_BITS - start - width for start, width in _LANES]
_DATA = " || ".join(
    (
        _text("c.id"),
        _text("c.state"),
        _text("c.revocation_list"),
        "c.revocation_index || ','",
        _bit("r.v", "c.revocation_index"),
        _text("c.suspension_list"),
        "c.suspension_index || ','",
        _bit("s.v", "c.suspension_index"),
        "'64:' || encode({signed_sha256}, 'hex')",
    )
)
_ELEMENT = (  # SHA-512(i || SHA-512(data)), i = 0..3, as a bit string
    "('x' || encode("
    + " || ".join(f"sha512('\\x0{i}'::bytea || h.d)" for i in range(4))
    + ", 'hex'))::bit(2048)"
)
# each list's bits once, as a bit string (get_bit counts from the left, as the list does)
_LIST_BITS = (
    "(SELECT id, v FROM status_lists, "
    "LATERAL unnest(ARRAY[('x' || encode(bits, 'hex'))::varbit]) AS u(v))"
)
_STATE_SUM = (
    "SELECT "  # noqa: S608 (no input: the text is built from constants)
    + ", ".join(f"sum(substring(x.e FROM {start + 1} FOR {n})::bigint)" for start, n in _LANES)
    + f" FROM credentials c LEFT JOIN {_LIST_BITS} r ON r.id = c.revocation_list"
    + f" LEFT JOIN {_LIST_BITS} s ON s.id = c.suspension_list"
    + f", LATERAL unnest(ARRAY[sha512(convert_to({_DATA}, 'UTF8'))]) AS h(d)"
    + f", LATERAL unnest(ARRAY[{_ELEMENT}]) AS x(e)"
)


class PostgresTx(SqlTx):
    for_update_clause = " FOR UPDATE"
    _MONTH = "to_char(awarded AT TIME ZONE 'UTC', 'YYYY-MM')"
    # the counters plus the changes the writers' triggers have not folded into them yet
    _COUNTER_ROWS = (
        "(SELECT qualification_id, unit, state, awarded_month, expires_month, n "
        "FROM credential_counts UNION ALL SELECT qualification_id, unit, state, "
        "awarded_month, expires_month, n FROM credential_count_changes)"
    )

    def __init__(self, conn: psycopg.Connection[Any], *, write: bool) -> None:
        super().__init__(write=write)
        self._conn = conn

    def state_sum(self) -> int:
        """``SqlTx.state_sum`` in one query: PostgreSQL computes each row's element
        (``audit.state_element``, byte for byte) and sums it in lanes of at most 63 bits
        (each an exact ``sum(bigint)``); only the 33 lane sums come back, and carrying
        them into one number is the sole work left here."""
        self._check_active()
        generated = self._one(_SIGNED_SHA256_EXPRESSION)
        # the column only while PostgreSQL still generates it as migration 12 made it;
        # else (its expression dropped, so its values could be written) the signed forms
        row = self._one(
            _STATE_SUM.format(
                signed_sha256="c.signed_sha256"
                if generated is not None and generated[0] == _SIGNED_SHA256_GENERATED
                else "sha256(convert_to(c.signed_json, 'UTF8'))"
            )
        )
        if row is None:
            raise StoreError("the state sum returned no row")
        total = sum(int(lane or 0) << shift for lane, shift in zip(row, _LANE_SHIFTS, strict=True))
        return total % (1 << STATE_BITS)

    def _execute(self, query: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        text = _QUERIES.get(query)
        if text is None:
            text = _QUERIES[query] = query.replace("?", "%s")
        try:
            return self._conn.execute(text, tuple(params))
        except psycopg.Error as exc:
            raise _translate(exc) from exc

    def _enc_dt(self, value: datetime) -> datetime:
        return value

    def _dec_dt(self, value: Any) -> datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise StoreError(f"stored value is not a timestamptz: {value!r}")
        return value.astimezone(UTC)


class PostgresStore(SqlStore):
    """A store in one PostgreSQL schema, one connection."""

    backend = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        lock_timeout: str = "30s",
        migrations: Sequence[Migration] = POSTGRES_MIGRATIONS,
        create: bool = False,
    ) -> None:
        super().__init__()
        self._create = create
        self._conninfo, self.schema = split_url(url, schema)
        self._lock_timeout = lock_timeout
        self._conn = self._connect()
        try:
            self._migrate(migrations)
        except BaseException:
            self._conn.close()
            raise

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self._conninfo, autocommit=False)
        except psycopg.Error as exc:
            raise _translate(exc, "cannot connect to PostgreSQL") from exc
        try:
            conn.isolation_level = _WRITE_LEVEL
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
            conn.execute("SET TIME ZONE 'UTC'")
            conn.execute("SELECT set_config('lock_timeout', %s, false)", (self._lock_timeout,))
            conn.commit()
        except psycopg.Error as exc:
            conn.close()
            raise _translate(exc, "cannot set up the PostgreSQL session") from exc
        return conn

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        digest = hashlib.sha256(f"vcissue-migrate:{self.schema}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        conn = self._conn
        try:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            applied = [int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")]
            for migration in pending_migrations(applied, migrations, create=self._create):
                for statement in migration.statements:
                    conn.execute(statement.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
            conn.commit()
        except psycopg.Error as exc:
            self._rollback()
            raise _translate(exc, "migrating the schema failed") from exc
        except BaseException:
            self._rollback()
            raise

    # -- SqlStore hooks ------------------------------------------------------------------

    def _begin(self, *, write: bool) -> None:
        if self._conn.closed or self._conn.broken:
            self._conn.close()
            self._conn = self._connect()
        if self._conn.info.transaction_status != TransactionStatus.IDLE:
            self._rollback()
        # A read gets one snapshot for the whole transaction, as the protocol promises.
        # Set on the idle connection, these go out in the BEGIN psycopg sends with the
        # first statement: no round trip of their own.
        level = _WRITE_LEVEL if write else _READ_LEVEL
        if self._conn.isolation_level != level:
            self._conn.isolation_level = level
        if self._conn.read_only != (not write):
            self._conn.read_only = not write

    def _commit(self) -> None:
        try:
            self._conn.commit()
        except psycopg.Error as exc:
            self._rollback()
            raise _translate(exc, "commit failed") from exc

    def _rollback(self) -> None:
        with contextlib.suppress(psycopg.Error):  # broken: the server rolls back itself
            self._conn.rollback()

    def _new_tx(self, *, write: bool) -> PostgresTx:
        return PostgresTx(self._conn, write=write)

    def _close_connection(self) -> None:
        self._conn.close()

    def _schema_version(self) -> int:
        try:
            row = self._conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        except psycopg.Error as exc:
            raise _translate(exc) from exc
        return int(row[0] or 0) if row else 0
