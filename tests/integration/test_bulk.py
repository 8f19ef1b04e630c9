"""Bulk decisions from a CSV over a real store (SQLite, and PostgreSQL when configured):
line-numbered errors, the same approval rules as single decisions, resumable runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.test_cli_lifecycle import deployment, run, staff  # noqa: F401
from tests.integration.test_issuer import START, Desk
from vcissue.bulk import parse_decisions_csv
from vcissue.errors import MalformedInput
from vcissue.issuer.bulk import run_decisions
from vcissue.store import Store


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    return Desk(store, tmp_path, approvers=2)  # revocations need two approvers


def test_a_bulk_file_decides_row_by_row_and_resumes(desk: Desk) -> None:
    numbers = [
        desk.issuer.issue(desk.award(f"H{i}"), by=desk.alice).record.number for i in range(4)
    ]
    until = (START + timedelta(days=20)).isoformat()
    text = (
        "credential,action,reason,until\n"
        f"{numbers[0]},suspend,fee unpaid,{until}\n"
        f"{numbers[1]},revoke,fraud,\n"
        "EM-1999-000001,withdraw,x,\n"
        f"{numbers[2]},burn,x,\n"
        f"{numbers[3]},suspend,no deadline,\n"
        f"{numbers[0]},suspend,twice,{until}\n"
    )
    rows = list(parse_decisions_csv(text))
    first = run_decisions(desk.issuer, rows, by=desk.op)  # operator and approver
    assert [line for line, _ in first.done] == [2]
    assert [line for line, _ in first.pending] == [3]  # one of the two approvers
    assert {e.line: e.message for e in first.errors} == {
        4: "[credential-unknown] no credential 'EM-1999-000001'",
        5: "action 'burn' is not one of suspend, extend-suspension, reinstate, revoke, withdraw",
        6: "suspend needs a deadline in the until column",
        7: "same decision as line 2 (skipped)",
    }
    assert desk.issuer.get(numbers[0]).state == "suspended"
    assert desk.issuer.get(numbers[1]).state == "active"

    again = run_decisions(desk.issuer, rows, by=desk.op)  # the same principal re-runs it
    assert [line for line, _ in again.already] == [2] and again.done == []
    assert [line for line, _ in again.pending] == [3]  # still waiting for another approver
    assert desk.issuer.get(numbers[1]).state == "active"

    second = run_decisions(desk.issuer, rows, by=desk.director_1)  # the second approver
    assert [line for line, _ in second.done] == [3]
    assert desk.issuer.get(numbers[1]).state == "revoked"
    assert desk.outcome(desk.issuer.issue(desk.award("x"), by=desk.alice).credential) == (
        "passed",
        "passed",
    )
    suspended = desk.issuer.get(numbers[0])
    assert desk.outcome(_signed(desk, suspended.id)) == ("passed", "failed")
    assert desk.outcome(_signed(desk, desk.issuer.get(numbers[1]).id)) == ("failed", "passed")


def test_bulk_decisions_need_the_role_each_decision_needs(desk: Desk) -> None:
    number = desk.issuer.issue(desk.award(), by=desk.alice).record.number
    until = (START + timedelta(days=3)).isoformat()
    text = f"credential,action,reason,until\n{number},suspend,r,{until}\n"
    report = run_decisions(desk.issuer, parse_decisions_csv(text), by=desk.alice)  # an issuer
    assert report.errors[0].line == 2 and report.errors[0].message.startswith("[not-permitted]")
    assert desk.issuer.get(number).state == "active"
    rows = list(parse_decisions_csv(f"credential,action,reason,until\n{number},suspend,r,x\n"))
    assert rows[0].message == "until 'x' is not an ISO 8601 date or date-time"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("credential,action\n", "missing columns ['reason']"),
        ("credential,action,reason,colour\n", "unknown columns ['colour']"),
    ],
)
def test_bad_headers_are_typed_errors(text: str, message: str) -> None:
    with pytest.raises(MalformedInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        list(parse_decisions_csv(text))


def _signed(desk: Desk, credential_id: str) -> dict[str, object]:
    import json

    found: dict[str, object] = json.loads(desk.issuer.get(credential_id).signed_json)
    return found


def test_the_bulk_command_reports_lines_and_a_summary(
    deployment: Path,  # noqa: F811
    staff: dict[str, str],  # noqa: F811
) -> None:
    numbers = []
    for name in ("Ana Novak", "Ivo Ban"):
        code, out, err = run(
            deployment, "issue", "--qualification", "ecomentor", "--holder-name", name,
            key=staff["registrar"],
        )  # fmt: skip
        assert code == 0, err
        numbers.append(out.split()[3])  # "issued <id> number <number>"
    (deployment / "d.csv").write_text(
        "credential,action,reason,until\n"
        f"{numbers[0]},suspend,fee unpaid,2099-01-01\n"
        f"{numbers[1]},revoke,fraud,\n"
        "nope,withdraw,x,\n"
    )
    code, out, err = run(deployment, "bulk", "d.csv", key=staff["op"])
    assert code == 1  # a row was skipped
    assert "d.csv:4: skipped: [credential-unknown]" in err and "bulk: 3/3 rows" in err
    assert "d.csv:2: skipped" not in err
    assert "bulk d.csv: 1 decided, 0 pending approval, 0 done earlier, 2 skipped" in out
    assert "d.csv:3: skipped: [not-permitted]" in err  # an operator may not revoke
    code, out, err = run(deployment, "bulk", "d.csv", key=staff["d1"])
    assert "1 pending approval, 1 done earlier" in out  # the revocation needs two approvers
    code, out, err = run(deployment, "bulk", "d.csv", key=staff["d2"])
    assert "1 decided" in out
    code, out, _ = run(deployment, "status", numbers[1])
    assert code == 1 and "does not hold" in out
