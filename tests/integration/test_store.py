"""The store on real databases: SQLite always, PostgreSQL when VCISSUE_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import random
import signal
import threading
import time
import traceback
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from vcissue.errors import StoreError
from vcissue.store import (
    GENESIS_HASH,
    AuditEntry,
    ConflictError,
    CredentialRecord,
    DuplicateError,
    NotFoundError,
    SchemaVersionError,
    StatusListRecord,
    Store,
    Tx,
    open_store,
    verify_audit_chain,
)
from vcissue.store.migrations import (
    POSTGRES_MIGRATIONS,
    SQLITE_MIGRATIONS,
    Migration,
    pending_migrations,
)
from vcissue.store.records import ApiKeyRecord, CaseRecord, PrincipalRecord, Vote

from .conftest import Backend

NOW = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
CEST = timezone(timedelta(hours=2))
SIZE = 16384  # bits; small enough that random draws collide now and then
REV = "https://certs.example/status/revocation/1"
SUS = "https://certs.example/status/suspension/1"
DAY = timedelta(days=1)
PRINCIPAL = PrincipalRecord("registry system", "Registry System", frozenset({"issuer"}), NOW)
VOTERS = [PrincipalRecord(n, n, frozenset({"approver"}), NOW) for n in ("alice", "bob")]
CASE = CaseRecord(
    "case-1",
    "decision",
    "revoke",
    "urn:uuid:full",
    "pending",
    NOW,
    {"reason": "fraud", "requestedBy": "alice", "holder": "Zoë"},
    due_at=NOW + 14 * DAY,
)


def status_list(
    list_id: str = REV, purpose: str = "revocation", **changes: Any
) -> StatusListRecord:
    record = StatusListRecord(
        id=list_id,
        purpose=purpose,
        size=SIZE,
        bits=bytes(SIZE // 8),
        version=0,
        full=False,
        published_json=None,
        published_at=None,
        created_at=NOW,
    )
    return replace(record, **changes)


def credential(cid: str, rev_index: int, sus_index: int, **changes: Any) -> CredentialRecord:
    record = CredentialRecord(
        id=cid,
        holder_name="Ada Lovelace",
        holder_id="did:example:ada",
        qualification_id="https://certs.example/q/ecomentor",
        units=(),
        awarded=NOW,
        expires=NOW + timedelta(days=3 * 365),
        state="active",
        revocation_list=REV,
        revocation_index=rev_index,
        suspension_list=SUS,
        suspension_index=sus_index,
        previous_id=None,
        batch_key=None,
        signed_json=json.dumps({"id": cid}),
        created_at=NOW,
    )
    return replace(record, **changes)


def create_lists(tx: Tx) -> None:
    tx.create_list(status_list())
    tx.create_list(status_list(SUS, "suspension"))


def issue(tx: Tx, cid: str, rev_index: int, sus_index: int, **changes: Any) -> CredentialRecord:
    record = credential(cid, rev_index, sus_index, **changes)
    assert tx.allocate_index(record.revocation_list, rev_index, cid)
    assert tx.allocate_index(record.suspension_list, sus_index, cid)
    tx.insert_credential(record)
    return record


def append(tx: Tx, n: int, *, actor: str = "officer@certs.example") -> list[AuditEntry]:
    return [
        tx.append_audit(
            actor=actor,
            action="issue",
            credential_id=f"urn:uuid:{i}",
            details={"n": i, "reason": "passed", "units": ["U1", "U2"], "note": "Überprüft"},
            at=NOW + timedelta(seconds=i),
        )
        for i in range(n)
    ]


@pytest.fixture
def with_lists(store: Store) -> Store:
    store.run(create_lists)
    return store


# ----------------------------------------------------------------------------- opening


@pytest.mark.parametrize(
    "url",
    ["mysql://db/x", "sqlite://relative.db", "sqlite:///", "", "file:///tmp/x.db", "vcissue"],
)
def test_unknown_or_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(StoreError):
        open_store(url)


def test_sqlite_url_options(tmp_path: Any) -> None:
    with pytest.raises(StoreError, match="unknown SQLite URL options"):
        open_store(f"sqlite:///{tmp_path}/a.db?journal=off")
    with pytest.raises(StoreError, match="synchronous"):
        open_store(f"sqlite:///{tmp_path}/a.db?synchronous=sometimes")
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path}/missing-dir/a.db")
    store = open_store(
        f"sqlite:///{tmp_path}/a.db?synchronous=normal&busy_timeout_ms=500", create=True
    )
    store.close()
    memory = open_store("sqlite:///:memory:")
    assert memory.schema_version() == SQLITE_MIGRATIONS[-1].version
    memory.close()


def test_a_store_is_never_created_implicitly(backend: Backend, tmp_path: Any) -> None:
    """Only create=True (``vcissue init``) makes a store; otherwise nothing is left behind."""
    if backend.name == "sqlite":
        missing = tmp_path / "typo.db"
        with pytest.raises(StoreError, match="vcissue init"):
            open_store(f"sqlite:///{missing}")
        assert not missing.exists()
        missing.touch()  # an empty file is no store either
        with pytest.raises(StoreError, match="vcissue init"):
            open_store(f"sqlite:///{missing}")
        assert missing.stat().st_size == 0
    else:
        empty_schema = f"{backend.pg_schema}_absent"
        with pytest.raises(StoreError, match="vcissue init"):
            open_store(backend.url, pg_schema=empty_schema)
        store = open_store(backend.url, pg_schema=empty_schema, create=True)  # then it exists
        store.close()
        reopened = open_store(backend.url, pg_schema=empty_schema)
        assert reopened.schema_version() >= 1
        reopened.close()
        import psycopg

        with psycopg.connect(backend.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{empty_schema}" CASCADE')


def test_postgres_schema_name_is_checked() -> None:
    pytest.importorskip("psycopg")
    from vcissue.store.postgres import split_url

    assert split_url("postgresql://u@h/db?schema=abc&sslmode=disable") == (
        "postgresql://u@h/db?sslmode=disable",
        "abc",
    )
    assert split_url("postgresql://u@h/db?schema=abc", "xyz")[1] == "xyz"
    assert split_url("postgresql://u@h/db")[1] == "vcissue"
    with pytest.raises(StoreError):
        split_url("postgresql://u@h/db", 'x"; DROP TABLE y; --')


def test_sqlite_pragmas(backend: Backend, store: Store) -> None:
    if backend.name != "sqlite":
        pytest.skip("SQLite only")
    assert backend.raw("PRAGMA journal_mode") == [("wal",)]
    conn = store._conn  # type: ignore[attr-defined]
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert conn.execute("PRAGMA busy_timeout").fetchone() == (10_000,)
    assert conn.execute("PRAGMA cache_size").fetchone() == (-65_536,)  # KiB


# ----------------------------------------------------------------------------- round trips


def test_round_trip_of_every_record_type(with_lists: Store) -> None:
    store = with_lists
    full = credential(
        "urn:uuid:full",
        7,
        9,
        units=("U1", "U3"),
        awarded=datetime(2024, 6, 1, 10, 0, 0, 1, tzinfo=CEST),
        previous_id="urn:uuid:older",
        batch_key="batch-2025-03:row-17",
        suspended_until=NOW + timedelta(days=30),
        state="suspended",
        state_reason="complaint under investigation",
        holder_name="Zoë Ünal-O'Brien",
    )
    plain = credential("urn:uuid:plain", 8, 10, holder_id=None)

    def write(tx: Tx) -> None:
        for record in (full, plain):
            assert tx.allocate_index(REV, record.revocation_index, record.id)
            assert tx.allocate_index(SUS, record.suspension_index, record.id)
            tx.insert_credential(record)
        for record in (PRINCIPAL, *VOTERS):
            tx.put_principal(record)
        tx.add_api_key(ApiKeyRecord("k1", "registry system", "sha256:abcd", NOW, NOW + DAY))
        tx.insert_case(CASE)
        tx.add_vote(CASE.id, "alice", NOW, "fraud")
        tx.add_vote(CASE.id, "bob", NOW + timedelta(minutes=1), "confirmed")

    store.run(write)

    def read(tx: Tx) -> None:
        assert tx.get_credential(full.id) == full
        assert tx.get_credential(plain.id) == plain
        got = tx.get_credential(full.id)
        assert got is not None and got.awarded.tzinfo == UTC and got.awarded == full.awarded
        assert got.units == ("U1", "U3")
        assert tx.get_credential("urn:uuid:none") is None
        assert tx.get_by_batch_key("batch-2025-03:row-17") == full
        assert tx.get_by_batch_key("nope") is None
        assert tx.votes(CASE.id) == [
            Vote("alice", NOW, "fraud"),
            Vote("bob", NOW + timedelta(minutes=1), "confirmed"),
        ]
        assert tx.votes("nope") == []
        assert tx.get_principal("registry system") == PRINCIPAL
        assert tx.principals() == sorted([PRINCIPAL, *VOTERS], key=lambda p: p.id)
        assert tx.get_principal("Registry system") is None  # identities are normalised first
        assert tx.get_api_key("k1") == ApiKeyRecord(
            "k1", "registry system", "sha256:abcd", NOW, NOW + DAY
        )
        assert [k.key_id for k in tx.api_keys()] == ["k1"]
        assert tx.get_case(CASE.id) == CASE
        assert tx.cases(kind="decision", state="pending", subject=full.id) == [CASE]
        assert tx.cases(kind="appeal") == [] and tx.cases(subject="urn:x") == []
        assert tx.lists() == [status_list(), status_list(SUS, "suspension")]
        assert tx.get_list(REV) == status_list()
        assert tx.open_list("suspension", for_update=False) == status_list(SUS, "suspension")
        assert tx.open_list_ref("suspension") == (SUS, SIZE)
        assert tx.open_list_ref("revocation", body="kcs") is None

    store.read(read)

    def save(tx: Tx) -> None:
        current = tx.open_list("revocation")
        assert current is not None
        bits = bytearray(current.bits)
        bits[0] = 0x80
        tx.save_list(
            REV,
            bits=bytes(bits),
            version=current.version + 1,
            full=True,
            published_json='{"type": ["VerifiableCredential"]}',
            published_at=NOW,
        )
        tx.update_credential(full.id, state="active")
        tx.update_case(
            CASE.id, version=0, state="done", data={"decidedBy": ["alice", "bob"]}, closed_at=NOW
        )
        with pytest.raises(ConflictError):  # a stale version: someone else changed it
            tx.update_case(CASE.id, version=0, state="rejected", data={})

    store.run(save)

    def check(tx: Tx) -> None:
        saved = tx.get_list(REV)
        assert saved is not None
        assert saved.bits[0] == 0x80 and saved.version == 1 and saved.full
        assert saved.published_json == '{"type": ["VerifiableCredential"]}'
        assert saved.published_at == NOW
        assert tx.open_list("revocation") is None  # full lists are not open
        assert tx.open_list_ref("revocation") is None and tx.open_list_ref("suspension")
        updated = tx.get_credential(full.id)
        assert updated == replace(full, state="active", suspended_until=None, state_reason=None)
        done = tx.get_case(CASE.id)
        assert done == replace(
            CASE, state="done", data={"decidedBy": ["alice", "bob"]}, closed_at=NOW, version=1
        )

    store.run(check)


def test_queries_filter_and_count(with_lists: Store) -> None:
    def write(tx: Tx) -> None:
        issue(tx, "urn:a", 1, 1, expires=NOW + timedelta(days=10))
        issue(tx, "urn:b", 2, 2, expires=NOW + timedelta(days=100), qualification_id="q2")
        issue(tx, "urn:c", 3, 3, state="suspended", suspended_until=NOW + timedelta(days=5))
        issue(tx, "urn:d", 4, 4, state="suspended", suspended_until=NOW + timedelta(days=50))
        issue(tx, "urn:e", 5, 5, state="revoked", created_at=NOW - timedelta(days=1))

    with_lists.run(write)

    def ids(records: list[CredentialRecord]) -> list[str]:
        return [record.id for record in records]

    def read(tx: Tx) -> None:
        assert ids(tx.list_credentials()) == ["urn:e", "urn:a", "urn:b", "urn:c", "urn:d"]
        assert ids(tx.list_credentials(state="suspended")) == ["urn:c", "urn:d"]
        assert ids(tx.list_credentials(qualification_id="q2")) == ["urn:b"]
        soon = NOW + timedelta(days=20)
        assert ids(tx.list_credentials(expiring_before=soon)) == ["urn:a"]
        assert ids(tx.list_credentials(suspended_before=soon)) == ["urn:c"]
        assert ids(tx.list_credentials(state="suspended", suspended_before=soon)) == ["urn:c"]
        assert tx.count_by_qualification_and_state() == {
            ("https://certs.example/q/ecomentor", "active"): 1,
            ("https://certs.example/q/ecomentor", "suspended"): 2,
            ("https://certs.example/q/ecomentor", "revoked"): 1,
            ("q2", "active"): 1,
        }
        with pytest.raises(StoreError):
            tx.list_credentials(state="lost")

    with_lists.read(read)


# ----------------------------------------------------------------------------- uniqueness


def test_a_revoked_key_keeps_its_record(store: Store) -> None:
    store.run(lambda tx: tx.put_principal(PRINCIPAL))
    store.run(lambda tx: tx.add_api_key(ApiKeyRecord("k", PRINCIPAL.id, "h", NOW)))
    store.run(lambda tx: tx.revoke_api_key("k", NOW + timedelta(hours=1)))
    found = store.read(lambda tx: tx.get_api_key("k"))
    assert found is not None and found.revoked_at == NOW + timedelta(hours=1)
    with pytest.raises(StoreError, match="no unrevoked API key"):
        store.run(lambda tx: tx.revoke_api_key("k", NOW))
    with pytest.raises(StoreError):  # a key of nobody
        store.run(lambda tx: tx.add_api_key(ApiKeyRecord("k2", "nobody", "h", NOW)))


def test_a_principal_is_updated_in_place(store: Store) -> None:
    store.run(lambda tx: tx.put_principal(PRINCIPAL))
    changed = replace(PRINCIPAL, roles=frozenset({"issuer", "auditor"}), disabled_at=NOW)
    store.run(lambda tx: tx.put_principal(changed))
    assert store.read(lambda tx: tx.principals()) == [changed]


def test_duplicate_id_or_batch_key_is_refused_and_the_transaction_goes_on(
    with_lists: Store,
) -> None:
    def write(tx: Tx) -> None:
        issue(tx, "urn:one", 1, 1, batch_key="row-1")
        again = credential("urn:one", 1, 1, batch_key="row-other")
        with pytest.raises(DuplicateError, match="id"):
            tx.insert_credential(again)
        assert tx.allocate_index(REV, 2, "urn:two") and tx.allocate_index(SUS, 2, "urn:two")
        with pytest.raises(DuplicateError, match="batch key"):
            tx.insert_credential(credential("urn:two", 2, 2, batch_key="row-1"))
        tx.insert_credential(credential("urn:two", 2, 2, batch_key="row-2"))  # still usable
        with pytest.raises(DuplicateError):
            tx.create_list(status_list())
        for record in (PRINCIPAL, *VOTERS):
            tx.put_principal(record)
        tx.add_api_key(ApiKeyRecord("k", PRINCIPAL.id, "h", NOW))
        with pytest.raises(DuplicateError):
            tx.add_api_key(ApiKeyRecord("k", PRINCIPAL.id, "h2", NOW))
        tx.insert_case(replace(CASE, subject="urn:one"))
        with pytest.raises(DuplicateError):
            tx.insert_case(replace(CASE, subject="urn:one"))
        tx.add_vote(CASE.id, "alice", NOW, "x")
        with pytest.raises(DuplicateError):  # one vote per principal and case
            tx.add_vote(CASE.id, "alice", NOW, "again")

    with_lists.run(write)
    found = with_lists.read(lambda tx: [r.batch_key for r in tx.list_credentials()])
    assert found == ["row-1", "row-2"]
    assert issubclass(DuplicateError, StoreError) and issubclass(ConflictError, StoreError)


def test_a_second_open_list_per_purpose_is_a_conflict(with_lists: Store) -> None:
    with pytest.raises(ConflictError):
        with_lists.run(lambda tx: tx.create_list(status_list(REV + "b")), attempts=2)


def test_credential_needs_its_own_allocated_indices(with_lists: Store) -> None:
    def unallocated(tx: Tx) -> None:
        tx.insert_credential(credential("urn:x", 1, 1))

    with pytest.raises(StoreError) as caught:
        with_lists.run(unallocated)
    assert type(caught.value) is StoreError  # not a duplicate, not a raw driver error

    def someone_elses(tx: Tx) -> None:
        issue(tx, "urn:owner", 3, 3)
        tx.insert_credential(credential("urn:thief", 3, 3))

    with pytest.raises(StoreError):
        with_lists.run(someone_elses)
    assert with_lists.read(lambda tx: tx.list_credentials()) == []


# ----------------------------------------------------------------------------- allocation


def test_allocate_index_never_reuses(backend: Backend, with_lists: Store) -> None:
    store = with_lists

    def first(tx: Tx) -> None:
        assert tx.allocate_index(REV, 42, "urn:gone")
        assert not tx.allocate_index(REV, 42, "urn:gone")
        assert not tx.allocate_index(REV, 42, "urn:other")
        assert tx.allocate_index(SUS, 42, "urn:other")  # another list, another space
        assert tx.allocate_index(REV, 0, "urn:edge") and tx.allocate_index(REV, SIZE - 1, "urn:e")
        with pytest.raises(StoreError):
            tx.allocate_index(REV, SIZE, "urn:out")
        with pytest.raises(StoreError):
            tx.allocate_index(REV, -1, "urn:out")
        with pytest.raises(NotFoundError):
            tx.allocate_index("https://nowhere", 1, "urn:out")

    store.run(first)
    # the credential never got stored (or was deleted): the index stays taken
    assert not store.run(lambda tx: tx.allocate_index(REV, 42, "urn:new"))

    def read(tx: Tx) -> None:
        assert tx.allocated_count(REV) == 3 and tx.allocated_count(SUS) == 1
        assert tx.allocated_indices(REV) == [0, 42, SIZE - 1]
        assert tx.is_allocated(REV, 42) and not tx.is_allocated(REV, 43)

    store.read(read)
    with pytest.raises(Exception, match=r"permanent|cannot be changed"):
        backend.raw("DELETE FROM allocations WHERE idx = 42")
    with pytest.raises(Exception, match=r"permanent|cannot be changed"):
        backend.raw("UPDATE allocations SET credential_id = 'x' WHERE idx = 42")


# ----------------------------------------------------------------------------- optimistic lists


def test_save_list_is_optimistic(backend: Backend, with_lists: Store) -> None:
    store = with_lists
    other = backend.open()
    seen = store.read(lambda tx: tx.get_list(REV))
    assert seen is not None

    def save(version: int, bits: bytes = bytes(SIZE // 8), full: bool = False) -> Any:
        return lambda tx: tx.save_list(
            REV, bits=bits, version=version, full=full, published_json=None, published_at=None
        )

    other.run(save(seen.version + 1, b"\x01" + bytes(SIZE // 8 - 1)))  # someone else first
    with pytest.raises(ConflictError, match="version 1, not 0"):
        store.run(save(seen.version + 1), attempts=1)
    with pytest.raises(ConflictError):
        store.run(save(seen.version + 3), attempts=1)
    with pytest.raises(StoreError, match="bytes"):
        store.run(save(2, b"\x00"))
    with pytest.raises(NotFoundError):
        store.run(
            lambda tx: tx.save_list(
                "https://nowhere",
                bits=b"",
                version=1,
                full=False,
                published_json=None,
                published_at=None,
            )
        )
    store.run(save(2, full=True))
    with pytest.raises(StoreError, match="full"):
        store.run(save(3, full=False))
    final = store.read(lambda tx: tx.get_list(REV))
    assert final is not None and final.version == 2 and final.full


def test_run_retries_conflicts_in_a_fresh_transaction(with_lists: Store) -> None:
    calls: list[int] = []

    def flaky(tx: Tx) -> str:
        calls.append(1)
        tx.append_audit(actor="a", action="try", credential_id=None, details={}, at=NOW)
        if len(calls) < 3:
            raise ConflictError("simulated")
        return "done"

    assert with_lists.run(flaky) == "done"
    assert len(calls) == 3
    # the failed attempts were rolled back: one entry, seq 1
    assert [e.seq for e in with_lists.read(lambda tx: tx.audit_entries())] == [1]

    calls.clear()

    def hopeless(tx: Tx) -> None:
        calls.append(1)
        raise ConflictError("always")

    with pytest.raises(ConflictError):
        with_lists.run(hopeless, attempts=4)
    assert len(calls) == 4

    calls.clear()

    def broken(tx: Tx) -> None:
        calls.append(1)
        raise StoreError("not transient")

    with pytest.raises(StoreError):
        with_lists.run(broken)
    assert len(calls) == 1


# ----------------------------------------------------------------------------- transactions


def test_rollback_on_exception_leaves_nothing(with_lists: Store) -> None:
    class Boom(Exception):
        pass

    def doomed(tx: Tx) -> None:
        issue(tx, "urn:doomed", 5, 6, batch_key="b")
        tx.create_list(status_list("https://other", "revocation", full=True))
        for record in (PRINCIPAL, *VOTERS):
            tx.put_principal(record)
        tx.insert_case(replace(CASE, subject="urn:doomed"))
        tx.add_vote(CASE.id, "alice", NOW, "x")
        append(tx, 2)
        tx.save_list(
            REV,
            bits=b"\xff" * (SIZE // 8),
            version=1,
            full=False,
            published_json="{}",
            published_at=NOW,
        )
        raise Boom

    with pytest.raises(Boom):  # the application's exception, unchanged
        with_lists.run(doomed)
    with pytest.raises(Boom), with_lists.transaction() as tx:
        doomed(tx)

    def check(tx: Tx) -> None:
        assert tx.list_credentials() == []
        assert tx.get_by_batch_key("b") is None
        assert tx.allocated_count(REV) == 0 and tx.allocated_count(SUS) == 0
        assert [record.id for record in tx.lists()] == [REV, SUS]
        assert tx.get_list(REV) == status_list()
        assert tx.get_principal(PRINCIPAL.id) is None
        assert tx.get_case(CASE.id) is None and tx.votes(CASE.id) == []
        assert tx.audit_entries() == []
        assert tx.audit_head() == (0, GENESIS_HASH)

    with_lists.read(check)
    entry = with_lists.run(lambda tx: append(tx, 1)[0])
    assert entry.seq == 1 and entry.prev_hash == GENESIS_HASH


def test_transaction_misuse_is_a_store_error(backend: Backend, store: Store) -> None:
    with (
        store.transaction() as tx,
        pytest.raises(StoreError, match="nest"),
        store.transaction(),
    ):
        pass  # pragma: no cover - the inner transaction refuses to start
    with pytest.raises(StoreError, match="over"):
        tx.audit_entries()  # used after its transaction ended
    with pytest.raises(StoreError, match="read-only"):
        store.read(
            lambda tx: tx.append_audit(
                actor="a", action="b", credential_id=None, details={}, at=NOW
            )
        )
    with pytest.raises(StoreError, match="timezone"):
        store.run(
            lambda tx: tx.append_audit(
                actor="a", action="b", credential_id=None, details={}, at=datetime(2025, 1, 1)
            )
        )
    with pytest.raises(StoreError, match="JSON"):
        store.run(
            lambda tx: tx.append_audit(
                actor="a", action="b", credential_id=None, details={"x": {1, 2}}, at=NOW
            )
        )
    with pytest.raises(StoreError, match="non-finite"):
        store.run(
            lambda tx: tx.append_audit(
                actor="a", action="b", credential_id=None, details={"x": float("nan")}, at=NOW
            )
        )
    with pytest.raises(StoreError, match="state"):
        store.run(lambda tx: tx.update_credential("urn:x", state="lost"))
    with pytest.raises(NotFoundError):
        store.run(lambda tx: tx.update_credential("urn:x", state="revoked"))
    store.run(lambda tx: None)  # the store is still fine after all that
    store.close()
    store.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        store.run(lambda tx: None)


def test_threads_share_a_store_safely(store: Store) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(25):
                store.run(lambda tx: append(tx, 1))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = store.read(lambda tx: tx.audit_entries())
    assert [e.seq for e in entries] == list(range(1, 101))
    assert store.read(lambda tx: tx.verify_audit()) == []


# ----------------------------------------------------------------------------- audit chain


def test_audit_chain_verifies_with_a_documented_hash(store: Store) -> None:
    written = store.run(lambda tx: append(tx, 5))
    entries = store.read(lambda tx: tx.audit_entries())
    assert entries == written
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert store.read(lambda tx: tx.verify_audit()) == []
    assert store.read(lambda tx: tx.audit_head()) == (5, entries[-1].hash)
    # the canonical form, recomputed independently of the implementation
    first = entries[0]
    canonical = json.dumps(
        {
            "seq": 1,
            "at": "2025-03-01T12:30:15.123456Z",
            "actor": first.actor,
            "action": "issue",
            "credential_id": "urn:uuid:0",
            "details": first.details,
            "prev_hash": "0" * 64,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert first.hash == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("tampering", ["edit", "delete-middle", "delete-last"])
def test_audit_tampering_is_detected(backend: Backend, store: Store, tampering: str) -> None:
    store.run(lambda tx: append(tx, 5))
    with pytest.raises(Exception, match=r"append-only|cannot be changed"):
        backend.raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    with pytest.raises(Exception, match=r"append-only|cannot be changed"):
        backend.raw("DELETE FROM audit_log WHERE seq = 5")
    backend.drop_append_only_guards()
    if tampering == "edit":
        backend.raw("UPDATE audit_log SET details = ? WHERE seq = 3", ('{"reason":"forged"}',))
        expected = ["entry 3: hash mismatch (entry was altered)"]
    elif tampering == "delete-middle":
        backend.raw("DELETE FROM audit_log WHERE seq = 3")
        expected = [
            "seq gap: entry 3 missing before entry 4",
            "entry 4: prev_hash does not match the hash of the entry before it",
        ]
    else:
        backend.raw("DELETE FROM audit_log WHERE seq = 5")
        expected = [
            "chain ends at entry 4 but the head records entry 5 (entries deleted from the tail)"
        ]
    assert store.read(lambda tx: tx.verify_audit()) == expected


def test_verify_audit_chain_is_pure() -> None:
    entries: list[AuditEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, 4):
        from vcissue.store.audit import entry_hash

        fields: dict[str, Any] = {
            "seq": seq,
            "at": NOW,
            "actor": "a",
            "action": "x",
            "credential_id": None,
            "details": {"k": seq},
            "prev_hash": prev,
        }
        digest = entry_hash(**fields)
        entries.append(AuditEntry(hash=digest, **fields))
        prev = digest
    assert verify_audit_chain(entries) == []
    assert verify_audit_chain(entries, head=(3, prev)) == []
    assert verify_audit_chain([], head=(0, GENESIS_HASH)) == []
    assert verify_audit_chain(entries[1:]) == [
        "seq gap: entry 1 missing before entry 2",
        "entry 2: prev_hash does not match the hash of the entry before it",
    ]
    assert verify_audit_chain([entries[0], entries[2], entries[1]])[0].startswith("seq gap")
    forged_time = replace(entries[1], at=NOW + timedelta(microseconds=1))
    assert verify_audit_chain([entries[0], forged_time, entries[2]]) == [
        "entry 2: hash mismatch (entry was altered)"
    ]
    assert "differs" in verify_audit_chain(entries, head=(3, "f" * 64))[0]


# ----------------------------------------------------------------------------- migrations


def test_migration_from_empty_and_reopen_are_idempotent(backend: Backend) -> None:
    latest = (SQLITE_MIGRATIONS if backend.name == "sqlite" else POSTGRES_MIGRATIONS)[-1]
    first = backend.open()
    assert first.schema_version() == latest.version
    first.run(create_lists)
    first.run(lambda tx: issue(tx, "urn:kept", 1, 2))
    first.close()
    for _ in range(2):
        again = backend.open()
        assert again.schema_version() == latest.version
        assert again.read(lambda tx: tx.get_credential("urn:kept")) is not None
        again.close()
    rows = backend.raw("SELECT version FROM schema_migrations ORDER BY version")
    assert [row[0] for row in rows] == list(range(1, latest.version + 1))


def test_newer_schema_is_refused(backend: Backend) -> None:
    backend.open().close()
    backend.raw(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        (999, "from the future", "2030-01-01T00:00:00.000000Z"),
    )
    with pytest.raises(SchemaVersionError, match="999 is newer"):
        backend.open()


def test_pending_migrations_apply_in_order_and_newer_code_is_required(backend: Backend) -> None:
    known = SQLITE_MIGRATIONS if backend.name == "sqlite" else POSTGRES_MIGRATIONS
    backend.open().close()
    extra = Migration(
        known[-1].version + 1,
        "test: an added table",
        ("CREATE TABLE later_table (x INTEGER)", "INSERT INTO later_table (x) VALUES (7)"),
    )
    upgraded = backend.open_with((*known, extra))
    assert upgraded.schema_version() == extra.version
    upgraded.close()
    assert backend.raw("SELECT x FROM later_table") == [(7,)]
    with pytest.raises(SchemaVersionError):
        backend.open()  # the shipped code does not know version n + 1


def test_version_2_api_keys_become_keys_of_principals(backend: Backend) -> None:
    """Migration 3: each old key's name becomes a principal (lower-cased, trimmed), so two
    keys typed as "Director-1 " and "director-1" are one person with both roles."""
    known = SQLITE_MIGRATIONS if backend.name == "sqlite" else POSTGRES_MIGRATIONS
    backend.open_with(known[:2]).close()
    at = "2025-03-01T12:30:15.123456Z"
    for key_id, role, name, revoked in [
        ("a1", "approver", "Director-1 ", None),
        ("a2", "issuer", "director-1", at),
        ("b1", "operator", "Desk", None),
    ]:
        backend.raw(
            "INSERT INTO principals (key_id, key_hash, role, name, created_at, revoked_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key_id, "h-" + key_id, role, name, at, revoked),
        )
    upgraded = backend.open_with(known)
    principals = upgraded.read(lambda tx: tx.principals())
    keys = upgraded.read(lambda tx: tx.api_keys())
    upgraded.close()
    assert [(p.id, p.roles) for p in principals] == [
        ("desk", frozenset({"operator"})),
        ("director-1", frozenset({"approver", "issuer"})),
    ]
    assert [(k.key_id, k.principal_id, k.key_hash) for k in keys] == [
        ("a1", "director-1", "h-a1"),
        ("a2", "director-1", "h-a2"),
        ("b1", "desk", "h-b1"),
    ]
    assert keys[1].revoked_at is not None and keys[0].revoked_at is None


def test_pending_migrations_logic() -> None:
    for known in (SQLITE_MIGRATIONS, POSTGRES_MIGRATIONS):
        assert [m.version for m in known] == list(range(1, len(known) + 1))
        assert pending_migrations([], known, create=True) == list(known)
        with pytest.raises(StoreError, match="vcissue init"):
            pending_migrations([], known)  # an empty database is not silently made a store
        assert pending_migrations([m.version for m in known], known) == []
    assert [m.version for m in SQLITE_MIGRATIONS] == [m.version for m in POSTGRES_MIGRATIONS]
    with pytest.raises(SchemaVersionError):
        pending_migrations(
            [1, 3], (*SQLITE_MIGRATIONS, Migration(2, "x", ()), Migration(3, "y", ()))
        )
    with pytest.raises(SchemaVersionError):
        pending_migrations([len(SQLITE_MIGRATIONS) + 1], SQLITE_MIGRATIONS)


# ----------------------------------------------------------------------------- processes

WORKERS = 8
PER_WORKER = 200


def _open(spec: tuple[str, str | None]) -> Store:
    url, schema = spec
    return open_store(url, pg_schema=schema, create=True)


def _writer(spec: tuple[str, str | None], worker: int, barrier: Any, results: Any) -> None:
    """One of the concurrent issuers: open (maybe first), then 200 issue-like transactions."""
    try:
        barrier.wait(timeout=60)
        store = _open(spec)  # all eight open a fresh database at the same moment
        rng = random.Random(worker)
        collisions = attempts = 0

        for i in range(PER_WORKER):
            cid = f"urn:uuid:{worker}-{i}-{uuid.uuid4()}"

            def txn(tx: Tx, cid: str = cid, i: int = i) -> None:
                nonlocal collisions, attempts
                attempts += 1
                current = tx.open_list("revocation", for_update=False)  # no lock: race on keys
                if current is None:  # first writer in: roll over to a new list
                    tx.create_list(status_list(f"https://certs.example/status/{uuid.uuid4()}"))
                    current = tx.open_list("revocation", for_update=False)
                    assert current is not None
                taken: list[int] = []
                while len(taken) < 2:
                    index = rng.randrange(0, current.size)
                    if tx.allocate_index(current.id, index, cid):
                        taken.append(index)
                    else:
                        collisions += 1
                tx.insert_credential(
                    replace(
                        credential(cid, taken[0], taken[1]),
                        revocation_list=current.id,
                        suspension_list=current.id,
                        batch_key=f"w{worker}-row{i}",
                    )
                )
                tx.append_audit(
                    actor=f"worker-{worker}",
                    action="issue",
                    credential_id=cid,
                    details={"indices": taken, "row": i},
                    at=datetime.now(UTC),
                )

            store.run(txn)
        store.close()
        results.put((worker, "ok", {"collisions": collisions, "retries": attempts - PER_WORKER}))
    except BaseException:
        results.put((worker, "error", traceback.format_exc()))


def test_eight_processes_issue_concurrently(backend: Backend) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    spec = (backend.url, backend.pg_schema)
    started = time.monotonic()
    procs = [ctx.Process(target=_writer, args=(spec, w, barrier, results)) for w in range(WORKERS)]
    for proc in procs:
        proc.start()
    reports = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    elapsed = time.monotonic() - started
    failures = [report for report in reports if report[1] != "ok"]
    assert not failures, failures[0][2]
    assert all(proc.exitcode == 0 for proc in procs)

    store = backend.open()
    assert store.schema_version() == len(SQLITE_MIGRATIONS)
    rows = backend.raw("SELECT version FROM schema_migrations ORDER BY version")
    assert [row[0] for row in rows] == list(range(1, len(SQLITE_MIGRATIONS) + 1))

    def check(tx: Tx) -> dict[str, Any]:
        lists = tx.lists()
        assert len(lists) == 1, "the roll-over race must leave exactly one list"
        credentials = tx.list_credentials()
        assert len(credentials) == WORKERS * PER_WORKER
        allocated = tx.allocated_indices(lists[0].id)
        assert len(allocated) == 2 * WORKERS * PER_WORKER
        assert len(set(allocated)) == len(allocated)
        used = [c.revocation_index for c in credentials] + [c.suspension_index for c in credentials]
        assert sorted(used) == allocated
        entries = tx.audit_entries()
        assert [e.seq for e in entries] == list(range(1, WORKERS * PER_WORKER + 1))
        assert sorted(e.credential_id or "" for e in entries) == sorted(c.id for c in credentials)
        assert tx.verify_audit() == []
        return {"lists": len(lists)}

    store.read(check)
    totals = {key: sum(report[2][key] for report in reports) for key in ("collisions", "retries")}
    print(f"\n{backend.name}: {WORKERS}x{PER_WORKER} transactions in {elapsed:.1f}s, {totals}")


def _die_mid_transaction(spec: tuple[str, str | None]) -> None:
    store = _open(spec)
    with store.transaction() as tx:
        issue(tx, "urn:half", 1, 1, batch_key="half")
        append(tx, 3)
        tx.save_list(
            REV,
            bits=b"\xff" * (SIZE // 8),
            version=1,
            full=False,
            published_json=None,
            published_at=None,
        )
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_process_leaves_no_half_stored_credential(
    backend: Backend, with_lists: Store
) -> None:
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_die_mid_transaction, args=((backend.url, backend.pg_schema),))
    proc.start()
    proc.join(timeout=60)
    assert proc.exitcode == -signal.SIGKILL

    def check(tx: Tx) -> None:
        assert tx.get_credential("urn:half") is None
        assert tx.allocated_count(REV) == 0
        assert tx.audit_head() == (0, GENESIS_HASH)
        assert tx.get_list(REV) == status_list()

    with_lists.run(check)  # a write transaction: the dead process's locks are gone
    assert with_lists.run(lambda tx: append(tx, 1)[0].seq) == 1


def test_migration_13_forgets_a_state_digest_of_the_old_element(backend: Backend) -> None:
    """A digest recorded with the SHAKE-256 element (before migration 13) would be folded on
    with the SHA-512 one into checkpoints no replay matches: the upgrade forgets it."""
    known = SQLITE_MIGRATIONS if backend.name == "sqlite" else POSTGRES_MIGRATIONS
    assert known[12].version == 13
    old = backend.open_with(known[:12])
    old.run(lambda tx: tx.save_audit_state(7, "ab" * 256))
    assert old.read(lambda tx: tx.audit_state()) == (7, "ab" * 256)
    old.close()
    upgraded = backend.open()
    assert upgraded.read(lambda tx: tx.audit_state()) == (0, "")


# ------------------------------------------------------------------------- read transactions


def test_a_read_sees_one_snapshot_and_cannot_write(backend: Backend, with_lists: Store) -> None:
    """A read transaction answers every query from one snapshot (a write another store
    commits meanwhile is not seen until the next transaction), and the database itself
    refuses a write in it, not only the Python check; a write transaction after it on the
    same connection writes again."""
    store, other = with_lists, backend.open()
    store.run(lambda tx: issue(tx, "urn:uuid:first", 1, 1))
    with store.read_transaction() as tx:
        before = len(tx.list_credentials())
        other.run(lambda o: issue(o, "urn:uuid:meanwhile", 2, 2))
        assert len(tx.list_credentials()) == before == 1
        with pytest.raises(StoreError):
            tx._execute("UPDATE credentials SET holder_name = 'X'")  # type: ignore[attr-defined]
    assert len(store.read(lambda tx: tx.list_credentials())) == 2
    store.run(lambda tx: issue(tx, "urn:uuid:after", 3, 3))
    assert store.read(lambda tx: tx.get_credential("urn:uuid:after")) is not None
