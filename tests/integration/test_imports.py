"""Certificates issued before vcissue (issue 13 §5): ``vcissue import`` puts them in the
register by number (line-numbered errors, resumable by number), the register and the
yes/no name check answer for them, and a current one gets a signed credential on request
with its number and dates (SQLite and PostgreSQL; the CLI on SQLite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.test_audit_state import check
from tests.integration.test_cli_lifecycle import deployment, run, staff  # noqa: F401
from tests.integration.test_issuer import Desk
from vcissue.csvrows import RowError
from vcissue.errors import PolicyError, UnknownCredentialError
from vcissue.imports import ImportRow, parse_import_csv
from vcissue.issuer.imports import import_certificates, issue_imported
from vcissue.store import Store

HEADER = "number,holder_name,holder_email,qualification,awarded,expires,state\n"
GOOD = (
    "EM-2024-000007,Ana  Novak,ana@example.org,ecomentor,2024-05-01,2029-05-01,current\n"
    "EM-2023-000002,Ivo Ban,,ecomentor,2023-01-10,2028-01-10,revoked\n"
    "EM-2020-000001,Eva Kos,,ecomentor,2020-01-10T00:00:00Z,2025-01-10,current\n"
    "EM-2026-000001,Bo Li,,ecomentor,2026-01-05,2031-01-05,suspended\n"
)
BAD = (
    "EM 2024 1,X,,ecomentor,2024-05-01,2029-05-01,current\n"  # line 6: not a number
    "EM-9,X,,nonesuch,2024-05-01,2029-05-01,current\n"  # 7: unknown qualification
    "EM-10,X,,ecomentor,2024-05-01,2029-05-01,lapsed\n"  # 8: unknown state
    "EM-11,X,,ecomentor,01/05/2024,2029-05-01,current\n"  # 9: not ISO 8601
    "EM-12,X,,ecomentor,2024-05-01,2024-05-01,current\n"  # 10: expiry not after award
    "EM-2024-000007,X,,ecomentor,2024-05-01,2029-05-01,current\n"  # 11: number repeated
    "EM-13,X,not-an-address,ecomentor,2024-05-01,2029-05-01,current\n"  # 12: e-mail
)


def rows(desk: Desk, text: str) -> list[ImportRow | RowError]:
    return list(parse_import_csv(text, desk.issuer.qualifications))


def test_imported_certificates_answer_in_the_register_by_number(
    store: Store, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    report = import_certificates(desk.issuer, rows(desk, HEADER + GOOD + BAD), by=desk.alice)
    assert [line for line, _ in report.imported] == [2, 3, 4, 5]
    problems = {error.line: error.message for error in report.errors}
    assert sorted(problems) == [6, 7, 8, 9, 10, 11, 12]
    assert "not a certificate number" in problems[6] and "'nonesuch' is unknown" in problems[7]
    assert "lapsed" in problems[8] and "ISO 8601" in problems[9] and "not after" in problems[10]
    assert "line 2 too" in problems[11] and "e-mail" in problems[12]

    ana = desk.issuer.public_status("EM-2024-000007")
    assert (ana.holder_name, ana.current, ana.number) == ("Ana Novak", True, "EM-2024-000007")
    assert ana.awarded == datetime(2024, 5, 1, tzinfo=UTC)
    assert ana.accreditation is not None  # the qualification's, as for issued ones
    assert not desk.issuer.public_status("EM-2023-000002").current  # revoked: not current
    assert not desk.issuer.public_status("EM-2020-000001").current  # expired in 2025
    assert desk.issuer.confirms("EM-2024-000007", "ana novak")
    assert not desk.issuer.confirms("EM-2024-000007", "Ivo Ban")
    assert not desk.issuer.confirms("EM-2023-000002", "Ivo Ban")
    with pytest.raises(UnknownCredentialError):
        desk.issuer.public_status("EM-1999-000001")

    # resumable by number: the same file again stores nothing twice
    again = import_certificates(desk.issuer, rows(desk, HEADER + GOOD), by=desk.alice)
    assert (again.imported, [line for line, _ in again.already]) == ([], [2, 3, 4, 5])
    changed = HEADER + GOOD.replace("Ivo Ban", "Ivo Horvat")
    [clash] = import_certificates(desk.issuer, rows(desk, changed), by=desk.alice).errors
    assert clash.line == 3 and "imported before with other data" in clash.message
    # issuing goes round the imported numbers (EM-2026-000001 is Bo Li's)
    issued = desk.issuer.issue(desk.award("Zoe"), by=desk.alice).record
    assert issued.number == "EM-2026-000002"
    taken = f"{HEADER}EM-2026-000002,X,,ecomentor,2024-05-01,2029-05-01,current\n"
    [error] = import_certificates(desk.issuer, rows(desk, taken), by=desk.alice).errors
    assert "an issued credential's already" in error.message
    # importing is the award role's: an operator may not
    [refused] = import_certificates(desk.issuer, rows(desk, taken), by=desk.op).errors
    assert "[not-permitted]" in refused.message
    entries = [e for e in desk.log() if e.action == "import"]
    assert len(entries) == 4 and all("Ana" not in json.dumps(e.details) for e in entries)
    assert check(desk).intact, check(desk).problems


def test_a_current_imported_certificate_gets_its_credential_on_request(
    store: Store, tmp_path: Path
) -> None:
    desk = Desk(store, tmp_path)
    import_certificates(desk.issuer, rows(desk, HEADER + GOOD), by=desk.alice)
    issued = issue_imported(desk.issuer, "EM-2024-000007", by=desk.alice)
    assert issued.created
    vc = issued.credential
    assert vc["credentialSubject"]["licenseNumber"] == "EM-2024-000007"
    assert vc["validFrom"].startswith("2024-05-01") and vc["validUntil"].startswith("2029-05-01")
    assert issued.record.holder_email == "ana@example.org"
    assert desk.verify(vc).verified
    again = issue_imported(desk.issuer, "EM-2024-000007", by=desk.alice)
    assert (again.created, again.record.id) == (False, issued.record.id)
    answer = desk.issuer.public_status("EM-2024-000007")  # now the credential answers
    assert answer.credential_id == issued.record.id and answer.current
    for number, state in (("EM-2023-000002", "revoked"), ("EM-2020-000001", "expired")):
        with pytest.raises(PolicyError, match=f"is {state}"):
            issue_imported(desk.issuer, number, by=desk.alice)
    with pytest.raises(UnknownCredentialError):
        issue_imported(desk.issuer, "EM-1999-000001", by=desk.alice)
    assert check(desk).intact, check(desk).problems


def test_the_cli_imports_and_issues_on_request(
    deployment: Path,  # noqa: F811
    staff: dict[str, str],  # noqa: F811
) -> None:
    (deployment / "old.csv").write_text(HEADER + GOOD + BAD.splitlines()[0] + "\n", "utf-8")
    code, out, err = run(deployment, "import", "old.csv", key=staff["registrar"])
    assert code == 1 and "old.csv:6: skipped: number 'EM 2024 1'" in err
    assert out.splitlines()[-1] == "import old.csv: 4 imported, 0 imported earlier, 1 skipped"
    code, out, _ = run(deployment, "import", "old.csv", key=staff["registrar"])
    assert "0 imported, 4 imported earlier" in out
    code, out, err = run(deployment, "status", "EM-2024-000007", "--name", "Ana Novak")
    assert code == 0, (out, err)
    code, out, err = run(
        deployment, "issue-imported", "EM-2024-000007", "-o", "ana.json", key=staff["registrar"]
    )
    assert code == 0, err
    assert (
        json.loads((deployment / "ana.json").read_text())["credentialSubject"]["licenseNumber"]
        == "EM-2024-000007"
    )
    code, out, err = run(deployment, "audit", "verify")
    assert code == 0, (out, err)
