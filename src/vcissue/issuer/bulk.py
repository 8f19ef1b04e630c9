"""Running bulk decisions (``vcissue.bulk`` rows) as one principal: each row is the same
decision the single command makes, under the same policy, in its own transaction.

Resumable: a row whose effect is already there (the credential already suspended,
reinstated, revoked, withdrawn) is counted as done before and skipped, and a row whose
pending decision this principal already approved stays pending, so re-running a file
that stopped halfway finishes it, and a second approver running the same file completes
the decisions that need two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..bulk import DecisionRow
from ..csvrows import RowError
from ..errors import VcissueError
from ..governance.principals import Principal
from .decisions import DecisionOutcome, Decisions

__all__ = ["BulkReport", "run_decisions"]

# The state a credential is in once each action took effect.
_DONE_STATE = {
    "suspend": "suspended",
    "reinstate": "active",
    "revoke": "revoked",
    "withdraw": "withdrawn",
}


@dataclass
class BulkReport:
    done: list[tuple[int, str]] = field(default_factory=list)  # (line, credential id)
    pending: list[tuple[int, str]] = field(default_factory=list)  # (line, decision case)
    already: list[tuple[int, str]] = field(default_factory=list)  # done by an earlier run
    errors: list[RowError] = field(default_factory=list)


def run_decisions(
    issuer: Decisions,
    rows: Iterable[DecisionRow | RowError],
    *,
    by: Principal,
    progress: Callable[[int, DecisionRow | RowError], None] | None = None,
) -> BulkReport:
    report = BulkReport()
    for count, row in enumerate(rows, start=1):
        if isinstance(row, RowError):
            report.errors.append(row)
        else:
            try:
                _run(issuer, row, by, report)
            except VcissueError as error:
                report.errors.append(RowError(row.line, f"[{error.code}] {error}"))
        if progress is not None:
            progress(count, row)
    return report


def _run(issuer: Decisions, row: DecisionRow, by: Principal, report: BulkReport) -> None:
    record = issuer.get(row.credential)
    if _DONE_STATE.get(row.action) == record.state or (
        row.action == "extend-suspension"
        and record.state == "suspended"
        and row.until is not None
        and record.suspended_until == row.until
    ):
        report.already.append((row.line, record.id))
        return
    mine = [
        d
        for d in issuer.decisions(state="pending")
        if d.subject == record.id and d.kind == row.action and by.id in d.approvals
    ]
    if mine:  # approved by this principal in an earlier run: others must approve it
        report.pending.append((row.line, mine[0].case_id))
        return
    outcome = _decide(issuer, row, record.id, by)
    if outcome.done:
        report.done.append((row.line, record.id))
    else:
        report.pending.append((row.line, outcome.case_id))


def _decide(issuer: Decisions, row: DecisionRow, subject: str, by: Principal) -> DecisionOutcome:
    if row.action == "suspend":
        assert row.until is not None  # the parser requires it
        return issuer.suspend(subject, reason=row.reason, until=row.until, by=by)
    if row.action == "extend-suspension":
        assert row.until is not None
        return issuer.extend_suspension(subject, reason=row.reason, until=row.until, by=by)
    if row.action == "reinstate":
        return issuer.reinstate(subject, reason=row.reason, by=by)
    if row.action == "revoke":
        return issuer.revoke(subject, reason=row.reason, by=by)
    return issuer.withdraw(subject, reason=row.reason, by=by)
