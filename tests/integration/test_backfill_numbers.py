"""Certificate numbers for credentials stored before numbers existed (issue 13 §1):
``backfill_numbers`` and ``vcissue numbers backfill`` number each from the number its
signed credential carries, else its qualification's pattern, in a transaction each,
idempotently; the register answers by the new numbers and the audit log still verifies
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.integration.conftest import Backend
from tests.integration.test_audit_state import check
from tests.integration.test_cli_lifecycle import deployment, run, staff  # noqa: F401
from tests.integration.test_issuer import Desk
from vcissue.issuer.core import IssuerCore
from vcissue.issuer.numbers import backfill_numbers
from vcissue.store import Store


def before_numbers(desk: Desk, monkeypatch: pytest.MonkeyPatch, *names: str) -> list[str]:
    """Credentials issued as vcissue did before numbers: none in the record or the
    signed credential."""
    with monkeypatch.context() as patch:
        patch.setattr(IssuerCore, "_number", lambda self, work, award: None)
        ids = [desk.issuer.issue(desk.award(name), by=desk.alice).record.id for name in names]
    for credential_id in ids:
        record = desk.issuer.get(credential_id)
        assert record.number is None
        assert "licenseNumber" not in json.loads(record.signed_json)["credentialSubject"]
    return ids


def test_backfill_numbers_old_credentials_once(
    store: Store, backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = Desk(store, tmp_path)
    old = before_numbers(desk, monkeypatch, "Ana Novak", "Ivo Ban")
    current = desk.issuer.issue(desk.award("Eva Kos"), by=desk.alice).record
    assert current.number == "EM-2026-000001"
    # a row whose signed credential carries a number the record lost keeps that number
    carried = desk.issuer.issue(desk.award("Bo Li"), by=desk.alice).record
    backend.raw("UPDATE credentials SET number = NULL WHERE id = ?", (carried.id,))
    report = backfill_numbers(desk.issuer)
    given = dict(report.numbered)  # in store order (same creation time: by id)
    assert len(report.numbered) == 3
    assert given[carried.id] == "EM-2026-000002"  # the number its credential carries
    assert {given[old[0]], given[old[1]]} == {"EM-2026-000003", "EM-2026-000004"}
    assert report.skipped == []
    assert backfill_numbers(desk.issuer).numbered == []  # idempotent
    assert desk.issuer.get(given[old[0]]).id == old[0]  # a lookup key now
    assert desk.issuer.public_status(given[old[1]]).holder_name == "Ivo Ban"
    assert desk.issuer.confirms(given[old[0]], "ana novak")
    numbered = [e for e in desk.log() if e.action == "number"]
    assert [(e.credential_id, e.details["number"]) for e in numbered] == report.numbered
    assert all("Ana" not in json.dumps(e.details) for e in numbered)  # ids, not names
    assert check(desk).intact, check(desk).problems
    # issuing goes on after the backfilled numbers, never over them
    assert desk.issuer.issue(desk.award("Zoe"), by=desk.alice).record.number == "EM-2026-000005"


def test_a_qualification_the_deployment_no_longer_loads_is_skipped_not_guessed(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = Desk(store, tmp_path)
    [old] = before_numbers(desk, monkeypatch, "Ana Novak")
    monkeypatch.setattr(desk.issuer, "qualifications", {})
    report = backfill_numbers(desk.issuer)
    assert report.numbered == [] and report.skipped == [
        (old, "qualification 'ecomentor' is not loaded")
    ]
    assert desk.issuer.get(old).number is None


def test_the_cli_backfills_and_says_what_it_did(
    deployment: Path,  # noqa: F811
    staff: dict[str, str],  # noqa: F811
) -> None:
    for name in ("Ana Novak", "Ivo Ban"):
        code, _, err = run(
            deployment, "issue", "--qualification", "ecomentor", "--holder-name", name,
            key=staff["registrar"],
        )  # fmt: skip
        assert code == 0, err
    with sqlite3.connect(deployment / "vcissue.db") as db:  # as stored before numbers
        db.execute("UPDATE credentials SET number = NULL")
    code, out, err = run(deployment, "numbers", "backfill")
    assert code == 0, err
    assert out.splitlines()[-1] == "numbers backfill: 2 numbered, 0 skipped"
    code, out, _ = run(deployment, "numbers", "backfill")
    assert (code, out.strip()) == (0, "numbers backfill: 0 numbered, 0 skipped")
    code, out, err = run(deployment, "status", "EM-2026-000001", "--name", "Ana Novak")
    assert code == 0, (out, err)
    code, out, err = run(deployment, "audit", "verify")
    assert code == 0, (out, err)
