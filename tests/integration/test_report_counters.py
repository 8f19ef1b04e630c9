"""The counters behind the reports (migration 14: ``credential_counts``, kept by triggers)
answer exactly what the plain aggregates over the credentials answer
(``scan_count_credentials``, ``scan_count_awarded_by_month``) and what the reports over
every record answer (``reports.counts``, ``issued_by_month``), on both stores:

* after random inserts, state changes, erasures, and raw SQL that moves award and expiry
  dates or deletes rows behind the store's back (hypothesis, the store kept across
  examples, so the sequences add up);
* for periods and "now" on every boundary the split compares (a month's first and last
  microsecond, other time zones, a period inside one month);
* after a bulk INSERT ... SELECT in a session with ``session_replication_role = replica``
  (the bench builder's), and after PostgreSQL's writers have folded their changes, some of
  them concurrently;
* after migration 14 on a store that already held credentials (the back-fill).
"""

from __future__ import annotations

import itertools
import json
import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import Backend
from tests.integration.test_reports_aggregates import (
    LISTS,
    NOW,
    QUALIFICATIONS,
    SIZE,
    ZONES,
    random_store,
)
from vcissue.issuer.reports import counts, counts_report, issued_by_month, issued_report
from vcissue.store import CREDENTIAL_STATES, CredentialRecord, StatusListRecord, Store, Tx
from vcissue.store.audit import iso_utc
from vcissue.store.migrations import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from vcissue.store.sql import SqlTx

MONTH = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)  # NOW's month starts
BOUNDARIES = (
    NOW,
    NOW + timedelta(microseconds=1),
    MONTH,
    MONTH - timedelta(microseconds=1),
    MONTH + timedelta(microseconds=1),
    MONTH + timedelta(hours=5),  # inside a month's first day
    MONTH + timedelta(days=31),  # the next month starts
    MONTH - timedelta(days=28),  # the month before starts (February)
    datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),
)
moments = st.one_of(
    st.sampled_from(BOUNDARIES),
    st.builds(
        lambda moment, zone: moment.astimezone(zone),
        st.sampled_from(BOUNDARIES) | st.datetimes(
            min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
        ),
        st.sampled_from(ZONES),
    ),
)  # fmt: skip
STATES = sorted(CREDENTIAL_STATES)
inserts = st.tuples(
    st.just("insert"),
    st.sampled_from(("ecomentor", "pilot", "retired")),
    st.sampled_from(((), ("U1",))),
    moments,
    moments,
    st.sampled_from(["active", "active", *STATES]),
)
operations = st.lists(
    st.one_of(
        inserts,
        inserts,
        inserts,
        st.tuples(st.just("state"), st.integers(0, 10**6), st.sampled_from(STATES)),
        st.tuples(st.just("erase"), st.integers(0, 10**6)),
        st.tuples(st.just("move"), st.integers(0, 10**6), moments, moments),
        st.tuples(st.just("delete"), st.integers(0, 10**6)),
    ),
    min_size=4,
    max_size=30,
)
periods = st.lists(
    st.tuples(moments, st.none() | moments, st.none() | moments), min_size=1, max_size=4
)


def _lists(tx: Tx) -> None:
    for purpose, list_id in LISTS.items():
        tx.create_list(StatusListRecord(list_id, purpose, SIZE, bytes(SIZE // 8), 0, False,
                                        None, None, NOW))  # fmt: skip


def _record(credential_id: str, index: int, op: tuple[Any, ...]) -> CredentialRecord:
    _, qualification, units, awarded, expires, state = op
    return CredentialRecord(
        id=credential_id, holder_name=f"Holder {index}", holder_id=None,
        qualification_id=qualification, units=units, awarded=awarded, expires=expires,
        state=state, revocation_list=LISTS["revocation"], revocation_index=index,
        suspension_list=LISTS["suspension"], suspension_index=index, previous_id=None,
        batch_key=None, signed_json=json.dumps({"id": credential_id}), created_at=NOW,
    )  # fmt: skip


def _insert(tx: Tx, credential_id: str, index: int, op: tuple[Any, ...]) -> None:
    for list_id in LISTS.values():
        assert tx.allocate_index(list_id, index, credential_id)
    tx.insert_credential(_record(credential_id, index, op))


def _stored(backend: Backend, moment: datetime) -> Any:
    return iso_utc(moment) if backend.name == "sqlite" else moment


def assert_counters_exact(store: Store, checks: list[tuple[Any, Any, Any]]) -> int:
    """Counters = plain aggregate = the reports over every record, for each (now, since,
    until) (a reversed period is swapped); the number of credentials."""
    records = store.read(lambda tx: tx.list_credentials())
    for now, since, until in checks:
        if since is not None and until is not None and until < since:
            since, until = until, since

        def read(tx: Tx, now: Any = now, since: Any = since, until: Any = until) -> Any:
            assert isinstance(tx, SqlTx)
            return (
                tx.count_credentials(now=now, since=since, until=until),
                tx.scan_count_credentials(now=now, since=since, until=until),
                tx.count_awarded_by_month(since=since, until=until),
                tx.scan_count_awarded_by_month(since=since, until=until),
            )

        tally, scanned, months, months_scanned = store.read(read)
        assert tally == scanned
        assert months == months_scanned
        period = {"since": since, "until": until}
        assert counts_report(tally, QUALIFICATIONS, now=now, **period) == counts(
            records, QUALIFICATIONS, now=now, **period
        )
        assert issued_report(months, QUALIFICATIONS, now=now, **period) == issued_by_month(
            records, QUALIFICATIONS, now=now, **period
        )
    by_state = Counter((r.qualification_id, r.state) for r in records)
    assert store.read(lambda tx: tx.count_by_qualification_and_state()) == dict(by_state)
    return len(records)


def test_counters_equal_the_aggregates_after_any_changes(backend: Backend) -> None:
    store = backend.open()
    store.run(_lists)
    indices = itertools.count()
    alive: list[str] = []  # credential ids in the store, in insertion order

    def grid(tx: Tx) -> None:  # a credential awarded and expiring at each pair of boundaries
        for n, (awarded, expires) in enumerate(itertools.product(BOUNDARIES, BOUNDARIES)):
            index = next(indices)
            op = ("insert", ("ecomentor", "pilot")[n % 2], ((), ("U1",))[n % 3 == 0], awarded,
                  expires, ("active", "active", "revoked")[n % 3])  # fmt: skip
            _insert(tx, f"urn:uuid:{index:032x}", index, op)
            alive.append(f"urn:uuid:{index:032x}")

    store.run(grid)

    @settings(max_examples=50, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])  # fmt: skip
    @given(ops=operations, checks=periods)
    def run(ops: list[tuple[Any, ...]], checks: list[tuple[Any, Any, Any]]) -> None:
        def apply(tx: Tx) -> None:
            for op in ops:
                if op[0] == "insert":
                    index = next(indices)
                    credential_id = f"urn:uuid:{index:032x}"
                    _insert(tx, credential_id, index, op)
                    alive.append(credential_id)
                elif op[0] == "state" and alive:
                    tx.update_credential(alive[op[1] % len(alive)], state=op[2])
                elif op[0] == "erase" and alive:
                    tx.erase_credential(alive[op[1] % len(alive)], holder_name="(erased)",
                                        signed_json="{}", terms={})  # fmt: skip

        store.run(apply)
        for op in ops:  # raw SQL, each its own transaction on another connection
            if op[0] == "move" and alive:
                backend.raw(
                    "UPDATE credentials SET awarded = ?, expires = ? WHERE id = ?",
                    (_stored(backend, op[2]), _stored(backend, op[3]), alive[op[1] % len(alive)]),
                )
            elif op[0] == "delete" and alive:
                backend.raw("DELETE FROM credentials WHERE id = ?",
                            (alive.pop(op[1] % len(alive)),))  # fmt: skip
        assert assert_counters_exact(store, checks) == len(alive)

    run()
    assert next(indices) > len(BOUNDARIES) ** 2 + 40  # the examples added to the grid
    # and every period between two boundaries, as of three moments around a month's start
    ends = (None, *BOUNDARIES)
    assert_counters_exact(store, [
        (now, since, until)
        for now in (NOW, MONTH - timedelta(microseconds=1), MONTH + timedelta(hours=5))
        for since, until in itertools.product(ends, ends)
    ])  # fmt: skip


def test_a_bulk_load_without_foreign_key_checks_is_counted(backend: Backend) -> None:
    """The bench builder's way: one INSERT ... SELECT of many rows, on PostgreSQL in a
    session with session_replication_role = replica (no foreign-key triggers; the
    counters' triggers are ALWAYS ones)."""
    store = backend.open()
    random_store(store, 7, 60)
    template = backend.raw("SELECT id FROM credentials ORDER BY id LIMIT 1")[0][0]
    columns = [
        "holder_name", "holder_id", "qualification_id", "units", "state", "revocation_list",
        "revocation_index", "suspension_list", "suspension_index", "signed_json", "created_at",
        "terms",
    ]  # fmt: skip
    if backend.name == "sqlite":
        text = "strftime('%Y-%m-%dT%H:%M:%S.000000Z', '{}', (n * {}) || ' days')"  # the store's
        spread = (text.format("2026-03-31T12:00:00", 7), text.format("2024-01-15", 11))
        numbers = "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 700)"
        ids = "'bulk-' || n"
        backend.raw(
            f"{numbers} INSERT INTO credentials (id, awarded, expires, {', '.join(columns)}) "
            f"SELECT {ids}, {spread[0]}, {spread[1]}, {', '.join(columns)} "
            "FROM g, credentials WHERE credentials.id = ?",
            (template,),
        )
    else:
        import psycopg
        from psycopg import sql as pgsql

        from tests.integration.conftest import POSTGRES_URL

        with psycopg.connect(POSTGRES_URL) as conn:
            conn.execute(pgsql.SQL("SET search_path TO {}").format(
                pgsql.Identifier(backend.pg_schema or "")))  # fmt: skip
            conn.execute("SET session_replication_role = replica")
            conn.execute(
                f"INSERT INTO credentials (id, awarded, expires, {', '.join(columns)}) "
                "SELECT 'bulk-' || n, timestamptz '2026-03-31 12:00Z' + n * interval '7 days', "
                "timestamptz '2024-01-15Z' + n * interval '11 days', "
                f"{', '.join(columns)} FROM generate_series(1, 700) AS g(n), credentials "
                "WHERE credentials.id = %s",
                (template,),
            )
    rng = random.Random(3)
    checks = [(NOW, None, None), (NOW + timedelta(days=400), None, None)] + [
        (NOW + timedelta(days=rng.randint(-900, 900)), *sorted(
            NOW + timedelta(days=rng.randint(-900, 900), seconds=rng.randint(0, 86399))
            for _ in range(2)))
        for _ in range(6)
    ]  # fmt: skip
    assert assert_counters_exact(store, checks) == 760


def test_folds_keep_postgresql_counts_exact_under_concurrent_writers(backend: Backend) -> None:
    """Four connections insert and change credentials at once (thousands of changes, so
    the writers fold them into credential_counts many times, each fold by whichever writer
    gets the lock): no writer fails, the counts stay exact and the unfolded changes stay
    few. On SQLite the writers take turns; the counts are checked all the same."""
    first = backend.open()
    first.run(_lists)
    stores = [first] + [backend.open() for _ in range(3)]
    errors: list[BaseException] = []
    per_writer = 150

    def writer(number: int, store: Store) -> None:
        rng = random.Random(number)
        try:
            for n in range(per_writer):
                index = number * per_writer + n
                op = ("insert", rng.choice(("ecomentor", "pilot")), rng.choice(((), ("U1",))),
                      NOW - timedelta(days=rng.randint(0, 400)),
                      NOW + timedelta(days=rng.randint(-200, 200)), "active")  # fmt: skip
                credential_id = f"urn:uuid:{index:032x}"
                store.run(lambda tx, i=index, c=credential_id, o=op: _insert(tx, c, i, o))
                for state in ("suspended", "active", rng.choice(STATES)):
                    store.run(lambda tx, c=credential_id, s=state: tx.update_credential(c, state=s))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n, s)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    checks = [(NOW, None, None), (NOW, NOW - timedelta(days=200, hours=5), NOW)]
    assert assert_counters_exact(first, checks) == 4 * per_writer
    if backend.name == "postgresql":
        # 4 x 150 x (1 insert + 3 updates of 2 changes each) = 4,200 changes in all
        unfolded = backend.raw("SELECT count(*) FROM credential_count_changes")[0][0]
        assert unfolded < 2100  # about 512 at most unless a fold was skipped
        assert backend.raw("SELECT count(*) FROM credential_counts")[0][0] > 0


def test_migration_14_back_fills_the_counters_of_an_existing_store(backend: Backend) -> None:
    known = SQLITE_MIGRATIONS if backend.name == "sqlite" else POSTGRES_MIGRATIONS
    old = backend.open_with(known[:13])
    random_store(old, 11, 300)
    changed = backend.raw("SELECT id FROM credentials ORDER BY id LIMIT 40")
    old.run(lambda tx: [tx.update_credential(row[0], state="revoked") for row in changed])
    old.close()
    store = backend.open_with(known)
    assert store.schema_version() == 14
    rows = backend.raw(
        "SELECT qualification_id, unit, state, awarded_month, expires_month, n "
        "FROM credential_counts WHERE n <> 0"
    )
    records = store.read(lambda tx: tx.list_credentials())

    def month(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m")

    expected = Counter(
        (r.qualification_id, bool(r.units), r.state, month(r.awarded),
         month(r.expires) if r.state == "active" else "")
        for r in records
    )  # fmt: skip
    assert {(q, bool(u), s, a, e): n for q, u, s, a, e, n in rows} == dict(expected)
    assert sum(expected.values()) == 300
    rng = random.Random(5)
    checks = [(NOW, None, None)] + [
        (NOW + timedelta(days=rng.randint(-2000, 2000)), *sorted(
            NOW + timedelta(days=rng.randint(-2000, 2000), microseconds=rng.randint(0, 10**6))
            for _ in range(2)))
        for _ in range(8)
    ]  # fmt: skip
    assert assert_counters_exact(store, checks) == 300
