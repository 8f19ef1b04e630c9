"""Certificate numbers over a real store (SQLite, and PostgreSQL when configured): allocated
in the issuing transaction, unique per body under concurrent issuers, carried in the signed
credential, and a lookup key wherever a credential id is."""

from __future__ import annotations

import dataclasses
import multiprocessing
import random
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Body, ecomentor
from tests.integration.conftest import Backend
from tests.integration.test_issuer import BASE, START, WORKER, Desk
from vcissue.errors import UnknownCredentialError
from vcissue.files import DirectoryPublisher
from vcissue.issuer import Issuer, IssuerSettings
from vcissue.keys import SigningKey
from vcissue.model import Award, Holder
from vcissue.store import Store, open_store
from vcissue.system import system_clock, system_random


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path)


def test_numbers_follow_the_pattern_and_sit_in_the_signed_credential(desk: Desk) -> None:
    issued = [desk.issuer.issue(desk.award(f"Holder {i}"), by=desk.alice) for i in range(3)]
    numbers = [item.record.number for item in issued]
    assert numbers == ["EM-2026-000001", "EM-2026-000002", "EM-2026-000003"]
    for item in issued:
        assert item.credential["credentialSubject"]["licenseNumber"] == item.record.number
        assert desk.verify(item.credential).verified  # the number is signed
    entry = next(e for e in desk.log() if e.credential_id == issued[0].record.id)
    assert entry.details["number"] == "EM-2026-000001"
    later = desk.issuer.issue(desk.award(awarded=START.replace(year=2027)), by=desk.alice)
    assert later.record.number == "EM-2027-000001"  # each year of the pattern counts from 1


def test_a_number_is_a_lookup_key_wherever_an_id_is(desk: Desk) -> None:
    first = desk.issuer.issue(desk.award(), by=desk.alice).record
    assert first.number is not None
    assert desk.issuer.get(first.number).id == first.id
    assert desk.issuer.public_status(first.number).to_json()["number"] == first.number
    desk.issuer.suspend(first.number, reason="r", until=START + timedelta(days=3), by=desk.op)
    assert desk.issuer.get(first.id).state == "suspended"
    desk.issuer.reinstate(first.number, reason="r", by=desk.op)
    renewed = desk.issuer.recertify(first.number, by=desk.alice).result.record
    assert renewed.number == "EM-2026-000002" and renewed.previous_id == first.id
    answer = desk.issuer.public_status(first.number).to_json()
    assert answer["replacedBy"] == renewed.id and answer["replacedByNumber"] == renewed.number
    with pytest.raises(UnknownCredentialError):
        desk.issuer.get("EM-2026-999999")


def test_numbers_taken_by_another_pattern_are_skipped(store: Store, tmp_path: Path) -> None:
    """Two patterns can give the same text; the body's numbers stay unique either way."""
    other = dataclasses.replace(ecomentor(), id="ecomentor-b", number_pattern="EM-2026-00000{seq}")
    desk = Desk(store, tmp_path)
    desk.issuer.qualifications[other.id] = other
    a1 = desk.issuer.issue(desk.award(), by=desk.alice).record.number
    b = desk.issuer.issue(Award(Holder("B"), other, awarded=START), by=desk.alice).record.number
    a2 = desk.issuer.issue(desk.award(), by=desk.alice).record.number
    assert (a1, b, a2) == ("EM-2026-000001", "EM-2026-000002", "EM-2026-000003")


def test_a_failed_issue_gives_its_number_back(desk: Desk) -> None:
    desk.issuer.issue(desk.award(), by=desk.alice)
    with pytest.raises(RuntimeError):

        def fail(tx: Any) -> None:
            tx.next_in_sequence("EM-2026-{seq:06}")
            raise RuntimeError("rolled back")

        desk.issuer.store.run(fail)
    assert desk.issuer.issue(desk.award(), by=desk.alice).record.number == "EM-2026-000002"


# ----------------------------------------------------------------------------- processes

PROCESSES = 4
EACH = 25


def _issue(
    spec: tuple[str, str | None, str, str], tmp: str, worker: int, gate: Any, out: Any
) -> None:
    try:
        url, schema, seed_hex, did = spec
        body = Body(did)
        body.key = SigningKey(bytes.fromhex(seed_hex), f"{did}#key-1")
        issuer = Issuer(
            open_store(url, pg_schema=schema, create=True),
            body.key,
            body.profile,
            [ecomentor()],
            IssuerSettings(BASE),
            clock=system_clock,
            rng=system_random,
            publisher=DirectoryPublisher(Path(tmp), BASE),
        )
        gate.wait(timeout=60)
        for i in range(EACH):
            award = Award(Holder(f"Holder {worker}-{i}"), ecomentor(), awarded=START)
            issuer.issue(award, by=WORKER)
        issuer.store.close()
        out.put("ok")
    except BaseException:
        out.put(traceback.format_exc())


def test_concurrent_issuers_get_every_number_once_without_gaps(
    backend: Backend, tmp_path: Path
) -> None:
    body = Body()
    backend.open()  # the schema exists before the workers race
    spec = (backend.url, backend.pg_schema, body.key.seed.hex(), body.did)
    ctx = multiprocessing.get_context("spawn")
    gate, out = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [
        ctx.Process(target=_issue, args=(spec, str(tmp_path), w, gate, out))
        for w in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    reports = [out.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    assert reports == ["ok"] * PROCESSES, next(r for r in reports if r != "ok")
    records = backend.open().read(lambda tx: tx.list_credentials())
    numbers = sorted(record.number or "" for record in records)
    assert numbers == [f"EM-2026-{n:06d}" for n in range(1, PROCESSES * EACH + 1)]
    rng = random.Random(1)
    for record in rng.sample(records, 5):  # the number signed is the number stored
        assert f'"licenseNumber":"{record.number}"' in record.signed_json
