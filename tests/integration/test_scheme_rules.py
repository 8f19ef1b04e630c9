"""Issue 12 section 3 over a real store (SQLite, and PostgreSQL when configured): the
schemes' own rules. A KCS Level 2 award needs a current Level 1 of the same organisation
and references it; recertification opens a window before expiry, accepts a grace period
after it, and past that the certification has lapsed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.factories import EXAMPLES, ecomentor
from tests.integration.test_issuer import START, Desk
from vcissue.errors import PolicyError
from vcissue.governance.principals import add_principal
from vcissue.model import (
    Award,
    EvidenceRef,
    Holder,
    Qualification,
    load_qualification,
    qualification_from_dict,
    qualification_to_dict,
)
from vcissue.store import Store
from vcissue.verify import Verdict


def kcs(level: int) -> Qualification:
    return load_qualification(EXAMPLES / "kcs" / f"level{level}.json")


def org(name: str) -> Holder:
    return Holder(name, kind="organisation")


def test_level2_needs_a_current_level1_of_the_same_organisation(
    store: Store, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path, qualifications=[ecomentor(), kcs(1), kcs(2)])
    level2 = kcs(2)
    assert level2.requires == ("kcs-level1",)
    with pytest.raises(PolicyError, match="requires a current kcs-level1 certificate"):
        desk.issuer.issue(
            Award(org("Children First"), level2, awarded=START),
            by=desk.alice,
        )
    level1 = desk.issuer.issue(
        Award(org("Children First"), kcs(1), awarded=START), by=desk.alice
    ).credential
    with pytest.raises(PolicyError, match="none is held"):  # another organisation's
        desk.issuer.issue(Award(org("Other Org"), level2, awarded=START), by=desk.alice)
    awarded = desk.issuer.issue(
        Award(org("CHILDREN  first"), level2, awarded=START), by=desk.alice
    ).credential
    prerequisite = [e for e in awarded["evidence"] if e.get("genre") == "Prerequisite"]
    assert [e["id"] for e in prerequisite] == [level1["id"]]
    assert desk.verify(awarded).verdict is Verdict.VALID
    desk.issuer.revoke(level1["id"], reason="audit failed", by=desk.director_1)
    with pytest.raises(PolicyError, match="none is held"):  # a revoked Level 1 is not current
        desk.issuer.issue(
            Award(org("Children First"), level2, awarded=START),
            by=desk.alice,
        )


def test_recertification_window_grace_and_lapse(store: Store, tmp_path: Path) -> None:
    document = qualification_to_dict(ecomentor())
    document["recertification"] = {"window": "P6M", "grace": "P3M"}
    rules = qualification_from_dict(document)
    desk = Desk(store, tmp_path, qualifications=[rules])
    early, in_grace, lapsed = (
        desk.issuer.issue(Award(Holder(name), rules, awarded=START), by=desk.alice).credential
        for name in ("Ana Novak", "Ivo Horvat", "Lea Kovač")
    )
    expires = desk.issuer.get(early["id"]).expires
    desk.clock.at = expires - timedelta(days=200)
    with pytest.raises(PolicyError, match="opens P6M before expiry"):
        desk.issuer.recertify(early["id"], by=desk.alice)
    desk.clock.at = expires - timedelta(days=150)
    renewed = desk.issuer.recertify(early["id"], by=desk.alice).result.credential
    assert renewed["validFrom"] > early["validFrom"]
    desk.clock.at = expires + timedelta(days=60)  # expired, within the grace period
    assert desk.issuer.recertify(in_grace["id"], by=desk.alice).state == "done"
    desk.clock.at = expires + timedelta(days=100)
    with pytest.raises(PolicyError, match="lapsed"):
        desk.issuer.recertify(lapsed["id"], by=desk.alice)


def test_scope_changes_name_themselves_in_the_replacement(store: Store, tmp_path: Path) -> None:
    """The replacement of a scope reduction or expansion says which it is in its evidence
    (never 'recertification', which is what both used to say)."""
    desk = Desk(store, tmp_path)
    units = [unit.id for unit in ecomentor().units]
    first = desk.issuer.issue(
        Award(Holder("Ana Novak"), ecomentor(), awarded=START, units=tuple(units[:1])),
        by=desk.alice,
    ).credential
    wider = desk.issuer.expand_scope(first["id"], units=units[:2], reason="U2", by=desk.op)
    narrower = desk.issuer.reduce_scope(
        wider.result.record.id, units=units[:1], reason="U2 annulled", by=desk.op
    )
    for outcome, previous, genre, name in (
        (wider, first["id"], "ScopeExpansion", "Certificate whose scope this one expands"),
        (
            narrower,
            wider.result.record.id,
            "ScopeReduction",
            "Certificate whose scope this one reduces",
        ),
    ):
        vc = outcome.result.credential
        (entry,) = [e for e in vc["evidence"] if e["id"] == previous]
        assert (entry["genre"], entry["name"]) == (genre, name)
        assert "recertification" not in json.dumps(vc["evidence"]).lower()
    assert desk.verify(narrower.result.credential).verdict is Verdict.VALID


def test_a_pending_award_keeps_its_evidence_digest_and_rpl(store: Store, tmp_path: Path) -> None:
    """The award a panel approves later is the one requested: evidence digests and RPL
    units survive the pending decision (both stores)."""
    desk = Desk(store, tmp_path)
    assessor = add_principal(desk.issuer.store, "Assessor A", ["issuer"], now=START)
    evidence = EvidenceRef.of_document("https://files.example/ana/report.pdf", b"report")
    award = Award(
        Holder("Ana Novak"), ecomentor(), awarded=START, evidence=(evidence,), rpl=("U3",)
    )
    asked = desk.issuer.request_award(award, by=assessor, assessors=["Assessor A"])
    assert asked.state == "pending"
    vc = desk.issuer.approve(asked.case_id, by=desk.alice).result.credential
    report, rpl = vc["evidence"]
    assert report["digestMultibase"] == evidence.digest
    assert rpl["description"] == "U3 Evaluating the mentoring activities"
    assert desk.verify(vc).verdict is Verdict.VALID
