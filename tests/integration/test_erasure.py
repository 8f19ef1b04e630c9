"""Erasure of a holder's personal data (issue 13 §5), on SQLite and PostgreSQL: after an
erase decision (two approvers), no table holds the holder's name, e-mail address or
holder id (every row of every table is searched), the audit log still verifies (it held
ids, not names, before and after), status bits still mean what they meant, and the
register answers for the certificate without a name."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Backend
from tests.integration.test_audit_state import check
from tests.integration.test_cli_lifecycle import deployment, run, staff  # noqa: F401
from tests.integration.test_issuer import START, Desk
from vcissue.errors import DeliveryError, NotPermitted, PolicyError
from vcissue.imports import parse_import_csv
from vcissue.issuer.erasure import ERASED
from vcissue.issuer.holders import holder_export
from vcissue.issuer.imports import import_certificates
from vcissue.model import Award, Holder
from vcissue.notify.config import NotifySettings, Smtp
from vcissue.notify.delivery import Deliverer
from vcissue.store import Store

PERSONAL = ("Ana", "Novak", "Horvat", "ana@example.org", "did:example:ana")


def every_row(backend: Backend) -> dict[str, list[str]]:
    """Every row of every table, as text, by table."""
    if backend.name == "sqlite":
        tables = [r[0] for r in backend.raw("SELECT name FROM sqlite_master WHERE type='table'")]
    else:
        tables = [
            r[0]
            for r in backend.raw(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        ]
    return {t: [repr(row) for row in backend.raw(f"SELECT * FROM {t}")] for t in tables}


def holding(backend: Backend, *words: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for table, rows in every_row(backend).items():
        for row in rows:
            if any(word.lower() in row.lower() for word in words):
                found.setdefault(table, []).append(row)
    return found


def a_life(desk: Desk) -> dict[str, Any]:
    """Ana's records across the store: two certificates, a name change, a suspension, a
    complaint and an appeal naming her, notices (one whose delivery failed naming her
    address), an imported certificate."""
    qualification = desk.award().qualification
    holder = Holder("Ana Novak", id="did:example:ana", email="ana@example.org", language="hr")
    first = desk.issuer.issue(Award(holder, qualification, awarded=START), by=desk.alice)
    unit = desk.issuer.issue(
        Award(holder, qualification, awarded=START, units=("U1",)), by=desk.alice
    )
    desk.issuer.deliver(unit.record.id, "did:example:ana", actor="wallet", via="test")
    desk.issuer.rename(first.record.id, name="Ana Horvat", by=desk.alice)
    renamed = desk.issuer.store.read(lambda tx: tx.successors(first.record.id))[0]
    desk.issuer.open_complaint(
        about="Ana Novak mentored without supervision", complainant="an employer",
        subject=renamed.id, by=desk.op,
    )  # fmt: skip
    desk.issuer.suspend(
        unit.record.id, reason="complaint", until=START + timedelta(days=9), by=desk.op
    )
    desk.issuer.lodge_appeal(
        against="suspension", subject=unit.record.id, appellant="Ana Horvat",
        grounds="Ana Horvat answered in time", by=desk.op,
    )  # fmt: skip
    csv = (
        "number,holder_name,holder_email,qualification,awarded,expires,state\n"
        "EM-2019-000001,Ana Novak,ana@example.org,ecomentor,2019-01-01,2024-01-01,expired\n"
    )
    import_certificates(
        desk.issuer, parse_import_csv(csv, desk.issuer.qualifications), by=desk.alice
    )

    def refuse(*_: Any, to: str, **__: Any) -> None:
        raise DeliveryError(f"550 {to} (Ana Novak) refused", permanent=True)

    notices = Deliverer(
        desk.issuer.store, NotifySettings(smtp=Smtp("127.0.0.1", 9)), clock=desk.clock,
        body_name="EcoMentor", mail=refuse,
    )  # fmt: skip
    assert notices.run_once().dead >= 1
    other = desk.issuer.issue(desk.award("Ivo Ban"), by=desk.alice).credential
    return {"unit": unit, "renamed": renamed, "other": other}


def test_erasure_leaves_nothing_personal_and_the_log_verifies(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path, approvers=2)
    life = a_life(desk)
    before = holding(backend, *PERSONAL)
    export = holder_export(desk.issuer, life["renamed"].number)  # Horvat now, by holder id
    assert [i["number"] for i in export["imported"]] == ["EM-2019-000001"]  # as Ana Novak
    other = holder_export(desk.issuer, life["other"]["id"])
    assert other["imported"] == [] and len(other["credentials"]) == 1
    assert {"credentials", "cases", "outbox", "deliveries", "imported_certificates"} <= set(before)
    assert "audit_log" not in before  # the log holds ids, not names, from the start
    assert check(desk).intact, check(desk).problems
    number = life["unit"].record.number

    with pytest.raises(NotPermitted):
        desk.issuer.erase(number, by=desk.alice)  # the approvers' decision, not an issuer's
    first = desk.issuer.erase(number, by=desk.director_1)
    assert first.state == "pending" and holding(backend, *PERSONAL)  # one approval: nothing yet
    done = desk.issuer.erase(number, by=desk.director_2)
    assert done.state == "done"

    assert holding(backend, *PERSONAL) == {}
    assert check(desk).intact, check(desk).problems  # the replayed log matches the store
    answer = desk.issuer.public_status(number)
    assert answer.holder_name == ERASED and not answer.current  # suspended: still not current
    assert not desk.issuer.confirms(life["renamed"].number, "Ana Horvat")
    assert desk.issuer.public_status(life["renamed"].number).holder_name == ERASED
    assert desk.issuer.public_status("EM-2019-000001").holder_name == ERASED
    # status bits mean what they meant: the holder's copy is still suspended, still signed
    revocation, suspension = desk.outcome(life["unit"].credential)
    assert (revocation, suspension) == ("passed", "failed")
    assert desk.verify(life["unit"].credential).check("proof").outcome.value == "passed"
    # someone else is untouched
    assert desk.issuer.get(life["other"]["id"]).holder_name == "Ivo Ban"
    with pytest.raises(PolicyError, match="erased"):  # nothing left to bind to a wallet
        desk.issuer.deliver(life["renamed"].id, "did:example:x", actor="wallet", via="test")
    entries = [e for e in desk.log() if e.action == "erase"]
    assert len(entries) == 3 and all(set(e.details) == {"sha256", "case"} for e in entries)


def test_the_cli_erases_under_two_approvers(
    deployment: Path,  # noqa: F811
    staff: dict[str, str],  # noqa: F811
) -> None:
    code, out, err = run(
        deployment, "issue", "--qualification", "ecomentor", "--holder-name", "Ana Novak",
        "--holder-email", "ana@example.org", "-o", "ana.json", key=staff["registrar"],
    )  # fmt: skip
    assert code == 0, err
    number = out.split("number ")[1].split()[0]
    code, out, err = run(deployment, "holder", "erase", number, key=staff["d1"])
    assert code == 0 and "pending" in out, (out, err)
    code, out, err = run(deployment, "holder", "erase", number, key=staff["d2"])
    assert code == 0 and "done" in out, (out, err)
    code, out, err = run(deployment, "status", number, "--json")
    assert code == 0, err
    assert json.loads(out)["holderName"] == ERASED
    code, out, err = run(deployment, "audit", "verify")
    assert code == 0, (out, err)
    store = Backend("sqlite", "", path=deployment / "vcissue.db")
    assert holding(store, "Ana Novak", "ana@example.org") == {}


def test_an_imported_certificate_without_a_credential_is_erased_by_its_number(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path, approvers=2)
    csv = (
        "number,holder_name,holder_email,qualification,awarded,expires,state\n"
        "EM-2019-000001,Ana Novak,ana@example.org,ecomentor,2019-01-01,2024-01-01,expired\n"
        "EM-2021-000004,ana novak,,ecomentor,2021-01-01,2031-01-01,current\n"
        "EM-2021-000005,Ivo Ban,,ecomentor,2021-01-01,2031-01-01,current\n"
    )
    import_certificates(
        desk.issuer, parse_import_csv(csv, desk.issuer.qualifications), by=desk.alice
    )
    assert desk.issuer.erase("EM-2021-000004", by=desk.director_1).state == "pending"
    assert desk.issuer.erase("EM-2021-000004", by=desk.director_2).state == "done"
    assert holding(backend, "Ana", "Novak", "ana@example.org") == {}
    answer = desk.issuer.public_status("EM-2021-000004")
    assert answer.holder_name == ERASED and answer.current  # still a current certificate
    assert desk.issuer.public_status("EM-2021-000005").holder_name == "Ivo Ban"
    assert check(desk).intact, check(desk).problems
