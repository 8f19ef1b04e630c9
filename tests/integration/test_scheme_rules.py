"""Issue 12 section 3 over a real store (SQLite, and PostgreSQL when configured): the
schemes' own rules. A KCS Level 2 award needs a current Level 1 of the same organisation
and references it; recertification opens a window before expiry, accepts a grace period
after it, and past that the certification has lapsed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.factories import EXAMPLES, ecomentor
from tests.integration.test_issuer import START, Desk
from vcissue.batch import parse_batch_csv
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


@pytest.mark.parametrize(("chunk", "workers"), [(1, 1), (2, 1), (3, 1), (256, 1), (2, 2), (256, 2)])
def test_a_batch_in_chunks_answers_as_row_by_row(
    store: Store, tmp_path: Path, chunk: int, workers: int
) -> None:
    """Chunks and signing workers change how rows are stored, not what a row gets: a Level
    2 row sees the Level 1 row before it in the same batch (it waits for the rows before it
    to be stored), one without a Level 1 is refused by line, a row handed twice is issued
    once, and nothing else is lost."""
    desk = Desk(store, tmp_path, qualifications=[ecomentor(), kcs(1), kcs(2)])
    text = (
        "holder_name,qualification,reference\n"
        "Ana Novak,ecomentor,E-1\n"
        "Children First,kcs-level1,K-1\n"
        "Ivo Horvat,ecomentor,E-2\n"
        "Children First,kcs-level2,K-2\n"
        "Other Org,kcs-level2,K-3\n"
        "Lea Kovač,ecomentor,E-3\n"
    )
    rows = list(parse_batch_csv(text, desk.issuer.qualifications, now=START))
    seen: list[int] = []
    report = desk.issuer.issue_batch(
        [*rows, rows[0], rows[3]], by=desk.alice, chunk=chunk, workers=workers,
        progress=lambda done, _: seen.append(done),
    )  # fmt: skip
    assert seen == list(range(1, len(rows) + 3))
    assert [line for line, _ in report.issued] == [2, 3, 4, 5, 7]
    assert [(error.line, "none is held" in error.message) for error in report.errors] == [(6, True)]
    issued = dict(report.issued)
    assert report.already_issued == [(2, issued[2]), (5, issued[5])]
    level2 = desk.issuer.get(issued[5]).signed_json
    assert issued[3] in level2  # the Level 1 of the same batch is its prerequisite
    records = desk.issuer.store.read(lambda tx: tx.list_credentials())
    assert sorted(record.id for record in records) == sorted(issued.values())
    assert desk.issuer.audit_check().intact
    for record in records:
        assert desk.verify(json.loads(record.signed_json)).verdict is Verdict.VALID


def test_a_chunk_spoiled_by_one_row_falls_back_to_row_by_row(store: Store, tmp_path: Path) -> None:
    """A row that fails when its chunk is stored rolls the chunk's transaction back; the
    chunk's rows are then issued one by one, so the others are not lost and the row gets
    its own answer (here it fails once, then succeeds on its own), with no index reused."""
    desk = Desk(store, tmp_path, qualifications=[ecomentor()])
    text = "holder_name,qualification,reference\n" + "".join(
        f"Holder {i},ecomentor,R-{i}\n" for i in range(5)
    )
    rows = list(parse_batch_csv(text, desk.issuer.qualifications, now=START))
    issuer = desk.issuer
    issue_tx = issuer._issue_tx
    failed: list[str] = []

    def once(work: Any, award: Any, credential_id: str, actor: str, key: Any, **kw: Any) -> Any:
        if key == rows[2].batch_key and not failed:
            failed.append(key)
            raise PolicyError("refused once")
        return issue_tx(work, award, credential_id, actor, key, **kw)

    issuer._issue_tx = once  # type: ignore[method-assign]
    report = issuer.issue_batch(rows, by=desk.alice, chunk=5)
    assert failed == [rows[2].batch_key]
    assert [line for line, _ in report.issued] == [2, 3, 4, 5, 6]
    assert report.errors == [] and report.already_issued == []
    records = issuer.store.read(lambda tx: tx.list_credentials())
    assert len(records) == 5
    allocated = issuer.store.read(lambda tx: sum(tx.allocated_count(e.id) for e in tx.lists()))
    assert allocated == 2 * 5 + 2 * 5  # the spoiled chunk's reservations stay unused
    assert issuer.audit_check().intact
    for record in records:
        assert desk.verify(json.loads(record.signed_json)).verdict is Verdict.VALID
