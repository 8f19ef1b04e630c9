"""The lifecycle over a real store (SQLite, and PostgreSQL when configured): every change
is checked the way a verifier sees it, through the signed status lists the issuer
published to a directory."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.factories import Body, ecomentor
from tests.integration.conftest import Backend
from vcissue.batch import parse_batch_csv
from vcissue.csvrows import RowError
from vcissue.errors import CredentialError, PolicyError, UnknownCredentialError
from vcissue.files import DirectoryPublisher
from vcissue.governance.policies import DEFAULT_POLICIES, Policies, Policy
from vcissue.governance.principals import Principal, add_principal
from vcissue.issuer import Issuer, IssuerSettings
from vcissue.issuer.core import _Work
from vcissue.keys import SigningKey
from vcissue.model import Award, Holder, Qualification
from vcissue.store import Store, open_store
from vcissue.system import system_clock, system_random
from vcissue.verify import VerificationResult, verify_credential

BASE = "https://certification.example/status"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def policies(revocation_approvers: int = 1) -> Policies:
    return Policies({**DEFAULT_POLICIES, "revoke": Policy("approver", revocation_approvers)})


def staff(store: Store) -> tuple[Principal, ...]:
    """alice awards, op suspends and reinstates, two directors approve (test principals)."""
    return tuple(
        add_principal(store, name, roles, now=START)
        for name, roles in (
            ("alice", ["issuer"]),
            ("op", ["operator", "approver"]),
            ("director-1", ["approver"]),
            ("director-2", ["approver"]),
        )
    )


class Desk:
    """An issuer, its clock, its publish directory and a verifier reading that directory."""

    def __init__(
        self,
        store: Store,
        tmp: Path,
        *,
        approvers: int = 1,
        body: Body | None = None,
        suite: str = "eddsa-rdfc-2022",
        rules: Policies | None = None,
        qualifications: list[Qualification] | None = None,
    ) -> None:
        self.body = body or Body()
        self.clock = Clock()
        self.publish_dir = tmp / "published"
        self.fetched: list[str] = []
        self.issuer = Issuer(
            store,
            self.body.key,
            self.body.profile,
            qualifications or [ecomentor()],
            IssuerSettings(BASE, suite=suite, policies=rules or policies(approvers)),
            clock=self.clock,
            rng=random.Random(0xC0FFEE),
            publisher=DirectoryPublisher(self.publish_dir, BASE),
        )
        self.alice, self.op, self.director_1, self.director_2 = staff(store)

    def source(self, url: str) -> Any:
        self.fetched.append(url)
        assert url.startswith(BASE + "/")
        return json.loads((self.publish_dir / url[len(BASE) + 1 :]).read_text())

    def verify(self, credential: dict[str, Any], *, renew: bool = True) -> VerificationResult:
        if renew:  # what a deployment's scheduled `vcissue publish` does (list validUntil)
            self.issuer.publish()
        return verify_credential(
            credential, trust=self.body.trust, now=self.clock.at, status_lists=self.source
        )

    def outcome(self, credential: dict[str, Any]) -> tuple[str, str]:
        result = self.verify(credential)
        return (
            result.check("status.revocation").outcome.value,
            result.check("status.suspension").outcome.value,
        )

    def log(self) -> list[Any]:
        """The audit log after the staff were added (each ``principal-add`` is an entry)."""
        entries = self.issuer.store.read(lambda tx: tx.audit_entries())
        return [e for e in entries if e.action != "principal-add"]

    def actions(self) -> list[str]:
        return [e.action for e in self.log()]

    def award(self, name: str = "Ana Novak", **terms: Any) -> Award:
        terms.setdefault("awarded", self.clock.at)
        return Award(Holder(name), ecomentor(), **terms)


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path)


def test_issue_stores_signs_and_publishes(desk: Desk, backend: Backend) -> None:
    issued = desk.issuer.issue(desk.award(), by=desk.alice)
    vc = issued.credential
    result = desk.verify(vc)
    assert result.verified, result.failures
    assert desk.outcome(vc) == ("passed", "passed")
    entries = {entry["statusPurpose"]: entry for entry in vc["credentialStatus"]}
    assert entries["revocation"]["statusListCredential"] == f"{BASE}/revocation-1"
    assert entries["suspension"]["statusListCredential"] == f"{BASE}/suspension-1"
    assert int(entries["revocation"]["statusListIndex"]) == issued.record.revocation_index
    assert sorted(p.name for p in desk.publish_dir.iterdir()) == [
        "audit-checkpoint",
        "revocation-1",
        "suspension-1",
    ]
    stored = desk.issuer.get(vc["id"])
    assert json.loads(stored.signed_json) == vc
    assert stored.state == "active" and stored.expires == START + timedelta(days=5 * 365 + 1)
    assert [(e.action, e.actor, e.credential_id) for e in desk.log()] == [
        ("issue", "alice", vc["id"])
    ]
    assert desk.log()[0].details["decision"] == {"decidedBy": ["alice"]}


def test_lists_carry_valid_until_and_publish_renews_them(desk: Desk) -> None:
    """Issue 9 section 4: a signed list is valid for ``list_validity`` (P30D by default);
    unrenewed it becomes "could not check" for verifiers; ``publish`` renews it once less
    than half is left, and not before."""
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    published = json.loads((desk.publish_dir / "revocation-1").read_text())
    assert published["validFrom"] == "2026-03-02T09:30:00Z"
    assert published["validUntil"] == "2026-04-01T09:30:00Z"
    assert desk.issuer.renew_lists() == []  # fresh: nothing to do
    desk.clock.at = START + timedelta(days=14)
    assert desk.issuer.renew_lists() == []  # more than half left
    desk.clock.at = START + timedelta(days=31)
    stale = desk.verify(vc, renew=False)
    assert stale.verdict.value == "STATUS_UNKNOWN"
    assert "outside its validity period" in stale.check("status.revocation").message
    version = desk.issuer.status_list(f"{BASE}/revocation-1")
    assert desk.issuer.publish() == 2  # renews both lists, then republishes
    renewed = json.loads((desk.publish_dir / "revocation-1").read_text())
    assert renewed["validUntil"] == "2026-05-02T09:30:00Z"
    assert renewed["credentialSubject"] == published["credentialSubject"]  # same bits
    after = desk.issuer.status_list(f"{BASE}/revocation-1")
    assert version is not None and after is not None and after.version == version.version + 1
    assert desk.verify(vc, renew=False).verdict.value == "VALID"


def test_suspend_reinstate_revoke_as_a_verifier_sees_it(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    other = desk.issuer.issue(desk.award("Marko Horvat"), by=desk.alice).credential
    desk.clock.at += timedelta(days=1)

    desk.issuer.suspend(
        vc["id"],
        reason="complaint under review",
        until=desk.clock.at + timedelta(days=30),
        by=desk.op,
    )
    assert desk.outcome(vc) == ("passed", "failed")
    assert "suspended" in desk.verify(vc).check("status.suspension").message
    assert desk.outcome(other) == ("passed", "passed")  # its neighbour bits untouched
    assert desk.issuer.public_status(vc["id"]).current is False

    desk.issuer.reinstate(vc["id"], by=desk.op, reason="complaint dismissed")
    assert desk.outcome(vc) == ("passed", "passed")
    assert desk.verify(vc).verified
    assert desk.issuer.public_status(vc["id"]).current is True

    outcome = desk.issuer.revoke(vc["id"], reason="fraud in assessment", by=desk.director_1)
    assert (outcome.state, outcome.approvals, outcome.case_id) == ("done", ("director-1",), "")
    assert desk.outcome(vc) == ("failed", "passed")
    with pytest.raises(PolicyError, match="revoked"):
        desk.issuer.reinstate(vc["id"], by=desk.op, reason="mistake")
    with pytest.raises(PolicyError):
        desk.issuer.suspend(
            vc["id"], reason="x", until=desk.clock.at + timedelta(days=1), by=desk.op
        )
    with pytest.raises(PolicyError):
        desk.issuer.revoke(vc["id"], reason="again", by=desk.director_2)
    assert desk.outcome(vc) == ("failed", "passed")
    assert desk.outcome(other) == ("passed", "passed")
    assert desk.actions() == ["issue", "issue", "suspend", "reinstate", "revoke"]
    assert desk.issuer.store.read(lambda tx: tx.verify_audit()) == []


def test_bad_lifecycle_requests_are_typed_errors(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    with pytest.raises(UnknownCredentialError):
        desk.issuer.suspend(
            "urn:uuid:nope", reason="r", until=START + timedelta(days=1), by=desk.op
        )
    with pytest.raises(PolicyError, match="future"):
        desk.issuer.suspend(vc["id"], reason="r", until=START - timedelta(days=1), by=desk.op)
    with pytest.raises(PolicyError, match="reason"):
        desk.issuer.revoke(vc["id"], reason="  ", by=desk.director_1)
    with pytest.raises(PolicyError, match="active: reinstate does not apply"):
        desk.issuer.reinstate(vc["id"], by=desk.op, reason="r")
    with pytest.raises(PolicyError, match="issuer role"):
        desk.issuer.issue(desk.award("B"), by=desk.op)  # an operator does not award
    with pytest.raises(PolicyError, match="operator role"):
        desk.issuer.suspend(vc["id"], reason="r", until=START + timedelta(1), by=desk.alice)
    with pytest.raises(CredentialError, match="unknown qualification"):
        desk.issuer.qualification("NOPE")
    # nothing above changed anything
    assert desk.issuer.get(vc["id"]).state == "active"
    assert len(desk.log()) == 1


def test_two_approver_revocation(store: Store, tmp_path: Path) -> None:
    desk = Desk(store, tmp_path, approvers=2)
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    first = desk.issuer.revoke(vc["id"], reason="ethics breach", by=desk.director_1)
    assert (first.state, first.approvals, first.required) == ("pending", ("director-1",), 2)
    assert desk.outcome(vc) == ("passed", "passed")  # not yet in effect
    assert desk.issuer.get(vc["id"]).state == "active"
    with pytest.raises(PolicyError, match="already approved"):
        desk.issuer.revoke(vc["id"], reason="ethics breach", by=desk.director_1)
    with pytest.raises(PolicyError, match="approver role"):
        desk.issuer.revoke(vc["id"], reason="me too", by=desk.alice)  # an issuer is no approver
    second = desk.issuer.revoke(vc["id"], reason="confirmed", by=desk.director_2)
    assert second.state == "done" and second.approvals == ("director-1", "director-2")
    assert second.case_id == first.case_id
    assert desk.outcome(vc) == ("failed", "passed")
    assert desk.actions() == ["issue", "decision-request", "decision-approve", "revoke"]
    assert desk.log()[-1].details["approvers"] == ["director-1", "director-2"]


def test_one_person_under_two_spellings_counts_once(store: Store, tmp_path: Path) -> None:
    desk = Desk(store, tmp_path, approvers=2)
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    desk.issuer.revoke(vc["id"], reason="r", by=desk.director_1)
    again = add_principal(store, "  DIRECTOR-1 ", ["approver"], now=START)  # same identity
    assert again.id == "director-1"
    with pytest.raises(PolicyError, match="already approved"):
        desk.issuer.revoke(vc["id"], reason="r", by=again)
    assert desk.issuer.get(vc["id"]).state == "active"


def test_policy_per_qualification() -> None:
    policies = Policies(per_qualification={"ECOMENTOR": {"revoke": Policy("approver", 3)}})
    assert policies.of("revoke", "ECOMENTOR").approvers == 3
    assert policies.of("revoke", "KCS-L1").approvers == 2  # the default
    assert policies.of("suspend", "ECOMENTOR") == Policy("operator", 1)
    with pytest.raises(PolicyError):
        Policy("approver", 0)
    with pytest.raises(PolicyError, match="unknown role"):
        Policy("janitor")
    with pytest.raises(PolicyError, match="unknown decision"):
        Policies({"burn": Policy("approver")})


def test_lifecycle_run_withdraws_overdue_suspensions_once(desk: Desk) -> None:
    due = desk.issuer.issue(desk.award(), by=desk.alice).credential
    later = desk.issuer.issue(desk.award("Lea Kovač"), by=desk.alice).credential
    desk.issuer.suspend(
        due["id"], reason="unpaid fee", until=START + timedelta(days=10), by=desk.op
    )
    desk.issuer.suspend(
        later["id"], reason="cpd missing", until=START + timedelta(days=90), by=desk.op
    )
    desk.clock.at = START + timedelta(days=11)
    assert desk.issuer.run_lifecycle().withdrawn == [due["id"]]
    assert desk.issuer.get(due["id"]).state == "withdrawn"
    assert desk.outcome(due) == ("failed", "failed")
    assert desk.issuer.get(later["id"]).state == "suspended"
    assert desk.outcome(later) == ("passed", "failed")
    assert desk.issuer.run_lifecycle().withdrawn == []  # idempotent
    with pytest.raises(PolicyError):
        desk.issuer.reinstate(due["id"], by=desk.op, reason="r")
    withdrawals = [e for e in desk.log() if e.action == "withdraw"]
    assert [(e.credential_id, e.actor) for e in withdrawals] == [(due["id"], "system:lifecycle")]


def test_reduce_scope_withdraws_and_reissues_with_fewer_units(desk: Desk) -> None:
    old = desk.issuer.issue(
        desk.award(limitations=("supervised practice only",)), by=desk.alice
    ).credential
    units = [unit.id for unit in ecomentor().units]
    desk.clock.at += timedelta(days=40)
    new = desk.issuer.reduce_scope(
        old["id"], units=units[:2], reason="unit 3 assessment annulled", by=desk.op
    ).result
    assert desk.outcome(old) == ("failed", "passed")
    assert desk.issuer.get(old["id"]).state == "withdrawn"
    vc = new.credential
    assert desk.verify(vc).verified
    assert new.record.units == tuple(units[:2]) and new.record.previous_id == old["id"]
    codes = [a["targetCode"] for a in vc["credentialSubject"]["achievement"]["alignment"]]
    assert codes == units[:2]
    assert "supervised practice only" in vc["description"]
    assert vc["validUntil"] == old["validUntil"]  # scope changed, not the period
    with pytest.raises(PolicyError, match="subset"):
        desk.issuer.reduce_scope(new.record.id, units=units, reason="r", by=desk.op)
    with pytest.raises(PolicyError, match="subset"):
        desk.issuer.reduce_scope(new.record.id, units=["NOPE"], reason="r", by=desk.op)


def test_recertify_issues_new_dates_referencing_the_old(desk: Desk) -> None:
    old = desk.issuer.issue(
        desk.award(scope="Mentoring in waste management"), by=desk.alice
    ).credential
    desk.clock.at = START + timedelta(days=5 * 365 - 30)
    new = desk.issuer.recertify(old["id"], by=desk.alice).result
    vc = new.credential
    assert desk.verify(vc).verified
    assert vc["validFrom"] == "2031-01-30T09:30:00Z" and vc["validFrom"] > old["validFrom"]
    assert {"id": old["id"], "genre": "Recertification"}.items() <= vc["evidence"][0].items()
    assert "Mentoring in waste management" in vc["description"]
    assert desk.issuer.get(old["id"]).state == "superseded"
    assert desk.outcome(old) == ("passed", "passed")  # true for its own period
    with pytest.raises(PolicyError):
        desk.issuer.recertify(old["id"], by=desk.alice)
    assert desk.issuer.public_status(old["id"]).to_json()["replacedBy"] == new.record.id


CSV = """holder_name,qualification,units,reference,awarded
Ana Novak,ecomentor,,A-1,2026-03-02
Marko Horvat,ecomentor,EM1,A-2,2026-03-02
,ecomentor,,A-3,2026-03-02
Lea Kovač,NOPE,,A-4,2026-03-02
Ivan Jurić,ecomentor,EM9,A-5,2026-03-02
Sara Babić,ecomentor,,,not-a-date
Sara Babić,ecomentor,,,2026-03-03
Ana Novak,ecomentor,,A-1,2026-03-02
"""


def test_batch_reports_bad_rows_by_line_and_never_duplicates(desk: Desk) -> None:
    units = [unit.id for unit in ecomentor().units]
    text = CSV.replace("EM1", units[0])
    rows = list(parse_batch_csv(text, desk.issuer.qualifications, now=START))
    errors = {row.line: row.message for row in rows if isinstance(row, RowError)}
    assert sorted(errors) == [4, 5, 6, 7, 9]
    assert "holder name" in errors[4] and "NOPE" in errors[5] and "EM9" in errors[6]
    assert "not-a-date" in errors[7] and "line 2" in errors[9]
    seen: list[int] = []
    report = desk.issuer.issue_batch(rows, by=desk.alice, progress=lambda n, _: seen.append(n))
    assert seen == list(range(1, len(rows) + 1))
    assert [line for line, _ in report.issued] == [2, 3, 8]
    assert len(report.errors) == 5 and report.already_issued == []
    desk.clock.at = START + timedelta(days=2)  # line 8 is awarded a day later
    for _, credential_id in report.issued:
        assert desk.verify(json.loads(desk.issuer.get(credential_id).signed_json)).verified

    again = desk.issuer.issue_batch(
        parse_batch_csv(text, desk.issuer.qualifications, now=START + timedelta(days=1)),
        by=desk.alice,
    )
    assert again.issued == [] and again.already_issued == report.issued
    assert len(desk.issuer.store.read(lambda tx: tx.list_credentials())) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("holder_name,qualification,colour\n", "unknown columns"),
        ("holder_name\n", "missing columns"),
        ("holder_name,qualification,holder_name\n", "repeated"),
    ],
)
def test_batch_header_errors(text: str, message: str) -> None:
    from vcissue.errors import MalformedInput

    with pytest.raises(MalformedInput, match=message):
        list(parse_batch_csv(text, {"ecomentor": ecomentor()}, now=START))


def test_a_full_list_rolls_over(desk: Desk, backend: Backend) -> None:
    first = desk.issuer.issue(desk.award(), by=desk.alice)
    size = desk.issuer.settings.list_size
    rev = first.record.revocation_list
    # Fill all but two indices of the revocation list behind the issuer's back.
    if backend.name == "sqlite":
        fill = (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO allocations (list_id, idx, credential_id) "
            "SELECT ?, i, 'filler' FROM n WHERE i NOT IN (?, 5, 77)"
        )
    else:
        fill = (
            "INSERT INTO allocations (list_id, idx, credential_id) "
            "SELECT ?, i, 'filler' FROM generate_series(0, ?) AS i WHERE i NOT IN (?, 5, 77)"
        )
    params = (size - 1, rev, first.record.revocation_index)
    if backend.name != "sqlite":
        params = (rev, size - 1, first.record.revocation_index)
    backend.raw(fill, params)
    if first.record.revocation_index in (5, 77):
        pytest.skip("the first credential drew one of the two indices left free")
    second = desk.issuer.issue(desk.award("B"), by=desk.alice).record
    third = desk.issuer.issue(desk.award("C"), by=desk.alice).record
    assert {second.revocation_index, third.revocation_index} == {5, 77}
    assert second.revocation_list == third.revocation_list == rev
    fourth = desk.issuer.issue(desk.award("D"), by=desk.alice)
    assert fourth.record.revocation_list == f"{BASE}/revocation-2"
    assert fourth.record.suspension_list == f"{BASE}/suspension-1"
    assert desk.verify(fourth.credential).verified
    lists = {item.id: item.full for item in desk.issuer.store.read(lambda tx: tx.lists())}
    assert lists[rev] is True and lists[f"{BASE}/revocation-2"] is False
    assert (desk.publish_dir / "revocation-2").exists()


def test_first_lists_created_concurrently_retry_instead_of_failing(
    backend: Backend, tmp_path: Path
) -> None:
    """Regression (CI, PostgreSQL): two issuers finding no open list both created
    revocation-1; the loser got DuplicateError instead of retrying."""
    body = Body()
    first = Desk(backend.open(), tmp_path / "a", body=body)
    second = Desk(backend.open(), tmp_path / "b", body=body)
    issued: list[str] = []
    with first.issuer.store.transaction() as tx:  # creation held open, not committed
        first.issuer._create_list(_Work(tx, START), "revocation", "default")
        worker = threading.Thread(
            target=lambda: issued.append(
                second.issuer.issue(second.award(), by=second.alice).record.id
            )
        )
        worker.start()
        time.sleep(0.5)  # let the second issuer reach the same list creation
    worker.join(timeout=60)
    assert len(issued) == 1
    lists = first.issuer.store.read(lambda tx: [item.id for item in tx.lists()])
    assert sorted(lists) == [f"{BASE}/revocation-1", f"{BASE}/suspension-1"]


def test_public_status_reveals_no_reason(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    desk.issuer.suspend(
        vc["id"], reason="confidential complaint", until=START + timedelta(1), by=desk.op
    )
    answer = json.dumps(desk.issuer.public_status(vc["id"]).to_json())
    assert "complaint" not in answer and "suspend" not in answer
    assert '"current": false' in answer
    desk.clock.at = START + timedelta(days=10 * 365)
    desk.issuer.run_lifecycle()
    assert desk.issuer.public_status(vc["id"]).to_json()["current"] is False


def test_publish_repairs_a_lost_file(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    desk.issuer.suspend(vc["id"], reason="r", until=START + timedelta(days=3), by=desk.op)
    (desk.publish_dir / "suspension-1").unlink()
    assert desk.issuer.publish() == 2
    assert sorted(p.name for p in desk.publish_dir.iterdir()) == [
        "audit-checkpoint",
        "revocation-1",
        "suspension-1",
    ]
    assert desk.outcome(vc) == ("passed", "failed")


def test_jcs_suite_lists(store: Store, tmp_path: Path) -> None:
    desk = Desk(store, tmp_path, suite="eddsa-jcs-2022")
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    desk.issuer.suspend(vc["id"], reason="r", until=START + timedelta(days=3), by=desk.op)
    assert vc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert desk.outcome(vc) == ("passed", "failed")


# ----------------------------------------------------------------------------- processes

WORKERS = 8
PER_WORKER = 500
WORKER = Principal("worker", "worker", frozenset({"issuer"}))


def _issuer_for(spec: tuple[str, str | None, str, str], tmp: str) -> Issuer:
    url, schema, seed_hex, did = spec
    store = open_store(url, pg_schema=schema, create=True)
    body = Body(did)
    body.key = SigningKey(bytes.fromhex(seed_hex), f"{did}#key-1")
    return Issuer(
        store,
        body.key,
        body.profile,
        [ecomentor()],
        IssuerSettings(BASE),
        clock=system_clock,
        rng=system_random,  # eight processes: each its own system randomness
        publisher=DirectoryPublisher(Path(tmp), BASE),
    )


def _issue_many(
    spec: tuple[str, str | None, str, str],
    tmp: str,
    worker: int,
    barrier: Any,
    results: Any,
    count: int = PER_WORKER,
) -> None:
    try:
        barrier.wait(timeout=60)
        issuer = _issuer_for(spec, tmp)
        for i in range(count):
            award = Award(Holder(f"Holder {worker}-{i}"), ecomentor(), awarded=START)
            issuer.issue(award, by=WORKER, batch_key=f"w{worker}-{i}")
        issuer.store.close()
        results.put((worker, "ok"))
    except BaseException:
        results.put((worker, traceback.format_exc()))


def _issue_in_processes(
    spec: tuple[str, str | None, str, str], tmp: str, workers: int, each: int
) -> None:
    """``workers`` spawned processes, started together, issue ``each`` credentials apiece;
    a traceback from any of them fails the test."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    procs = [
        ctx.Process(target=_issue_many, args=(spec, tmp, w, barrier, results, each))
        for w in range(workers)
    ]
    for proc in procs:
        proc.start()
    reports = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    failures = [text for _, text in reports if text != "ok"]
    assert not failures, failures[0]


def _spec(backend: Backend, body: Body) -> tuple[str, str | None, str, str]:
    return (backend.url, backend.pg_schema, body.key.seed.hex(), body.did)


def test_eight_processes_issue_500_each(backend: Backend, tmp_path: Path) -> None:
    started = time.monotonic()
    _issue_in_processes(_spec(backend, Body()), str(tmp_path), WORKERS, PER_WORKER)
    elapsed = time.monotonic() - started

    store = backend.open()
    credentials = store.read(lambda tx: tx.list_credentials())
    assert len(credentials) == WORKERS * PER_WORKER
    indices = {(c.revocation_list, c.revocation_index) for c in credentials} | {
        (c.suspension_list, c.suspension_index) for c in credentials
    }
    assert len(indices) == 2 * WORKERS * PER_WORKER
    allocated = store.read(lambda tx: sum(tx.allocated_count(item.id) for item in tx.lists()))
    assert allocated == 2 * WORKERS * PER_WORKER  # no orphaned index
    entries = store.read(lambda tx: tx.audit_entries())
    assert [e.seq for e in entries] == list(range(1, WORKERS * PER_WORKER + 1))
    assert store.read(lambda tx: tx.verify_audit()) == []
    print(f"\n{backend.name}: {WORKERS}x{PER_WORKER} issued in {elapsed:.1f}s")


ROLLOVER_FREE = (3, 17, 130, 999, 4_096, 20_000, 65_537, 70_000, 99_999, 110_000, 120_000, 131_071)


def test_processes_roll_a_full_list_over_together(backend: Backend, tmp_path: Path) -> None:
    """The open lists are not locked while indices are drawn: four processes fill the last
    free indices of the revocation list at once, close it and open the next one (a versioned
    save and a second open list each refused to all but one of them, who re-run). Every
    index is given once, nothing is orphaned, one list stays open, the log is whole."""
    body = Body()
    spec = _spec(backend, body)
    first = _issuer_for(spec, str(tmp_path)).issue(
        Award(Holder("Opens the lists"), ecomentor(), awarded=START), by=WORKER
    )
    rev, size = first.record.revocation_list, IssuerSettings(BASE).list_size
    if first.record.revocation_index in ROLLOVER_FREE:
        pytest.skip("the first credential drew one of the indices left free")
    if backend.name == "sqlite":
        fill = (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO allocations (list_id, idx, credential_id) SELECT ?, i, 'filler' "
            f"FROM n WHERE i <> ? AND i NOT IN {ROLLOVER_FREE}"
        )
        backend.raw(fill, (size - 1, rev, first.record.revocation_index))
    else:
        fill = (
            "INSERT INTO allocations (list_id, idx, credential_id) SELECT ?, i, 'filler' "
            f"FROM generate_series(0, ?) AS i WHERE i <> ? AND i NOT IN {ROLLOVER_FREE}"
        )
        backend.raw(fill, (rev, size - 1, first.record.revocation_index))
    workers, each = 4, 10
    _issue_in_processes(spec, str(tmp_path), workers, each)

    store = backend.open()
    credentials = store.read(lambda tx: tx.list_credentials())
    assert len(credentials) == 1 + workers * each
    slots = {(c.revocation_list, c.revocation_index) for c in credentials}
    assert len(slots) == len(credentials)
    in_first = [c for c in credentials if c.revocation_list == rev]
    assert len(in_first) == 1 + len(ROLLOVER_FREE)  # the free indices, each given once
    lists = store.read(lambda tx: [item for item in tx.lists() if item.purpose == "revocation"])
    assert [item.full for item in lists] == [True, False]
    allocated = store.read(lambda tx: {item.id: tx.allocated_count(item.id) for item in lists})
    assert allocated == {rev: size, lists[1].id: len(credentials) - len(in_first)}
    entries = store.read(lambda tx: tx.audit_entries())
    assert [e.seq for e in entries] == list(range(1, len(credentials) + 1))
    assert store.read(lambda tx: tx.verify_audit()) == []


def _batch_then_die(
    spec: tuple[str, str | None, str, str], tmp: str, csv_path: str, workers: int, halfway: int
) -> None:
    """A batch that stops once ``halfway`` rows are reported stored, with the next chunk
    reserved and (with workers) signing, and waits there for the test's SIGKILL. (Polling
    the store from outside instead let a fast batch finish between two polls.)"""
    issuer = _issuer_for(spec, tmp)
    rows = parse_batch_csv(Path(csv_path).read_text(), issuer.qualifications, now=START)

    def progress(done: int, row: object) -> None:
        if done == halfway:
            Path(tmp, "halfway").write_text(str(done))
            time.sleep(600)

    issuer.issue_batch(rows, by=WORKER, chunk=KILL_CHUNK, workers=workers, progress=progress)


KILL_CHUNK = 16  # rows per transaction in the killed batch


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(child) for child in path.read_text().split()} if path.exists() else set()


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may never reap an orphan)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_killed_halfway_resumes_without_loss(
    backend: Backend, tmp_path: Path, workers: int
) -> None:
    body = Body()
    rows = 200
    csv_path = tmp_path / "holders.csv"
    csv_path.write_text(
        "holder_name,qualification,reference\n"
        + "".join(f"Holder {i},ecomentor,R-{i}\n" for i in range(rows))
    )
    spec = _spec(backend, body)
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(
        target=_batch_then_die, args=(spec, str(tmp_path), str(csv_path), workers, rows // 2)
    )
    proc.start()
    store = backend.open()
    deadline = time.monotonic() + 120
    while not (tmp_path / "halfway").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    signers = _children(proc.pid or 0)
    os.kill(proc.pid or 0, signal.SIGKILL)
    proc.join(timeout=30)
    assert proc.exitcode == -signal.SIGKILL
    if workers > 1:
        assert len(signers) == workers, "the signing workers run beside the batch"
    deadline = time.monotonic() + 30
    while signers and time.monotonic() < deadline:  # orphaned workers see the pipe close
        signers = {pid for pid in signers if _running(pid)}
        time.sleep(0.05)
    assert not signers, "signing workers outlived the killed batch"
    before = store.read(lambda tx: len(tx.list_credentials()))
    assert rows // 2 <= before < rows, "the kill must land halfway through the batch"
    assert before % KILL_CHUNK == 0, "a chunk is stored whole or not at all"

    issuer = _issuer_for(spec, str(tmp_path))
    report = issuer.issue_batch(
        parse_batch_csv(csv_path.read_text(), issuer.qualifications, now=START), by=WORKER
    )
    assert len(report.already_issued) == before and len(report.issued) == rows - before
    assert report.errors == []

    credentials = store.read(lambda tx: tx.list_credentials())
    assert len(credentials) == rows
    assert len({c.batch_key for c in credentials}) == rows
    allocated = store.read(lambda tx: sum(tx.allocated_count(item.id) for item in tx.lists()))
    # Indices are reserved in a short transaction of their own before signing, a chunk
    # ahead of the one being stored: the kill may have left two chunks' reservations (two
    # indices a row) unused, never reused.
    assert 2 * rows <= allocated <= 2 * rows + 4 * KILL_CHUNK and allocated % 2 == 0
    assert store.read(lambda tx: tx.verify_audit()) == []
    desk = Desk(store, tmp_path, body=body)
    desk.publish_dir = Path(tmp_path)
    desk.clock.at = datetime.now(UTC)  # the workers signed their lists on the real clock
    for record in credentials:
        result = desk.verify(json.loads(record.signed_json))
        assert result.verified, (record.id, result.failures)


# ------------------------------------------------- reserve, then sign outside any lock


@contextmanager
def _second_issue_parked_in(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> Iterator[tuple[Issuer, tuple[str, str | None, str, str], threading.Thread, list[Any]]]:
    """An issuer that has issued once (its lists are open), and a second issue of it
    running in a thread, parked inside ``method`` until the block ends; yields the issuer,
    its spec (for another issuer on the same store), the thread and the thread's outcome."""
    spec = _spec(backend, Body())
    first = _issuer_for(spec, str(tmp_path))
    first.issue(Award(Holder("Opens the lists"), ecomentor(), awarded=START), by=WORKER)
    reached, release = threading.Event(), threading.Event()
    real = getattr(first, method)

    def parked(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        assert release.wait(timeout=60)
        return real(*args, **kwargs)

    monkeypatch.setattr(first, method, parked)
    outcome: list[Any] = []
    worker = threading.Thread(
        target=lambda: outcome.append(
            first.issue(Award(Holder("Parked"), ecomentor(), awarded=START), by=WORKER)
        )
    )
    worker.start()
    try:
        assert reached.wait(timeout=60)
        yield first, spec, worker, outcome
    finally:
        release.set()
        worker.join(timeout=60)


def test_signing_holds_no_lock_on_the_open_lists(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one issuer signs, another can reserve and store at once: nothing is locked
    while a credential is signed."""
    with _second_issue_parked_in(backend, tmp_path, monkeypatch, "_sign_award") as parked:
        first, spec, worker, outcome = parked
        second = _issuer_for(spec, str(tmp_path))
        started = time.monotonic()
        other = second.issue(
            Award(Holder("Not kept waiting"), ecomentor(), awarded=START), by=WORKER
        )
        waited = time.monotonic() - started
        second.store.close()
    assert outcome and outcome[0].created and other.created
    # Not a timing assertion on speed: the second issue must not have waited for the
    # first (which is parked until the block ends), so it finished while the first signed.
    assert not worker.is_alive() and waited < 60
    records = first.store.read(lambda tx: tx.list_credentials())
    assert len(records) == 3
    slots = [(r.revocation_list, r.revocation_index) for r in records]
    assert len(set(slots)) == 3


def test_reservations_do_not_queue_behind_each_other(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two issuers reserve from the same open lists at once: the lists' rows are not
    locked, so the second reserves, signs and stores while the first is parked inside its
    reservation transaction (after its indices, before its number). Indices and numbers
    stay distinct. (SQLite writes one transaction at a time, so this is PostgreSQL's.)"""
    if backend.name == "sqlite":
        pytest.skip("SQLite has one writer at a time")
    with _second_issue_parked_in(backend, tmp_path, monkeypatch, "_number") as parked:
        first, spec, worker, outcome = parked
        second = _issuer_for(spec, str(tmp_path))
        other = second.issue(Award(Holder("Not queued"), ecomentor(), awarded=START), by=WORKER)
        second.store.close()
        # the first is still parked in its reservation: the second did not wait for it
        assert worker.is_alive() and not outcome
    assert outcome and outcome[0].created and other.created
    records = first.store.read(lambda tx: tx.list_credentials())
    assert len(records) == 3
    for slots in (
        [(r.revocation_list, r.revocation_index) for r in records],
        [(r.suspension_list, r.suspension_index) for r in records],
        [r.number for r in records],
    ):
        assert len(set(slots)) == 3, slots


def _reserve_then_die(spec: tuple[str, str | None, str, str], tmp: str) -> None:
    issuer = _issuer_for(spec, tmp)
    prepared = issuer._prepare(Award(Holder("Never stored"), ecomentor(), awarded=START))
    Path(tmp, "reserved.json").write_text(
        json.dumps([list(prepared.revocation), list(prepared.suspension)])
    )
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_issuer_loses_only_its_reservation(backend: Backend, tmp_path: Path) -> None:
    body = Body()
    spec = _spec(backend, body)
    proc = multiprocessing.get_context("spawn").Process(
        target=_reserve_then_die, args=(spec, str(tmp_path))
    )
    proc.start()
    proc.join(timeout=120)
    assert proc.exitcode == -signal.SIGKILL
    reserved = {tuple(slot) for slot in json.loads((tmp_path / "reserved.json").read_text())}
    issuer = _issuer_for(spec, str(tmp_path))
    store = issuer.store
    assert store.read(lambda tx: tx.list_credentials()) == []
    assert store.read(lambda tx: sum(tx.allocated_count(i.id) for i in tx.lists())) == 2
    issued = [
        issuer.issue(Award(Holder(f"After {i}"), ecomentor(), awarded=START), by=WORKER).record
        for i in range(40)
    ]
    slots = {(r.revocation_list, r.revocation_index) for r in issued} | {
        (r.suspension_list, r.suspension_index) for r in issued
    }
    assert len(slots) == 80 and not slots & reserved  # a reserved index is never reused
    assert store.read(lambda tx: sum(tx.allocated_count(i.id) for i in tx.lists())) == 82
    assert store.read(lambda tx: tx.verify_audit()) == []


def test_pooled_batches_in_two_threads_sign_with_their_own_desks(tmp_path: Path) -> None:
    """The signing workers inherit the desk of the batch that forked them: two desks (two
    bodies' keys) batching at once in one process each get their own signatures."""
    desks = [
        Desk(open_store(f"sqlite:///{tmp_path}/{n}.db", create=True), tmp_path / str(n))
        for n in range(2)
    ]
    text = "holder_name,qualification,reference\n" + "".join(
        f"Holder {i},ecomentor,R-{i}\n" for i in range(12)
    )
    reports: dict[int, Any] = {}

    def run(n: int) -> None:
        desk = desks[n]
        rows = parse_batch_csv(text, desk.issuer.qualifications, now=START)
        reports[n] = desk.issuer.issue_batch(rows, by=desk.alice, chunk=3, workers=2)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for n, desk in enumerate(desks):
        assert len(reports[n].issued) == 12 and not reports[n].errors
        for _, credential_id in reports[n].issued:
            credential = json.loads(desk.issuer.get(credential_id).signed_json)
            assert desk.verify(credential, renew=False).verified
            other = desks[1 - n].verify(credential, renew=False)
            assert not other.verified  # the other body's key did not sign it
