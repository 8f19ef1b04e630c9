"""The SQL both back ends share: validation, the transaction object, retries.

``SqlTx`` implements the ``Tx`` protocol of ``records`` over a DB-API connection;
``SqlStore`` gives ``transaction``/``read``/``run`` with bounded, jittered retries on
``ConflictError``. The back-end modules (``sqlite``, ``postgres``) supply connections,
locking and error mapping.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from ..errors import ConflictError, DuplicateError, NotFoundError, StoreError
from .audit import canonical_details, entry_hash, verify_audit_chain
from .records import (
    CREDENTIAL_STATES,
    LIST_PURPOSES,
    AuditEntry,
    CredentialRecord,
    PrincipalRecord,
    StatusListRecord,
    Tx,
)

__all__ = ["SqlStore", "SqlTx"]

T = TypeVar("T")


# ----------------------------------------------------------------------------- validation


def _text(name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise StoreError(f"{name} must be a non-empty string, not {value!r}")
    return value


def _index(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise StoreError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def _state(value: object) -> str:
    if value not in CREDENTIAL_STATES:
        raise StoreError(f"unknown credential state {value!r}")
    return str(value)


def _purpose(value: object) -> str:
    if value not in LIST_PURPOSES:
        raise StoreError(f"unknown status list purpose {value!r}")
    return str(value)


def _bits(size: int, bits: object) -> bytes:
    if not isinstance(bits, bytes | bytearray):
        raise StoreError("status list bits must be bytes")
    if len(bits) != (size + 7) // 8:
        raise StoreError(f"a list of {size} bits needs {(size + 7) // 8} bytes, not {len(bits)}")
    return bytes(bits)


def _utc(value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"datetimes must be timezone-aware, not {value!r}")
    return value.astimezone(UTC)


# ----------------------------------------------------------------------------- shared SQL

_CREDENTIAL_COLUMNS = (
    "id, holder_name, holder_id, qualification_id, units, awarded, expires, state, "
    "revocation_list, revocation_index, suspension_list, suspension_index, previous_id, "
    "batch_key, signed_json, created_at, suspended_until, state_reason, terms"
)
_LIST_COLUMNS = (
    "id, purpose, size, bits, version, is_full, published_json, published_at, created_at"
)
_AUDIT_COLUMNS = "seq, at, actor, action, credential_id, details, prev_hash, hash"

# Fixed SQL text: the f-strings interpolate only the column lists above, never input.
_SELECT_CREDENTIALS = f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials"  # noqa: S608
_INSERT_CREDENTIAL = (
    f"INSERT INTO credentials ({_CREDENTIAL_COLUMNS}) "  # noqa: S608
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_SELECT_LISTS = f"SELECT {_LIST_COLUMNS} FROM status_lists"  # noqa: S608
_INSERT_LIST = (
    f"INSERT INTO status_lists ({_LIST_COLUMNS}) "  # noqa: S608
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_SELECT_AUDIT = f"SELECT {_AUDIT_COLUMNS} FROM audit_log"  # noqa: S608
_INSERT_AUDIT = f"INSERT INTO audit_log ({_AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
_SELECT_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1"

Row = Sequence[Any]


class SqlTx:
    """The ``Tx`` implementation over a DB-API connection; back ends supply the dialect.

    Queries are written with ``?`` placeholders and portable SQL (``ON CONFLICT DO
    NOTHING``, partial indexes, ``NOT is_full``); a back end translates placeholders,
    datetime and boolean encoding, adds ``FOR UPDATE`` where it has row locks, and
    turns driver exceptions into ``StoreError``.
    """

    for_update_clause: ClassVar[str] = ""  # " FOR UPDATE" where row locks exist

    def __init__(self, *, write: bool) -> None:
        self.write = write
        self.active = True

    # -- dialect hooks ---------------------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run ``sql``; return the driver cursor. Driver errors become ``StoreError``."""
        raise NotImplementedError

    def _enc_dt(self, value: datetime) -> Any:
        raise NotImplementedError

    def _dec_dt(self, value: Any) -> datetime:
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------------------

    def _check_active(self) -> None:
        if not self.active:
            raise StoreError("the transaction is over; use the store to start a new one")

    def _check_write(self) -> None:
        self._check_active()
        if not self.write:
            raise StoreError("this is a read-only transaction")

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._check_active()
        return list(self._execute(sql, params).fetchall())

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self._check_active()
        row: Row | None = self._execute(sql, params).fetchone()
        return row

    def _change(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._check_write()
        count: int = self._execute(sql, params).rowcount
        return count

    def _opt_dt(self, value: datetime | None) -> Any:
        return None if value is None else self._enc_dt(_utc(value))

    def _dec_opt_dt(self, value: Any) -> datetime | None:
        return None if value is None else self._dec_dt(value)

    def _credential(self, row: Row) -> CredentialRecord:
        try:
            units = tuple(json.loads(row[4]))
            terms = json.loads(row[18])
        except (TypeError, ValueError):
            raise StoreError(f"credential {row[0]!r}: stored units or terms are not JSON") from None
        return CredentialRecord(
            id=row[0],
            holder_name=row[1],
            holder_id=row[2],
            qualification_id=row[3],
            units=units,
            awarded=self._dec_dt(row[5]),
            expires=self._dec_dt(row[6]),
            state=row[7],
            revocation_list=row[8],
            revocation_index=int(row[9]),
            suspension_list=row[10],
            suspension_index=int(row[11]),
            previous_id=row[12],
            batch_key=row[13],
            signed_json=row[14],
            created_at=self._dec_dt(row[15]),
            suspended_until=self._dec_opt_dt(row[16]),
            state_reason=row[17],
            terms=terms,
        )

    def _status_list(self, row: Row) -> StatusListRecord:
        return StatusListRecord(
            id=row[0],
            purpose=row[1],
            size=int(row[2]),
            bits=bytes(row[3]),
            version=int(row[4]),
            full=bool(row[5]),
            published_json=row[6],
            published_at=self._dec_opt_dt(row[7]),
            created_at=self._dec_dt(row[8]),
        )

    def _audit(self, row: Row) -> AuditEntry:
        try:
            details = json.loads(row[5])
        except (TypeError, ValueError):
            details = {"__unreadable__": str(row[5])}  # verification reports the mismatch
        return AuditEntry(
            seq=int(row[0]),
            at=self._dec_dt(row[1]),
            actor=row[2],
            action=row[3],
            credential_id=row[4],
            details=details,
            prev_hash=row[6],
            hash=row[7],
        )

    # -- credentials ---------------------------------------------------------------------

    def insert_credential(self, record: CredentialRecord) -> None:
        """Insert; ``DuplicateError`` if the id or batch key is taken.

        The record's two (list, index) pairs must have been allocated to its id with
        ``allocate_index`` first (a foreign key enforces it).
        """
        self._check_write()
        _text("id", record.id)
        _text("holder_name", record.holder_name)
        _text("holder_id", record.holder_id, optional=True)
        _text("qualification_id", record.qualification_id)
        _text("previous_id", record.previous_id, optional=True)
        _text("batch_key", record.batch_key, optional=True)
        _state(record.state)
        _index("revocation_index", record.revocation_index)
        _index("suspension_index", record.suspension_index)
        if not isinstance(record.units, tuple) or not all(
            isinstance(unit, str) and unit for unit in record.units
        ):
            raise StoreError("units must be a tuple of non-empty strings")
        if not isinstance(record.signed_json, str):
            raise StoreError("signed_json must be text")
        inserted = self._change(
            _INSERT_CREDENTIAL,
            (
                record.id,
                record.holder_name,
                record.holder_id,
                record.qualification_id,
                json.dumps(list(record.units), ensure_ascii=False),
                self._enc_dt(_utc(record.awarded)),
                self._enc_dt(_utc(record.expires)),
                record.state,
                record.revocation_list,
                record.revocation_index,
                record.suspension_list,
                record.suspension_index,
                record.previous_id,
                record.batch_key,
                record.signed_json,
                self._enc_dt(_utc(record.created_at)),
                self._opt_dt(record.suspended_until),
                record.state_reason,
                canonical_details(record.terms),
            ),
        )
        if not inserted:
            taken = self._one("SELECT 1 FROM credentials WHERE id = ?", (record.id,))
            what = f"id {record.id!r}" if taken else f"batch key {record.batch_key!r}"
            raise DuplicateError(f"a credential with {what} already exists")

    def get_credential(
        self, credential_id: str, *, for_update: bool = False
    ) -> CredentialRecord | None:
        lock = self.for_update_clause if for_update and self.write else ""
        row = self._one(
            _SELECT_CREDENTIALS + " WHERE id = ?" + lock,
            (credential_id,),
        )
        return None if row is None else self._credential(row)

    def get_by_batch_key(self, batch_key: str) -> CredentialRecord | None:
        row = self._one(
            _SELECT_CREDENTIALS + " WHERE batch_key = ?",
            (batch_key,),
        )
        return None if row is None else self._credential(row)

    def update_credential(
        self,
        credential_id: str,
        *,
        state: str,
        state_reason: str | None = None,
        suspended_until: datetime | None = None,
    ) -> None:
        """Set ``state``, ``state_reason`` and ``suspended_until`` (``None`` clears them)."""
        self._check_write()
        _state(state)
        changed = self._change(
            "UPDATE credentials SET state = ?, state_reason = ?, suspended_until = ? WHERE id = ?",
            (state, state_reason, self._opt_dt(suspended_until), credential_id),
        )
        if not changed:
            raise NotFoundError(f"no credential {credential_id!r}")

    def list_credentials(
        self,
        *,
        state: str | None = None,
        qualification_id: str | None = None,
        expiring_before: datetime | None = None,
        suspended_before: datetime | None = None,
    ) -> list[CredentialRecord]:
        """Credentials matching every filter given, oldest first.

        ``expiring_before``: ``expires < t``; ``suspended_before``: ``suspended_until < t``.
        """
        where: list[str] = []
        params: list[Any] = []
        if state is not None:
            where.append("state = ?")
            params.append(_state(state))
        if qualification_id is not None:
            where.append("qualification_id = ?")
            params.append(qualification_id)
        if expiring_before is not None:
            where.append("expires < ?")
            params.append(self._enc_dt(_utc(expiring_before)))
        if suspended_before is not None:
            where.append("suspended_until < ?")
            params.append(self._enc_dt(_utc(suspended_before)))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._all(
            _SELECT_CREDENTIALS + clause + " ORDER BY created_at, id",
            params,
        )
        return [self._credential(row) for row in rows]

    def count_by_qualification_and_state(self) -> dict[tuple[str, str], int]:
        rows = self._all(
            "SELECT qualification_id, state, COUNT(*) FROM credentials "
            "GROUP BY qualification_id, state"
        )
        return {(row[0], row[1]): int(row[2]) for row in rows}

    # -- status lists ----------------------------------------------------------------------

    def open_list(self, purpose: str, *, for_update: bool = True) -> StatusListRecord | None:
        """The list of ``purpose`` that is not full, locked until commit when ``for_update``."""
        lock = self.for_update_clause if for_update and self.write else ""
        row = self._one(
            _SELECT_LISTS + " WHERE purpose = ? AND NOT is_full" + lock,
            (_purpose(purpose),),
        )
        return None if row is None else self._status_list(row)

    def create_list(self, record: StatusListRecord) -> None:
        """Insert a list. ``DuplicateError`` if the id exists; ``ConflictError`` if an open
        (not full) list of the same purpose exists (another writer rolled over first)."""
        self._check_write()
        _text("id", record.id)
        _purpose(record.purpose)
        if not isinstance(record.size, int) or isinstance(record.size, bool) or record.size < 1:
            raise StoreError(f"list size must be a positive integer, not {record.size!r}")
        bits = _bits(record.size, record.bits)
        _index("version", record.version)
        inserted = self._change(
            _INSERT_LIST,
            (
                record.id,
                record.purpose,
                record.size,
                bits,
                record.version,
                bool(record.full),
                record.published_json,
                self._opt_dt(record.published_at),
                self._enc_dt(_utc(record.created_at)),
            ),
        )
        if not inserted:
            if self._one("SELECT 1 FROM status_lists WHERE id = ?", (record.id,)):
                raise DuplicateError(f"status list {record.id!r} already exists")
            raise ConflictError(f"an open {record.purpose} list exists already")

    def get_list(self, list_id: str, *, for_update: bool = False) -> StatusListRecord | None:
        lock = self.for_update_clause if for_update and self.write else ""
        row = self._one(_SELECT_LISTS + " WHERE id = ?" + lock, (list_id,))
        return None if row is None else self._status_list(row)

    def lists(self) -> list[StatusListRecord]:
        rows = self._all(_SELECT_LISTS + " ORDER BY created_at, id")
        return [self._status_list(row) for row in rows]

    def save_list(
        self,
        list_id: str,
        *,
        bits: bytes,
        version: int,
        full: bool,
        published_json: str | None,
        published_at: datetime | None,
    ) -> None:
        """Store new bits etc. ``version`` must be the stored version + 1 (``ConflictError``
        otherwise). A full list stays full."""
        self._check_write()
        _index("version", version)
        row = self._one("SELECT size FROM status_lists WHERE id = ?", (list_id,))
        if row is None:
            raise NotFoundError(f"no status list {list_id!r}")
        data = _bits(int(row[0]), bits)
        changed = self._change(
            "UPDATE status_lists SET bits = ?, version = ?, is_full = ?, published_json = ?, "
            "published_at = ? WHERE id = ? AND version = ? AND (NOT is_full OR ?)",
            (
                data,
                version,
                bool(full),
                published_json,
                self._opt_dt(published_at),
                list_id,
                version - 1,
                bool(full),
            ),
        )
        if not changed:
            current = self._one(
                "SELECT version, is_full FROM status_lists WHERE id = ?", (list_id,)
            )
            if current is not None and int(current[0]) == version - 1:
                raise StoreError(f"status list {list_id!r} is full and cannot be reopened")
            stored = None if current is None else int(current[0])
            raise ConflictError(
                f"status list {list_id!r} is at version {stored}, not {version - 1}: "
                "another writer saved it first"
            )

    def allocate_index(self, list_id: str, index: int, credential_id: str) -> bool:
        """Record ``index`` of ``list_id`` as given to ``credential_id``. ``False`` if it was
        ever allocated before (to anyone): indices are never reused."""
        self._check_write()
        _index("index", index)
        _text("credential_id", credential_id)
        row = self._one("SELECT size FROM status_lists WHERE id = ?", (list_id,))
        if row is None:
            raise NotFoundError(f"no status list {list_id!r}")
        if index >= int(row[0]):
            raise StoreError(f"index {index} is outside list {list_id!r} of {row[0]} bits")
        inserted = self._change(
            "INSERT INTO allocations (list_id, idx, credential_id) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (list_id, index, credential_id),
        )
        return bool(inserted)

    def allocated_count(self, list_id: str) -> int:
        row = self._one("SELECT COUNT(*) FROM allocations WHERE list_id = ?", (list_id,))
        return 0 if row is None else int(row[0])

    def allocated_indices(self, list_id: str) -> list[int]:
        """Every allocated index of ``list_id``, ascending (to build an allocation map)."""
        rows = self._all("SELECT idx FROM allocations WHERE list_id = ? ORDER BY idx", (list_id,))
        return [int(row[0]) for row in rows]

    def is_allocated(self, list_id: str, index: int) -> bool:
        row = self._one("SELECT 1 FROM allocations WHERE list_id = ? AND idx = ?", (list_id, index))
        return row is not None

    # -- approvals -------------------------------------------------------------------------

    def add_approval(
        self, credential_id: str, action: str, approver: str, reason: str, at: datetime
    ) -> None:
        """``DuplicateError`` if ``approver`` already approved this action."""
        self._check_write()
        _text("action", action)
        _text("approver", approver)
        if not isinstance(reason, str):
            raise StoreError("reason must be text")
        inserted = self._change(
            "INSERT INTO approvals (credential_id, action, approver, reason, at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (credential_id, action, approver, reason, self._enc_dt(_utc(at))),
        )
        if not inserted:
            raise DuplicateError(f"{approver!r} already approved {action} of {credential_id!r}")

    def approvals(self, credential_id: str, action: str) -> list[tuple[str, str, datetime]]:
        rows = self._all(
            "SELECT approver, reason, at FROM approvals WHERE credential_id = ? AND action = ? "
            "ORDER BY at, approver",
            (credential_id, action),
        )
        return [(row[0], row[1], self._dec_dt(row[2])) for row in rows]

    def clear_approvals(self, credential_id: str, action: str) -> None:
        self._change(
            "DELETE FROM approvals WHERE credential_id = ? AND action = ?", (credential_id, action)
        )

    # -- principals ------------------------------------------------------------------------

    def add_principal(self, record: PrincipalRecord) -> None:
        """Store an API principal; pass a hash of the key, never the key."""
        self._check_write()
        for name in ("key_id", "key_hash", "role", "name"):
            _text(name, getattr(record, name))
        inserted = self._change(
            "INSERT INTO principals (key_id, key_hash, role, name, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                record.key_id,
                record.key_hash,
                record.role,
                record.name,
                self._enc_dt(_utc(record.created_at)),
                self._opt_dt(record.expires_at),
            ),
        )
        if not inserted:
            raise DuplicateError(f"principal {record.key_id!r} already exists")

    def _principal(self, row: Row) -> PrincipalRecord:
        return PrincipalRecord(
            key_id=row[0],
            key_hash=row[1],
            role=row[2],
            name=row[3],
            created_at=self._dec_dt(row[4]),
            expires_at=self._dec_opt_dt(row[5]),
            revoked_at=self._dec_opt_dt(row[6]),
        )

    _PRINCIPAL = "key_id, key_hash, role, name, created_at, expires_at, revoked_at"

    def get_principal(self, key_id: str) -> PrincipalRecord | None:
        row = self._one(
            f"SELECT {self._PRINCIPAL} FROM principals WHERE key_id = ?",  # noqa: S608
            (key_id,),
        )
        return None if row is None else self._principal(row)

    def principals(self) -> list[PrincipalRecord]:
        rows = self._all(
            f"SELECT {self._PRINCIPAL} FROM principals ORDER BY created_at, key_id"  # noqa: S608
        )
        return [self._principal(row) for row in rows]

    def revoke_principal(self, key_id: str, at: datetime) -> None:
        self._check_write()
        changed = self._change(
            "UPDATE principals SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
            (self._enc_dt(_utc(at)), key_id),
        )
        if not changed:
            raise NotFoundError(f"no unrevoked API key {key_id!r}")

    # -- audit -----------------------------------------------------------------------------

    def append_audit(
        self,
        *,
        actor: str,
        action: str,
        credential_id: str | None,
        details: dict[str, Any],
        at: datetime,
    ) -> AuditEntry:
        """Append one entry to the chain. The head row is locked (PostgreSQL) or the write
        lock is held (SQLite), so concurrent appends queue up: no fork, no gap."""
        self._check_write()
        _text("actor", actor)
        _text("action", action)
        _text("credential_id", credential_id, optional=True)
        at = _utc(at)
        details_text = canonical_details(details)
        stored_details: dict[str, Any] = json.loads(details_text)
        head = self._one(_SELECT_HEAD + self.for_update_clause)
        if head is None:
            raise StoreError("the audit head row is missing")
        seq, prev_hash = int(head[0]) + 1, str(head[1])
        digest = entry_hash(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            credential_id=credential_id,
            details=stored_details,
            prev_hash=prev_hash,
        )
        self._change(
            _INSERT_AUDIT,
            (seq, self._enc_dt(at), actor, action, credential_id, details_text, prev_hash, digest),
        )
        self._change("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, digest))
        return AuditEntry(seq, at, actor, action, credential_id, stored_details, prev_hash, digest)

    def audit_entries(self) -> list[AuditEntry]:
        rows = self._all(_SELECT_AUDIT + " ORDER BY seq")
        return [self._audit(row) for row in rows]

    def audit_head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last append (``(0, GENESIS_HASH)`` when empty)."""
        row = self._one(_SELECT_HEAD)
        if row is None:
            raise StoreError("the audit head row is missing")
        return int(row[0]), str(row[1])

    def verify_audit(self) -> list[str]:
        """Problems in the stored chain (``[]`` = intact), checked against the head row."""
        return verify_audit_chain(self.audit_entries(), head=self.audit_head())


class SqlStore:
    """Transaction, retry and thread handling shared by the back ends.

    One connection per store; a lock makes concurrent threads take turns, and a
    thread that opens a transaction inside its own transaction gets a ``StoreError``
    instead of a deadlock. Back ends implement ``_begin``, ``_commit``, ``_rollback``,
    ``_new_tx`` and ``_close_connection``.
    """

    backend: str = "sql"
    default_attempts: int = 10
    backoff_base: float = 0.005  # seconds; doubled per attempt, jittered, capped
    backoff_cap: float = 0.25

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._closed = False
        self._jitter = random.SystemRandom()

    # -- hooks ---------------------------------------------------------------------------

    def _begin(self, *, write: bool) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _new_tx(self, *, write: bool) -> SqlTx:
        raise NotImplementedError

    def _close_connection(self) -> None:
        raise NotImplementedError

    def _schema_version(self) -> int:
        raise NotImplementedError

    # -- public --------------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[Tx]:
        """A write transaction: commit on normal exit, rollback on exception. No retry:
        use ``run`` for that."""
        return self._transaction(write=True)

    def read_transaction(self) -> AbstractContextManager[Tx]:
        """A read-only transaction (one consistent snapshot); writes raise ``StoreError``."""
        return self._transaction(write=False)

    def run(self, fn: Callable[[Tx], T], *, attempts: int | None = None) -> T:
        """``fn(tx)`` in a write transaction, re-run in a fresh one on ``ConflictError``."""
        return self._retry(fn, write=True, attempts=attempts)

    def read(self, fn: Callable[[Tx], T], *, attempts: int | None = None) -> T:
        """``fn(tx)`` in a read-only transaction (retried like ``run``)."""
        return self._retry(fn, write=False, attempts=attempts)

    def schema_version(self) -> int:
        with self._transaction(write=False):
            return self._schema_version()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._close_connection()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------

    def _retry(self, fn: Callable[[Tx], T], *, write: bool, attempts: int | None) -> T:
        limit = self.default_attempts if attempts is None else attempts
        if limit < 1:
            raise StoreError("attempts must be at least 1")
        attempt = 0
        while True:
            attempt += 1
            try:
                with self._transaction(write=write) as tx:
                    return fn(tx)
            except ConflictError:
                if attempt >= limit:
                    raise
            delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
            time.sleep(self._jitter.uniform(0, delay))

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Tx]:
        me = threading.get_ident()
        if self._owner == me:
            raise StoreError("transactions do not nest: this thread already has one open")
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            self._owner = me
            try:
                self._begin(write=write)
                tx = self._new_tx(write=write)
                try:
                    yield tx
                except BaseException:
                    tx.active = False
                    self._rollback()
                    raise
                tx.active = False
                self._commit()
            finally:
                self._owner = None
