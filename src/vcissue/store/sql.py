"""The SQL both back ends share: validation, the transaction object, retries.

``SqlTx`` implements the ``Tx`` protocol of ``records`` over a DB-API connection;
``SqlStore`` gives ``transaction``/``read``/``run`` with bounded, jittered retries on
``ConflictError``. The back-end modules (``sqlite``, ``postgres``) supply connections,
locking and error mapping.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from ..errors import ConflictError, DuplicateError, NotFoundError, StoreError
from .audit import STATE_BITS, canonical_details, entry_hash, state_element, verify_audit_chain
from .records import (
    CREDENTIAL_STATES,
    DELIVERY_STATES,
    LIST_PURPOSES,
    ApiKeyRecord,
    AuditEntry,
    CaseRecord,
    CredentialRecord,
    CredentialSummary,
    DeliveryRecord,
    EventRecord,
    ImportedRecord,
    PrincipalRecord,
    StatusListRecord,
    Tx,
    Vote,
    WalletSessionRecord,
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


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utc(value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"datetimes must be timezone-aware, not {value!r}")
    return value.astimezone(UTC)


# ----------------------------------------------------------------------------- periods


def _month_of(moment: datetime) -> str:
    """The UTC month of ``moment``, 'YYYY-MM' (the counters' and the stored text's)."""
    found = _utc(moment)
    return f"{found.year:04d}-{found.month:02d}"


def _month_start(month: str) -> datetime:
    return datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=UTC)


def _opt_start(month: str | None) -> datetime | None:
    return None if month is None else _month_start(month)


def _next_month(month: str) -> str | None:
    year, number = int(month[:4]), int(month[5:7])
    if number < 12:
        return f"{year:04d}-{number + 1:02d}"
    return None if year >= 9999 else f"{year + 1:04d}-01"


Months = tuple[str | None, str | None]


def _split_period(
    since: datetime | None, until: datetime | None
) -> tuple[Months | None, list[tuple[datetime | None, datetime | None]]]:
    """``[since, until)`` as the whole UTC months ``[first, end)`` inside it (``None``
    bounds: open; ``None`` for no whole month) and the partial ranges at its edges."""
    first = None
    if since is not None:
        first = _month_of(since)
        if _month_start(first) < since:  # since's month is partial: from the next one
            first = _next_month(first)
            if first is None:  # the period starts in December 9999: no whole month
                return None, [(since, until)]
    end = None if until is None else _month_of(until)  # until's month: partial or empty
    if first is not None and end is not None and first >= end:
        return None, [(since, until)]
    edges: list[tuple[datetime | None, datetime | None]] = []
    if since is not None and first is not None and since < _month_start(first):
        edges.append((since, _month_start(first)))
    if until is not None and end is not None and _month_start(end) < until:
        edges.append((_month_start(end), until))
    return (first, end), edges


# ----------------------------------------------------------------------------- shared SQL

_CREDENTIAL_COLUMNS = (
    "id, holder_name, holder_id, qualification_id, units, awarded, expires, state, "
    "revocation_list, revocation_index, suspension_list, suspension_index, previous_id, "
    "batch_key, signed_json, created_at, suspended_until, state_reason, terms, number, "
    "holder_email"
)
_LIST_COLUMNS = (
    "id, purpose, size, bits, version, is_full, published_json, published_at, created_at, body"
)
_AUDIT_COLUMNS = "seq, at, actor, action, credential_id, details, prev_hash, hash"

# Fixed SQL text: the f-strings interpolate only the column lists above, never input.
_SELECT_CREDENTIALS = f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials"  # noqa: S608
_INSERT_CREDENTIAL = (
    f"INSERT INTO credentials ({_CREDENTIAL_COLUMNS}) "  # noqa: S608
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_SELECT_LISTS = f"SELECT {_LIST_COLUMNS} FROM status_lists"  # noqa: S608
_INSERT_LIST = (
    f"INSERT INTO status_lists ({_LIST_COLUMNS}) "  # noqa: S608
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
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
        # (seq, hash) of this transaction's last append: the head row stays locked (or
        # the write lock held) until commit, so a batch's appends read it once
        self._head: tuple[int, str] | None = None

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
            number=row[19],
            holder_email=row[20],
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
            body=row[9],
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
        _text("holder_email", record.holder_email, optional=True)
        _text("qualification_id", record.qualification_id)
        _text("previous_id", record.previous_id, optional=True)
        _text("batch_key", record.batch_key, optional=True)
        _text("number", record.number, optional=True)
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
                record.number,
                record.holder_email,
            ),
        )
        if not inserted:
            taken = self._one("SELECT 1 FROM credentials WHERE id = ?", (record.id,))
            numbered = record.number is not None and self.get_by_number(record.number)
            what = (
                f"id {record.id!r}"
                if taken
                else f"number {record.number!r}"
                if numbered
                else f"batch key {record.batch_key!r}"
            )
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

    def get_by_number(self, number: str) -> CredentialRecord | None:
        row = self._one(_SELECT_CREDENTIALS + " WHERE number = ?", (number,))
        return None if row is None else self._credential(row)

    def number_taken(self, number: str) -> bool:
        """True if a credential or an imported certificate has ``number``."""
        row = self._one(
            "SELECT EXISTS (SELECT 1 FROM credentials WHERE number = ?) "
            "OR EXISTS (SELECT 1 FROM imported_certificates WHERE number = ?)",
            (number, number),
        )
        return row is not None and bool(row[0])

    def next_in_sequence(self, scope: str) -> int:
        """The next number (1, 2, ...) of the counter ``scope``. The upsert locks the
        counter row until commit, so concurrent issuers queue and a rolled-back
        transaction gives its number back: no duplicates, no gaps."""
        self._check_write()
        _text("scope", scope)
        row = self._execute(
            "INSERT INTO number_counters (scope, seq) VALUES (?, 1) ON CONFLICT (scope) "
            "DO UPDATE SET seq = number_counters.seq + 1 RETURNING seq",
            (scope,),
        ).fetchone()
        if row is None:
            raise StoreError(f"counter {scope!r} gave no number")
        return int(row[0])

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

    def replace_signed(self, credential_id: str, signed_json: str) -> None:
        """Store a new signed form of the same credential (re-signed with another key)."""
        changed = self._change(
            "UPDATE credentials SET signed_json = ? WHERE id = ?", (signed_json, credential_id)
        )
        if not changed:
            raise NotFoundError(f"no credential {credential_id!r}")

    def unnumbered(self, *, limit: int = 500) -> list[str]:
        """Ids of credentials stored without a certificate number (before numbers
        existed), oldest first."""
        rows = self._all(
            "SELECT id FROM credentials WHERE number IS NULL ORDER BY created_at, id LIMIT ?",
            (limit,),
        )
        return [str(row[0]) for row in rows]

    def set_number(self, credential_id: str, number: str) -> bool:
        """Give a credential without a number ``number``; False if it has one already."""
        _text("number", number)
        return bool(
            self._change(
                "UPDATE credentials SET number = ? WHERE id = ? AND number IS NULL",
                (number, credential_id),
            )
        )

    def insert_import(self, record: ImportedRecord) -> None:
        self._check_write()
        for name in ("number", "holder_name", "qualification_id", "state"):
            _text(name, getattr(record, name))
        _text("holder_email", record.holder_email, optional=True)
        self._execute(
            "INSERT INTO imported_certificates (number, holder_name, holder_email, "
            "qualification_id, awarded, expires, state, imported_at, credential_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.number, record.holder_name, record.holder_email,
                record.qualification_id, self._enc_dt(_utc(record.awarded)),
                self._enc_dt(_utc(record.expires)), record.state,
                self._enc_dt(_utc(record.imported_at)), record.credential_id,
            ),
        )  # fmt: skip

    def get_import(self, number: str) -> ImportedRecord | None:
        row = self._one(
            "SELECT number, holder_name, holder_email, qualification_id, awarded, expires, "
            "state, imported_at, credential_id FROM imported_certificates WHERE number = ?",
            (number,),
        )
        if row is None:
            return None
        return ImportedRecord(
            row[0], row[1], row[2], row[3], self._dec_dt(row[4]), self._dec_dt(row[5]),
            row[6], self._dec_dt(row[7]), row[8],
        )  # fmt: skip

    def set_import_credential(self, number: str, credential_id: str) -> None:
        if not self._change(
            "UPDATE imported_certificates SET credential_id = ? WHERE number = ?",
            (credential_id, number),
        ):
            raise NotFoundError(f"no imported certificate {number!r}")

    def erase_credential(
        self, credential_id: str, *, holder_name: str, signed_json: str, terms: Mapping[str, Any]
    ) -> None:
        """Personal data out of a credential row (``vcissue.issuer.erasure``): the name
        replaced, holder id, e-mail and batch key cleared, the stored form and terms given."""
        self._check_write()
        changed = self._change(
            "UPDATE credentials SET holder_name = ?, holder_id = NULL, holder_email = NULL, "
            "batch_key = NULL, signed_json = ?, terms = ? WHERE id = ?",
            (holder_name, signed_json, canonical_details(terms), credential_id),
        )
        if not changed:
            raise NotFoundError(f"no credential {credential_id!r}")

    def imports(self) -> list[ImportedRecord]:
        rows = self._all("SELECT number FROM imported_certificates ORDER BY number")
        return [found for row in rows if (found := self.get_import(row[0])) is not None]

    def erase_import(self, number: str, *, holder_name: str) -> None:
        self._change(
            "UPDATE imported_certificates SET holder_name = ?, holder_email = NULL "
            "WHERE number = ?",
            (holder_name, number),
        )

    def set_event_data(self, event_id: str, data: Mapping[str, Any]) -> None:
        """Replace an outbox event's data (erasure of the personal data in it)."""
        self._change("UPDATE outbox SET data = ? WHERE id = ?", (canonical_details(data), event_id))

    def set_vote_note(self, case_id: str, principal_id: str, note: str) -> None:
        self._change(
            "UPDATE case_votes SET note = ? WHERE case_id = ? AND principal_id = ?",
            (note, case_id, principal_id),
        )

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

    def successors(self, credential_id: str) -> list[CredentialRecord]:
        """The credentials naming ``credential_id`` as their previous one, oldest first."""
        rows = self._all(
            _SELECT_CREDENTIALS + " WHERE previous_id = ? ORDER BY created_at, id",
            (credential_id,),
        )
        return [self._credential(row) for row in rows]

    # Counting for the reports. Whole UTC months of award dates come from the counters
    # (``credential_counts``, migration 14: kept exact by triggers, so by every writer);
    # the partial months at the edges of a period from the credentials themselves (range
    # reads on ``credentials_awarded``), as does the one month the counters cannot split
    # into active and expired: the month ``now`` falls in (a range read on
    # ``credentials_expiring`` of the active credentials that expired in it by ``now``).
    # Every read is bounded by a month of credentials or by the number of counter keys,
    # not by the size of the store. ``scan_count_*`` are the plain aggregates over the
    # credentials, the reference the counters are tested against.

    # the counter rows; PostgreSQL adds the changes not yet folded into them
    _COUNTER_ROWS: ClassVar[str] = "credential_counts"

    def count_by_qualification_and_state(self) -> dict[tuple[str, str], int]:
        rows = self._all(
            f"SELECT qualification_id, state, SUM(n) FROM {self._COUNTER_ROWS} c "  # noqa: S608
            "GROUP BY 1, 2"
        )
        return {(row[0], row[1]): int(row[2]) for row in rows if int(row[2])}

    def _awarded_terms(
        self, since: datetime | None, until: datetime | None
    ) -> tuple[list[str], list[Any]]:
        where, params = [], []
        if since is not None:
            where.append("awarded >= ?")
            params.append(self._enc_dt(_utc(since)))
        if until is not None:
            where.append("awarded < ?")
            params.append(self._enc_dt(_utc(until)))
        return where, params

    def _awarded_in(self, since: datetime | None, until: datetime | None) -> tuple[str, list[Any]]:
        where, params = self._awarded_terms(since, until)
        return (f" WHERE {' AND '.join(where)}" if where else ""), params

    @staticmethod
    def _months_in(months: tuple[str | None, str | None]) -> tuple[str, list[Any]]:
        """``WHERE`` on ``awarded_month`` for the whole months ``[first, end)``."""
        where, params = [], []
        if months[0] is not None:
            where.append("awarded_month >= ?")
            params.append(months[0])
        if months[1] is not None:
            where.append("awarded_month < ?")
            params.append(months[1])
        return (f" WHERE {' AND '.join(where)}" if where else ""), params

    def count_credentials(
        self, *, now: datetime, since: datetime | None = None, until: datetime | None = None
    ) -> dict[tuple[str, bool, str], int]:
        """Credentials awarded in ``[since, until)`` by (qualification, a unit award?,
        state), where an active credential whose ``expires <= now`` counts as "expired".
        Equal to ``scan_count_credentials``; from the counters and bounded reads."""
        months, edges = _split_period(since, until)
        tally: dict[tuple[str, bool, str], int] = {}

        def add(key: tuple[str, bool, str], n: int) -> None:
            tally[key] = tally.get(key, 0) + n

        if months is not None:
            current = _month_of(now)
            where, params = self._months_in(months)
            rows = self._all(
                "SELECT qualification_id, unit, CASE WHEN state = 'active' AND "  # noqa: S608
                f"expires_month < ? THEN 'expired' ELSE state END, SUM(n) "
                f"FROM {self._COUNTER_ROWS} c{where} GROUP BY 1, 2, 3",
                [current, *params],
            )
            for row in rows:
                add((row[0], bool(row[1]), row[2]), int(row[3]))
            # the month of now: its active credentials that have expired by now
            terms, params = self._awarded_terms(_opt_start(months[0]), _opt_start(months[1]))
            rows = self._all(
                "SELECT qualification_id, units <> '[]', COUNT(*) FROM credentials "  # noqa: S608
                "WHERE state = 'active' AND expires >= ? AND expires <= ?"  # credentials_expiring
                f"{''.join(' AND ' + term for term in terms)} GROUP BY 1, 2",
                [self._enc_dt(_month_start(current)), self._enc_dt(_utc(now)), *params],
            )
            for row in rows:
                add((row[0], bool(row[1]), "active"), -int(row[2]))
                add((row[0], bool(row[1]), "expired"), int(row[2]))
        for since_edge, until_edge in edges:
            edge = self.scan_count_credentials(now=now, since=since_edge, until=until_edge)
            for key, n in edge.items():
                add(key, n)
        return {key: n for key, n in tally.items() if n}

    def scan_count_credentials(
        self, *, now: datetime, since: datetime | None = None, until: datetime | None = None
    ) -> dict[tuple[str, bool, str], int]:
        """``count_credentials`` as one aggregate over the credentials awarded in the
        period (``credentials_awarded``: no row, no signed form, is read)."""
        clause, params = self._awarded_in(since, until)
        rows = self._all(
            "SELECT qualification_id, units <> '[]', CASE WHEN state = 'active' AND "  # noqa: S608
            "expires <= ? THEN 'expired' ELSE state END, COUNT(*) FROM credentials"
            f"{clause} GROUP BY 1, 2, 3",
            [self._enc_dt(_utc(now)), *params],
        )
        return {(row[0], bool(row[1]), row[2]): int(row[3]) for row in rows}

    _MONTH = "substr(awarded, 1, 7)"  # SQL of the UTC month ('YYYY-MM') of ``awarded``

    def count_awarded_by_month(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> dict[tuple[str, str], int]:
        """Credentials awarded in ``[since, until)`` by (qualification, UTC month).
        Equal to ``scan_count_awarded_by_month``; from the counters and bounded reads."""
        months, edges = _split_period(since, until)
        tally: dict[tuple[str, str], int] = {}
        if months is not None:
            where, params = self._months_in(months)
            rows = self._all(
                "SELECT qualification_id, awarded_month, SUM(n) "  # noqa: S608
                f"FROM {self._COUNTER_ROWS} c{where} GROUP BY 1, 2",
                params,
            )
            tally.update({(row[0], row[1]): int(row[2]) for row in rows})
        for edge in edges:
            for key, n in self.scan_count_awarded_by_month(since=edge[0], until=edge[1]).items():
                tally[key] = tally.get(key, 0) + n
        return {key: n for key, n in tally.items() if n}

    def scan_count_awarded_by_month(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> dict[tuple[str, str], int]:
        """``count_awarded_by_month`` as one aggregate over the credentials."""
        clause, params = self._awarded_in(since, until)
        rows = self._all(
            f"SELECT qualification_id, {self._MONTH}, COUNT(*) FROM credentials{clause} "  # noqa: S608
            "GROUP BY 1, 2",
            params,
        )
        return {(row[0], row[1]): int(row[2]) for row in rows}

    def expiring_between(self, start: datetime, end: datetime) -> list[CredentialSummary]:
        """Active credentials with ``start <= expires < end``, soonest first (then by id);
        without their signed forms."""
        rows = self._all(  # every column in credentials_expiring: an index-only scan
            "SELECT id, number, holder_name, qualification_id, units, awarded, expires "
            "FROM credentials WHERE state = 'active' AND expires >= ? AND expires < ? "
            "ORDER BY expires, id",
            (self._enc_dt(_utc(start)), self._enc_dt(_utc(end))),
        )
        return [
            CredentialSummary(
                id=row[0],
                number=row[1],
                holder_name=row[2],
                qualification_id=row[3],
                units=() if row[4] == "[]" else tuple(json.loads(row[4])),
                awarded=self._dec_dt(row[5]),
                expires=self._dec_dt(row[6]),
                state="active",
            )
            for row in rows
        ]

    # -- status lists ----------------------------------------------------------------------

    def open_list(
        self, purpose: str, *, body: str = "default", for_update: bool = True
    ) -> StatusListRecord | None:
        """``body``'s list of ``purpose`` that is not full, locked until commit when
        ``for_update``."""
        lock = self.for_update_clause if for_update and self.write else ""
        _text("body", body)
        row = self._one(
            _SELECT_LISTS + " WHERE purpose = ? AND body = ? AND NOT is_full" + lock,
            (_purpose(purpose), body),
        )
        return None if row is None else self._status_list(row)

    def open_list_ref(self, purpose: str, *, body: str = "default") -> tuple[str, int] | None:
        """``(id, size)`` of ``body``'s open list of ``purpose``, not locked: what an
        allocation needs, without the list's bits and signed form."""
        _text("body", body)
        row = self._one(
            "SELECT id, size FROM status_lists WHERE purpose = ? AND body = ? AND NOT is_full",
            (_purpose(purpose), body),
        )
        return None if row is None else (str(row[0]), int(row[1]))

    def create_list(self, record: StatusListRecord) -> None:
        """Insert a list. ``DuplicateError`` if the id exists; ``ConflictError`` if an open
        (not full) list of the same body and purpose exists (another writer rolled over)."""
        self._check_write()
        _text("id", record.id)
        _text("body", record.body)
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
                record.body,
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
        inserted = self._change(  # one round trip: issuers make two of these a credential
            "INSERT INTO allocations (list_id, idx, credential_id) SELECT id, ?, ? "
            "FROM status_lists WHERE id = ? AND ? < size ON CONFLICT DO NOTHING",
            (index, credential_id, list_id, index),
        )
        if inserted:
            return True
        row = self._one("SELECT size FROM status_lists WHERE id = ?", (list_id,))
        if row is None:
            raise NotFoundError(f"no status list {list_id!r}")
        if index >= int(row[0]):
            raise StoreError(f"index {index} is outside list {list_id!r} of {row[0]} bits")
        return False

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

    # -- principals and API keys ----------------------------------------------------------

    def put_principal(self, record: PrincipalRecord) -> None:
        """Insert a principal, or update its display name, roles and disabled time."""
        self._check_write()
        _text("principal id", record.id)
        _text("display name", record.display_name)
        exists = self._one("SELECT 1 FROM principals WHERE id = ?", (record.id,))
        if exists is None:
            self._change(
                "INSERT INTO principals (id, display_name, created_at, disabled_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    record.id,
                    record.display_name,
                    self._enc_dt(_utc(record.created_at)),
                    self._opt_dt(record.disabled_at),
                ),
            )
        else:
            self._change(
                "UPDATE principals SET display_name = ?, disabled_at = ? WHERE id = ?",
                (record.display_name, self._opt_dt(record.disabled_at), record.id),
            )
        self._change("DELETE FROM principal_roles WHERE principal_id = ?", (record.id,))
        for role in sorted(record.roles):
            _text("role", role)
            self._change(
                "INSERT INTO principal_roles (principal_id, role) VALUES (?, ?)", (record.id, role)
            )

    def _principal(self, row: Row) -> PrincipalRecord:
        roles = self._all(
            "SELECT role FROM principal_roles WHERE principal_id = ? ORDER BY role", (row[0],)
        )
        return PrincipalRecord(
            id=row[0],
            display_name=row[1],
            roles=frozenset(r[0] for r in roles),
            created_at=self._dec_dt(row[2]),
            disabled_at=self._dec_opt_dt(row[3]),
        )

    def get_principal(self, principal_id: str) -> PrincipalRecord | None:
        row = self._one(
            "SELECT id, display_name, created_at, disabled_at FROM principals WHERE id = ?",
            (principal_id,),
        )
        return None if row is None else self._principal(row)

    def principals(self) -> list[PrincipalRecord]:
        rows = self._all(
            "SELECT id, display_name, created_at, disabled_at FROM principals ORDER BY id"
        )
        return [self._principal(row) for row in rows]

    _API_KEY = "key_id, principal_id, key_hash, created_at, expires_at, revoked_at"

    def _api_key(self, row: Row) -> ApiKeyRecord:
        return ApiKeyRecord(
            key_id=row[0],
            principal_id=row[1],
            key_hash=row[2],
            created_at=self._dec_dt(row[3]),
            expires_at=self._dec_opt_dt(row[4]),
            revoked_at=self._dec_opt_dt(row[5]),
        )

    def add_api_key(self, record: ApiKeyRecord) -> None:
        """Store an API key; pass a hash of the key's secret, never the secret."""
        self._check_write()
        for name in ("key_id", "principal_id", "key_hash"):
            _text(name, getattr(record, name))
        if self._one("SELECT 1 FROM principals WHERE id = ?", (record.principal_id,)) is None:
            raise NotFoundError(f"no principal {record.principal_id!r}")
        inserted = self._change(
            f"INSERT INTO api_keys ({self._API_KEY}) "  # noqa: S608 - fixed column list
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                record.key_id,
                record.principal_id,
                record.key_hash,
                self._enc_dt(_utc(record.created_at)),
                self._opt_dt(record.expires_at),
                self._opt_dt(record.revoked_at),
            ),
        )
        if not inserted:
            raise DuplicateError(f"API key {record.key_id!r} already exists")

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        row = self._one(
            f"SELECT {self._API_KEY} FROM api_keys WHERE key_id = ?",  # noqa: S608
            (key_id,),
        )
        return None if row is None else self._api_key(row)

    def api_keys(self) -> list[ApiKeyRecord]:
        rows = self._all(
            f"SELECT {self._API_KEY} FROM api_keys ORDER BY created_at, key_id"  # noqa: S608
        )
        return [self._api_key(row) for row in rows]

    def revoke_api_key(self, key_id: str, at: datetime) -> None:
        self._check_write()
        changed = self._change(
            "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
            (self._enc_dt(_utc(at)), key_id),
        )
        if not changed:
            raise NotFoundError(f"no unrevoked API key {key_id!r}")

    # -- governance cases --------------------------------------------------------------------

    _CASE = "id, kind, type, subject, state, opened_at, due_at, closed_at, data, version"

    def _case(self, row: Row) -> CaseRecord:
        return CaseRecord(
            id=row[0],
            kind=row[1],
            type=row[2],
            subject=row[3],
            state=row[4],
            opened_at=self._dec_dt(row[5]),
            due_at=self._dec_opt_dt(row[6]),
            closed_at=self._dec_opt_dt(row[7]),
            data=json.loads(row[8]),
            version=int(row[9]),
        )

    def insert_case(self, record: CaseRecord) -> None:
        self._check_write()
        for name in ("id", "kind", "type", "state"):
            _text(name, getattr(record, name))
        inserted = self._change(
            f"INSERT INTO cases ({self._CASE}) "  # noqa: S608 - fixed column list
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                record.id,
                record.kind,
                record.type,
                record.subject,
                record.state,
                self._enc_dt(_utc(record.opened_at)),
                self._opt_dt(record.due_at),
                self._opt_dt(record.closed_at),
                canonical_details(record.data),
                record.version,
            ),
        )
        if not inserted:
            raise DuplicateError(f"case {record.id!r} already exists")

    def get_case(self, case_id: str, *, for_update: bool = False) -> CaseRecord | None:
        lock = self.for_update_clause if for_update and self.write else ""
        row = self._one(
            f"SELECT {self._CASE} FROM cases WHERE id = ?{lock}",  # noqa: S608
            (case_id,),
        )
        return None if row is None else self._case(row)

    def update_case(
        self,
        case_id: str,
        *,
        version: int,
        state: str,
        data: Mapping[str, Any],
        closed_at: datetime | None = None,
    ) -> None:
        self._check_write()
        _text("state", state)
        changed = self._change(
            "UPDATE cases SET state = ?, data = ?, closed_at = ?, version = ? "
            "WHERE id = ? AND version = ?",
            (
                state,
                canonical_details(data),
                self._opt_dt(closed_at),
                version + 1,
                case_id,
                version,
            ),
        )
        if not changed:
            if self._one("SELECT 1 FROM cases WHERE id = ?", (case_id,)) is None:
                raise NotFoundError(f"no case {case_id!r}")
            raise ConflictError(f"case {case_id!r} changed concurrently")

    def cases(
        self, *, kind: str | None = None, state: str | None = None, subject: str | None = None
    ) -> list[CaseRecord]:
        clauses, params = [], []
        for column, value in (("kind", kind), ("state", state), ("subject", subject)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._all(
            f"SELECT {self._CASE} FROM cases{where} ORDER BY opened_at, id",  # noqa: S608
            params,
        )
        return [self._case(row) for row in rows]

    def add_vote(self, case_id: str, principal_id: str, at: datetime, note: str) -> None:
        """``DuplicateError`` if the principal already voted on this case: one counts once."""
        self._check_write()
        if not isinstance(note, str):
            raise StoreError("a vote's note must be text")
        inserted = self._change(
            "INSERT INTO case_votes (case_id, principal_id, at, note) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (case_id, principal_id, self._enc_dt(_utc(at)), note),
        )
        if not inserted:
            raise DuplicateError(f"{principal_id!r} already approved case {case_id!r}")

    def votes(self, case_id: str) -> list[Vote]:
        rows = self._all(
            "SELECT principal_id, at, note FROM case_votes WHERE case_id = ? "
            "ORDER BY at, principal_id",
            (case_id,),
        )
        return [Vote(row[0], self._dec_dt(row[1]), row[2]) for row in rows]

    # -- holder binding and wallet delivery ----------------------------------------------

    def bind_holder(self, credential_id: str, *, holder_id: str, signed_json: str) -> None:
        """The credential re-signed for its holder's DID (same id, same status entries)."""
        self._check_write()
        _text("holder_id", holder_id)
        if not isinstance(signed_json, str) or not signed_json:
            raise StoreError("signed_json must be text")
        changed = self._change(
            "UPDATE credentials SET holder_id = ?, signed_json = ? WHERE id = ?",
            (holder_id, signed_json, credential_id),
        )
        if not changed:
            raise NotFoundError(f"no credential {credential_id!r}")

    _SESSION = "id, kind, credential_id, state, created_at, expires_at, data, version"

    def _session(self, row: Row) -> WalletSessionRecord:
        return WalletSessionRecord(
            id=row[0],
            kind=row[1],
            credential_id=row[2],
            state=row[3],
            created_at=self._dec_dt(row[4]),
            expires_at=self._dec_dt(row[5]),
            data=json.loads(row[6]),
            version=int(row[7]),
        )

    def insert_wallet_session(self, record: WalletSessionRecord) -> None:
        self._check_write()
        for name in ("id", "kind", "credential_id", "state"):
            _text(name, getattr(record, name))
        inserted = self._change(
            f"INSERT INTO wallet_sessions ({self._SESSION}) "  # noqa: S608 - fixed columns
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                record.id,
                record.kind,
                record.credential_id,
                record.state,
                self._enc_dt(_utc(record.created_at)),
                self._enc_dt(_utc(record.expires_at)),
                canonical_details(record.data),
                record.version,
            ),
        )
        if not inserted:
            raise DuplicateError(f"wallet session {record.id!r} already exists")

    def get_wallet_session(
        self, session_id: str, *, for_update: bool = False
    ) -> WalletSessionRecord | None:
        lock = self.for_update_clause if for_update and self.write else ""
        row = self._one(
            f"SELECT {self._SESSION} FROM wallet_sessions WHERE id = ?{lock}",  # noqa: S608
            (session_id,),
        )
        return None if row is None else self._session(row)

    def update_wallet_session(
        self, session_id: str, *, version: int, state: str, data: Mapping[str, Any]
    ) -> None:
        self._check_write()
        _text("state", state)
        changed = self._change(
            "UPDATE wallet_sessions SET state = ?, data = ?, version = ? "
            "WHERE id = ? AND version = ?",
            (state, canonical_details(data), version + 1, session_id, version),
        )
        if not changed:
            if self._one("SELECT 1 FROM wallet_sessions WHERE id = ?", (session_id,)) is None:
                raise NotFoundError(f"no wallet session {session_id!r}")
            raise ConflictError(f"wallet session {session_id!r} changed concurrently")

    def wallet_sessions(self, credential_id: str) -> list[WalletSessionRecord]:
        rows = self._all(
            f"SELECT {self._SESSION} FROM wallet_sessions "  # noqa: S608
            "WHERE credential_id = ? ORDER BY created_at, id",
            (credential_id,),
        )
        return [self._session(row) for row in rows]

    def add_nonce(self, nonce: str, expires_at: datetime) -> None:
        self._check_write()
        _text("nonce", nonce)
        if not self._change(
            "INSERT INTO wallet_nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (nonce, self._enc_dt(_utc(expires_at))),
        ):
            raise DuplicateError("nonce already issued")

    def use_nonce(self, nonce: str, now: datetime) -> bool:
        """Consume ``nonce``: True once if it was issued and has not expired, then never."""
        self._check_write()
        moment = self._enc_dt(_utc(now))
        self._change("DELETE FROM wallet_nonces WHERE expires_at <= ?", (moment,))
        return bool(
            self._change(
                "DELETE FROM wallet_nonces WHERE nonce = ? AND expires_at > ?", (nonce, moment)
            )
        )

    # -- notices: outbox and deliveries -------------------------------------------------

    _EVENT = "id, kind, credential_id, at, data, dispatched_at"
    _DELIVERY = "event_id, recipient, state, attempts, next_at, last_error, done_at"

    def _event(self, row: Row) -> EventRecord:
        return EventRecord(
            id=row[0],
            kind=row[1],
            credential_id=row[2],
            at=self._dec_dt(row[3]),
            data=json.loads(row[4]),
            dispatched_at=self._dec_opt_dt(row[5]),
        )

    def _delivery(self, row: Row) -> DeliveryRecord:
        return DeliveryRecord(
            event_id=row[0],
            recipient=row[1],
            state=row[2],
            attempts=int(row[3]),
            next_at=self._dec_dt(row[4]),
            last_error=row[5],
            done_at=self._dec_opt_dt(row[6]),
        )

    def add_event(self, record: EventRecord) -> bool:
        """Write one event; ``False`` (and no change) when its id is already there."""
        self._check_write()
        _text("id", record.id)
        _text("kind", record.kind)
        _text("credential_id", record.credential_id, optional=True)
        return bool(
            self._change(
                f"INSERT INTO outbox ({self._EVENT}) "  # noqa: S608 - fixed column list
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    record.id,
                    record.kind,
                    record.credential_id,
                    self._enc_dt(_utc(record.at)),
                    canonical_details(record.data),
                    self._opt_dt(record.dispatched_at),
                ),
            )
        )

    def get_event(self, event_id: str) -> EventRecord | None:
        row = self._one(
            f"SELECT {self._EVENT} FROM outbox WHERE id = ?",  # noqa: S608
            (event_id,),
        )
        return None if row is None else self._event(row)

    def events(
        self, *, credential_id: str | None = None, undispatched: bool = False, limit: int = 0
    ) -> list[EventRecord]:
        """Events, oldest first: of one credential, or those not yet dispatched."""
        where: list[str] = []
        params: list[Any] = []
        if credential_id is not None:
            where.append("credential_id = ?")
            params.append(credential_id)
        if undispatched:
            where.append("dispatched_at IS NULL")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        bound = f" LIMIT {_index('limit', limit)}" if limit else ""
        rows = self._all(
            f"SELECT {self._EVENT} FROM outbox{clause} ORDER BY seq{bound}",  # noqa: S608
            params,
        )
        return [self._event(row) for row in rows]

    def mark_dispatched(self, event_id: str, at: datetime) -> None:
        self._check_write()
        changed = self._change(
            "UPDATE outbox SET dispatched_at = ? WHERE id = ? AND dispatched_at IS NULL",
            (self._enc_dt(_utc(at)), event_id),
        )
        if not changed:
            raise ConflictError(f"event {event_id!r} was dispatched concurrently")

    def add_delivery(self, record: DeliveryRecord) -> bool:
        """Add one delivery; ``False`` when (event, recipient) is already there."""
        self._check_write()
        _text("recipient", record.recipient)
        if record.state not in DELIVERY_STATES:
            raise StoreError(f"unknown delivery state {record.state!r}")
        return bool(
            self._change(
                f"INSERT INTO deliveries ({self._DELIVERY}) "  # noqa: S608 - fixed columns
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    record.event_id,
                    record.recipient,
                    record.state,
                    _index("attempts", record.attempts),
                    self._enc_dt(_utc(record.next_at)),
                    record.last_error,
                    self._opt_dt(record.done_at),
                ),
            )
        )

    def deliveries(
        self,
        *,
        event_id: str | None = None,
        state: str | None = None,
        due_before: datetime | None = None,
        limit: int = 0,
    ) -> list[DeliveryRecord]:
        """Deliveries by ``next_at``, then in the order of their events; ``due_before``:
        the pending ones due at or before it."""
        where: list[str] = []
        params: list[Any] = []
        if event_id is not None:
            where.append("d.event_id = ?")
            params.append(event_id)
        if state is not None:
            where.append("d.state = ?")
            params.append(state)
        if due_before is not None:
            where.append("d.state = 'pending' AND d.next_at <= ?")
            params.append(self._enc_dt(_utc(due_before)))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        bound = f" LIMIT {_index('limit', limit)}" if limit else ""
        columns = ", ".join(f"d.{name.strip()}" for name in self._DELIVERY.split(","))
        rows = self._all(
            f"SELECT {columns} FROM deliveries d JOIN outbox o ON o.id = d.event_id"  # noqa: S608
            f"{clause} ORDER BY d.next_at, o.seq, d.recipient{bound}",
            params,
        )
        return [self._delivery(row) for row in rows]

    def update_delivery(self, record: DeliveryRecord, *, attempts_was: int) -> None:
        """Store ``record``'s state if the row still has ``attempts_was`` attempts: a worker
        claims a delivery by counting its attempt, so two workers cannot both claim it."""
        self._check_write()
        if record.state not in DELIVERY_STATES:
            raise StoreError(f"unknown delivery state {record.state!r}")
        changed = self._change(
            "UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, last_error = ?, "
            "done_at = ? WHERE event_id = ? AND recipient = ? AND attempts = ?",
            (
                record.state,
                _index("attempts", record.attempts),
                self._enc_dt(_utc(record.next_at)),
                record.last_error,
                self._opt_dt(record.done_at),
                record.event_id,
                record.recipient,
                attempts_was,
            ),
        )
        if not changed:
            raise ConflictError(
                f"delivery of {record.event_id} to {record.recipient} changed concurrently"
            )

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
        if self._head is None:
            head = self._one(_SELECT_HEAD + self.for_update_clause)
            if head is None:
                raise StoreError("the audit head row is missing")
            self._head = int(head[0]), str(head[1])
        seq, prev_hash = self._head[0] + 1, self._head[1]
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
        self._head = seq, digest
        return AuditEntry(seq, at, actor, action, credential_id, stored_details, prev_hash, digest)

    def audit_entries(self, *, after: int = 0) -> list[AuditEntry]:
        """The entries with ``seq > after``, in order (all of them by default)."""
        rows = self._all(_SELECT_AUDIT + " WHERE seq > ? ORDER BY seq", (_index("after", after),))
        return [self._audit(row) for row in rows]

    def audit_for(self, credential_id: str) -> list[AuditEntry]:
        """The entries about one credential, in order (an index serves this)."""
        rows = self._all(_SELECT_AUDIT + " WHERE credential_id = ? ORDER BY seq", (credential_id,))
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

    def audit_state(self) -> tuple[int, str]:
        """``(seq, digest)``: the digest of the log's state after entry ``seq``, as the
        issuer last recorded it (``(0, '')`` before it recorded any); its starting point
        for the state digest of the next checkpoint (``issuer.replay.state_digest``)."""
        row = self._one("SELECT seq, digest FROM audit_state WHERE id = 1")
        return (0, "") if row is None else (int(row[0]), str(row[1]))

    def save_audit_state(self, seq: int, digest: str) -> None:
        """Record ``digest`` as the state after entry ``seq`` unless a later one is there."""
        _text("digest", digest)
        self._change(
            "UPDATE audit_state SET seq = ?, digest = ? WHERE id = 1 AND seq < ?",
            (_index("seq", seq), digest, seq),
        )

    def state_sum(self) -> int:
        """The sum, mod ``2**STATE_BITS``, of ``audit.state_element`` over every stored
        credential: its row (id, state, both status indices, the SHA-256 of its signed
        form) and its two bits in the store's lists (``-`` for a list or an index that is
        not there). What the audit check sets against the state digest the log replays
        to, without loading a record. Here one narrow pass in Python; PostgreSQL computes
        it in SQL."""
        self._check_active()
        rows = self._all("SELECT id, bits FROM status_lists")
        lists = {str(list_id): bytes(bits) for list_id, bits in rows}

        def bit(list_id: str, index: int) -> bool | None:
            bits = lists.get(list_id)
            if bits is None or not 0 <= index < len(bits) * 8:
                return None
            return bool(bits[index >> 3] & (0x80 >> (index & 7)))

        total = 0
        cursor = self._execute(
            "SELECT id, state, revocation_list, revocation_index, suspension_list, "
            "suspension_index, signed_json FROM credentials"
        )
        sha256 = hashlib.sha256
        while rows := cursor.fetchmany(5000):
            for cid, state, rl, ri, sl, si, signed in rows:
                total += state_element(
                    cid, state, (rl, ri), bit(rl, ri), (sl, si), bit(sl, si),
                    sha256(signed.encode()).hexdigest(),
                )  # fmt: skip
        return total % (1 << STATE_BITS)


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
