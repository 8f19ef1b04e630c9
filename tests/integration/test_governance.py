"""Governance over a real store (SQLite, and PostgreSQL when configured): decisions under
policies, pending approvals, assessors kept out of award decisions, complaints with
interim suspensions, and appeals decided by someone who took no part in the decision.
Every effect is checked as a verifier sees it, through the published status lists."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.test_issuer import START, Desk
from vcissue.errors import PolicyError
from vcissue.governance.policies import DEFAULT_POLICIES, Policies, Policy
from vcissue.governance.principals import add_principal
from vcissue.store import Store


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path, approvers=2)


def test_a_pending_decision_is_listed_rejected_or_expires(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    first = desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
    assert [d.case_id for d in desk.issuer.decisions(state="pending")] == [first.case_id]
    rejected = desk.issuer.reject(first.case_id, by=desk.director_2, reason="no evidence")
    assert rejected.state == "rejected"
    with pytest.raises(PolicyError, match="rejected, not pending"):
        desk.issuer.approve(first.case_id, by=desk.op)
    assert desk.outcome(vc) == ("passed", "passed")

    second = desk.issuer.revoke(vc["id"], reason="new evidence", by=desk.director_1)
    assert second.case_id != first.case_id  # a rejected decision is not reopened
    desk.clock.at = START + timedelta(days=15)  # past the 14-day default
    with pytest.raises(PolicyError, match="expired"):
        desk.issuer.approve(second.case_id, by=desk.director_2)
    assert desk.issuer.decision(second.case_id).state == "expired"
    assert desk.outcome(vc) == ("passed", "passed")
    assert desk.issuer.run_lifecycle().expired_decisions == []  # already closed
    third = desk.issuer.revoke(vc["id"], reason="again", by=desk.director_1)
    desk.clock.at += timedelta(days=15)
    assert desk.issuer.run_lifecycle().expired_decisions == [third.case_id]
    assert "decision-expire" in desk.actions()


def test_an_assessor_never_decides_the_award(desk: Desk) -> None:
    assessor = add_principal(desk.issuer.store, "Assessor A", ["issuer"], now=START)
    with pytest.raises(PolicyError, match="assessed this candidate"):
        desk.issuer.issue(desk.award(), by=assessor, assessors=["assessor a"])
    asked = desk.issuer.request_award(desk.award(), by=assessor, assessors=["Assessor A"])
    assert (asked.state, asked.approvals) == ("pending", ())  # asking is not approving
    with pytest.raises(PolicyError, match="assessed this candidate"):
        desk.issuer.approve(asked.case_id, by=assessor)
    done = desk.issuer.approve(asked.case_id, by=desk.alice)
    assert done.state == "done" and desk.verify(done.result.credential).verified
    issued = [e for e in desk.log() if e.action == "issue"]
    assert issued[-1].details["decision"]["assessors"] == ["assessor a"]
    assert issued[-1].details["decision"]["decidedBy"] == ["alice"]


def test_a_panel_awards_by_two_approvers(store: Store, tmp_path: Path) -> None:
    panel = Policies(
        {**DEFAULT_POLICIES},
        per_qualification={"ecomentor": {"award": Policy("approver", 2)}},
    )
    desk = Desk(store, tmp_path, rules=panel)
    with pytest.raises(PolicyError, match="need 2 approvers"):
        desk.issuer.issue(desk.award(), by=desk.director_1)
    asked = desk.issuer.request_award(desk.award(), by=desk.alice)  # an issuer proposes
    assert asked.approvals == ()
    assert desk.issuer.approve(asked.case_id, by=desk.director_1).state == "pending"
    done = desk.issuer.approve(asked.case_id, by=desk.director_2)
    assert done.state == "done" and done.approvals == ("director-1", "director-2")


def test_a_dismissed_complaint_lifts_its_interim_suspension(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    complaint = desk.issuer.open_complaint(
        about="late reports",
        complainant="employer",
        subject=vc["id"],
        by=desk.op,
        interim_suspension_until=START + timedelta(days=30),
    )
    assert complaint.target == START + timedelta(weeks=8)
    assert desk.outcome(vc) == ("passed", "failed")
    closed = desk.issuer.close_complaint(complaint.id, outcome="dismissed", by=desk.op)
    assert closed.state == "closed" and closed.data["outcome"] == "dismissed"
    assert desk.outcome(vc) == ("passed", "passed")
    with pytest.raises(PolicyError, match="closed"):
        desk.issuer.close_complaint(complaint.id, outcome="upheld", by=desk.op)
    with pytest.raises(PolicyError, match="operator role"):
        desk.issuer.open_complaint(about="x", complainant="y", by=desk.alice)


def test_an_upheld_complaint_proposes_the_sanction_to_the_approvers(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    operator = add_principal(desk.issuer.store, "desk clerk", ["operator"], now=START)
    complaint = desk.issuer.open_complaint(
        about="x", complainant="y", subject=vc["id"], by=operator
    )
    closed = desk.issuer.close_complaint(complaint.id, outcome="upheld", by=operator)
    sanction = desk.issuer.decision(closed.data["followUp"])
    assert (sanction.kind, sanction.state, sanction.approvals) == ("withdraw", "pending", ())
    assert desk.outcome(vc) == ("passed", "passed")
    desk.issuer.approve(sanction.case_id, by=desk.director_1)
    assert desk.issuer.get(vc["id"]).state == "withdrawn"
    assert desk.outcome(vc) == ("failed", "passed")


def test_an_appeal_is_decided_by_someone_outside_the_decision(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_1)
    desk.issuer.revoke(vc["id"], reason="fraud", by=desk.director_2)
    appeal = desk.issuer.lodge_appeal(
        against="revocation", subject=vc["id"], appellant="Ana", grounds="g", by=desk.op
    )
    assert appeal.data["originalDeciders"] == ["director-1", "director-2"]
    for barred in (desk.director_1, desk.director_2):
        with pytest.raises(PolicyError, match="took part"):
            desk.issuer.decide_appeal(appeal.id, outcome="upheld", by=barred)
    with pytest.raises(PolicyError, match="approver"):
        desk.issuer.decide_appeal(appeal.id, outcome="upheld", by=desk.alice)
    chair = add_principal(desk.issuer.store, "Chair", ["approver"], now=START)
    decided = desk.issuer.decide_appeal(appeal.id, outcome="upheld", by=chair)
    restored = desk.issuer.get(decided.data["restoredAs"])
    assert restored.previous_id == vc["id"] and restored.state == "active"
    assert desk.outcome(vc) == ("failed", "passed")  # the revocation bit is final
    new = desk.issuer.get(restored.id)
    assert new.expires == desk.issuer.get(vc["id"]).expires  # the same period
    assert desk.issuer.public_status(vc["id"]).to_json()["replacedBy"] == restored.id
    with pytest.raises(PolicyError, match="closed"):
        desk.issuer.decide_appeal(appeal.id, outcome="dismissed", by=chair)


def test_an_upheld_appeal_against_a_suspension_reinstates(desk: Desk) -> None:
    vc = desk.issuer.issue(desk.award(), by=desk.alice).credential
    desk.issuer.suspend(vc["id"], reason="r", until=START + timedelta(days=9), by=desk.op)
    desk.issuer.extend_suspension(
        vc["id"], reason="more time", until=START + timedelta(days=20), by=desk.op
    )
    desk.clock.at = START + timedelta(days=10)
    assert desk.issuer.run_lifecycle().withdrawn == []  # extended: not overdue
    appeal = desk.issuer.lodge_appeal(
        against="suspension", subject=vc["id"], appellant="Ana", grounds="g", by=desk.op
    )
    assert appeal.data["originalDeciders"] == ["op"]
    with pytest.raises(PolicyError, match="took part"):
        desk.issuer.decide_appeal(appeal.id, outcome="upheld", by=desk.op)
    desk.issuer.decide_appeal(appeal.id, outcome="upheld", by=desk.director_1)
    assert desk.outcome(vc) == ("passed", "passed")


def test_a_refused_award_appealed_and_upheld_is_awarded(desk: Desk) -> None:
    assessor = add_principal(desk.issuer.store, "assessor b", ["issuer"], now=START)
    asked = desk.issuer.request_award(desk.award(), by=assessor, assessors=["Assessor B"])
    assert asked.state == "pending"
    desk.issuer.reject(asked.case_id, by=desk.alice, reason="portfolio incomplete")
    appeal = desk.issuer.lodge_appeal(
        against="refused-award", subject=asked.case_id, appellant="Ana", grounds="g", by=desk.op
    )
    assert appeal.data["originalDeciders"] == ["alice", "assessor b"]
    alice_the_approver = add_principal(desk.issuer.store, "alice", ["approver"], now=START)
    with pytest.raises(PolicyError, match="took part"):
        desk.issuer.decide_appeal(appeal.id, outcome="upheld", by=alice_the_approver)
    decided = desk.issuer.decide_appeal(appeal.id, outcome="upheld", by=desk.director_2)
    awarded = desk.issuer.get(decided.data["restoredAs"])
    assert awarded.holder_name == "Ana Novak" and awarded.state == "active"


def test_scope_expanded_and_a_reduction_undone_on_appeal(desk: Desk) -> None:
    units = [unit.id for unit in desk.award().qualification.units]
    vc = desk.issuer.issue(desk.award(units=tuple(units[:1])), by=desk.alice).credential
    wider = desk.issuer.expand_scope(vc["id"], units=units[:2], reason="U2 passed", by=desk.op)
    assert wider.result.record.units == tuple(units[:2])
    assert desk.issuer.get(vc["id"]).state == "superseded"
    narrower = desk.issuer.reduce_scope(
        wider.result.record.id, units=units[:1], reason="U2 annulled", by=desk.op
    ).result
    appeal = desk.issuer.lodge_appeal(
        against="scope-reduction",
        subject=wider.result.record.id,
        appellant="Ana",
        grounds="g",
        by=desk.op,
    )
    decided = desk.issuer.decide_appeal(appeal.id, outcome="upheld", by=desk.director_1)
    restored = desk.issuer.get(decided.data["restoredAs"])
    assert restored.units == tuple(units[:2])
    assert desk.issuer.get(narrower.record.id).state == "superseded"
    assert desk.issuer.store.read(lambda tx: tx.verify_audit()) == []
