"""The transactional outbox: every state change writes exactly one event in its own
transaction (SQLite and PostgreSQL); a change that fails writes none; the holder's e-mail
address is kept with the record and never signed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.factories import ecomentor
from tests.integration.test_issuer import START, Desk
from vcissue.errors import CredentialError, PolicyError, StoreError
from vcissue.governance.policies import DEFAULT_POLICIES, Policies, Policy
from vcissue.model import Award, Holder
from vcissue.store import Store
from vcissue.store.records import EventRecord


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path)


def events(desk: Desk) -> list[EventRecord]:
    return desk.issuer.store.read(lambda tx: tx.events())


def kinds(desk: Desk) -> list[str]:
    return [event.kind for event in events(desk)]


def test_each_change_writes_exactly_one_event(desk: Desk) -> None:
    issuer, award = desk.issuer, desk.award
    vc = issuer.issue(award(), by=desk.alice).credential
    assert kinds(desk) == ["issued"]
    issuer.suspend(vc["id"], reason="audit", until=START + timedelta(days=9), by=desk.op)
    issuer.extend_suspension(
        vc["id"], reason="more time", until=START + timedelta(days=20), by=desk.op
    )
    issuer.reinstate(vc["id"], reason="cleared", by=desk.op)
    renewed = issuer.recertify(vc["id"], by=desk.alice).result.record
    units = [unit.id for unit in award().qualification.units]
    narrowed = issuer.reduce_scope(renewed.id, units=units[:1], reason="U2", by=desk.op)
    widened = issuer.expand_scope(
        narrowed.result.record.id, units=units[:2], reason="U2 again", by=desk.op
    )
    issuer.withdraw(widened.result.record.id, reason="left", by=desk.op)
    other = issuer.issue(award("Iva Horvat"), by=desk.alice).credential
    issuer.revoke(other["id"], reason="fraud", by=desk.director_1)
    appeal = issuer.lodge_appeal(
        against="revocation", subject=other["id"], appellant="Iva", grounds="g", by=desk.op
    )
    issuer.decide_appeal(appeal.id, outcome="upheld", by=desk.director_2)
    assert kinds(desk) == [
        "issued",
        "suspended",
        "suspension-extended",
        "reinstated",
        "recertified",  # the new credential's issue is told by this one event
        "scope-changed",
        "scope-changed",
        "withdrawn",
        "issued",
        "revoked",
        "restored",
    ]
    # one event per audit entry of a state change, with the audit entry's time
    found = events(desk)
    assert len({event.id for event in found}) == len(found)
    suspended = found[1]
    assert suspended.credential_id == vc["id"]
    assert suspended.data["until"] == "2026-03-11T09:30:00Z"
    assert suspended.data["credential"]["state"] == "suspended"
    assert suspended.data["credential"]["holderName"] == "Ana Novak"
    number = desk.issuer.get(vc["id"]).number
    assert number and suspended.data["credential"]["number"] == number  # as printed
    assert found[4].data["replacement"] == renewed.id
    assert "approvers" not in found[9].data  # who decided stays internal
    assert all(event.dispatched_at is None for event in found)


def test_pending_decisions_and_reads_write_no_event(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    desk.issuer.public_status(vc["id"])
    desk.issuer.run_lifecycle()
    two = Desk(desk.issuer.store, desk.publish_dir.parent / "two", approvers=2)
    pending = two.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
    assert pending.state == "pending"
    assert kinds(desk) == ["issued"]
    two.issuer.approve(pending.case_id, by=desk.director_2)
    assert kinds(desk) == ["issued", "revoked"]


def test_an_overdue_suspension_withdrawn_by_the_lifecycle_run_is_one_event(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    desk.issuer.suspend(vc["id"], reason="r", until=START + timedelta(days=3), by=desk.op)
    desk.clock.at = START + timedelta(days=4)
    desk.issuer.run_lifecycle()
    desk.issuer.run_lifecycle()  # idempotent: nothing more to withdraw, nothing to tell
    assert kinds(desk) == ["issued", "suspended", "withdrawn"]


def test_a_failed_transaction_writes_no_event(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    tx_class = type(desk.issuer.store.read(lambda tx: tx))
    written = tx_class.add_event

    # the event is written, then the transaction fails: neither change nor event remains
    def then_fail(self: object, record: EventRecord) -> bool:
        assert written(self, record)
        raise StoreError("disk gone")

    monkeypatch.setattr(tx_class, "add_event", then_fail)
    with pytest.raises(StoreError, match="disk gone"):
        desk.issuer.suspend(vc["id"], reason="r", until=START + timedelta(days=3), by=desk.op)
    monkeypatch.undo()
    assert kinds(desk) == ["issued"]
    assert desk.issuer.get(vc["id"]).state == "active"
    # a refused change writes nothing either
    with pytest.raises(PolicyError):
        desk.issuer.reinstate(vc["id"], reason="not suspended", by=desk.op)
    assert kinds(desk) == ["issued"]


def test_an_event_fails_with_its_change(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other way round: the outbox write fails, so the change is not made."""
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    tx_class = type(desk.issuer.store.read(lambda tx: tx))

    def full(self: object, record: EventRecord) -> bool:
        raise StoreError("outbox full")

    monkeypatch.setattr(tx_class, "add_event", full)
    with pytest.raises(StoreError, match="outbox full"):
        desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
    monkeypatch.undo()
    assert desk.issuer.get(vc["id"]).state == "active"
    assert desk.outcome(vc) == ("passed", "passed")
    assert [e.action for e in desk.log()] == ["issue"]


def test_the_holder_email_is_kept_carried_forward_and_never_signed(desk: Desk) -> None:
    award = Award(
        Holder("Ana Novak", email="ana@example.org"), desk.award().qualification, awarded=START
    )
    issued = desk.issuer.issue(award, by=desk.alice)
    assert issued.record.holder_email == "ana@example.org"
    assert "ana@example.org" not in issued.record.signed_json
    assert desk.issuer.get(issued.record.id).holder_email == "ana@example.org"
    renewed = desk.issuer.recertify(issued.record.id, by=desk.alice).result.record
    assert desk.issuer.get(renewed.id).holder_email == "ana@example.org"
    assert "ana@example.org" not in json.dumps(events(desk)[-1].data)


def test_a_pending_award_keeps_the_email_until_it_is_decided(store: Store, tmp_path: Path) -> None:
    award_panel = {"ecomentor": {"award": Policy("approver", 2)}}
    panel = Policies({**DEFAULT_POLICIES}, per_qualification=award_panel)
    desk = Desk(store, tmp_path, rules=panel)
    award = Award(Holder("Ana", email="ana@example.org"), desk.award().qualification, awarded=START)
    asked = desk.issuer.request_award(award, by=desk.alice)
    desk.issuer.approve(asked.case_id, by=desk.director_1)
    done = desk.issuer.approve(asked.case_id, by=desk.director_2)
    assert done.result.record.holder_email == "ana@example.org"


@pytest.mark.parametrize(
    "email",
    [
        "ana",
        "ana@",
        "@example.org",
        "ana@example",
        "ana@@example.org",
        "ana novak@example.org",
        "ana@example.org\r\nBcc: eve@example.org",
        "ana@exa_mple.org",
        ".ana@example.org",
        "an..a@example.org",
        "a" * 65 + "@example.org",
        "ana@" + "a" * 250 + ".org",
        "ana@example.org\x00",
    ],
)
def test_a_malformed_email_is_refused(email: str) -> None:
    with pytest.raises(CredentialError):
        Award.from_request(ecomentor(), holder_name="Ana", holder_email=email, awarded=START)
