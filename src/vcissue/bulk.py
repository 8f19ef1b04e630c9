"""Bulk decisions from a CSV: suspend, extend a suspension, reinstate, revoke or withdraw
many certificates, with line-numbered errors. Pure: it reads text the caller supplies.

Columns (header row required, names exact, order free; unknown columns are refused):

===========  ========  ==========================================================
column       required  meaning
===========  ========  ==========================================================
credential   yes       the certificate number or credential id
action       yes       suspend, extend-suspension, reinstate, revoke or withdraw
reason       yes       the decision's reason (kept in the audit log, never public)
until        no        suspend / extend-suspension: the deadline (ISO 8601)
===========  ========  ==========================================================

Each row is one decision under the deployment's policies, exactly as the single command
would make it (``vcissue.issuer.bulk`` runs them), so a revocation that needs two
approvers is pending after the first run and made when a second approver runs the same
file. Re-running a file skips what is done already, so a run that stopped halfway resumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from .csvrows import RowError, read_rows

__all__ = ["ACTIONS", "DecisionRow", "parse_decisions_csv"]

ACTIONS = ("suspend", "extend-suspension", "reinstate", "revoke", "withdraw")
REQUIRED = ("credential", "action", "reason")
OPTIONAL = ("until",)


@dataclass(frozen=True)
class DecisionRow:
    line: int
    credential: str  # a number or an id
    action: str
    reason: str
    until: datetime | None = None


def parse_decisions_csv(text: str) -> Iterator[DecisionRow | RowError]:
    """One ``DecisionRow`` or ``RowError`` per data row, in file order; a bad header is a
    ``MalformedInput``."""
    seen: dict[tuple[str, str], int] = {}
    for read in read_rows(text, what="decisions file", required=REQUIRED, optional=OPTIONAL):
        if isinstance(read, RowError):
            yield read
            continue
        line, row = read
        problem = _problem(row)
        if problem:
            yield RowError(line, problem)
            continue
        key = (row["credential"], row["action"])
        if key in seen:
            yield RowError(line, f"same decision as line {seen[key]} (skipped)")
            continue
        seen[key] = line
        until = _moment(row.get("until", ""))
        if isinstance(until, str):
            yield RowError(line, until)
            continue
        yield DecisionRow(line, row["credential"], row["action"], row["reason"], until)


def _problem(row: dict[str, str]) -> str | None:
    if not row["credential"]:
        return "no credential (a certificate number or id)"
    if row["action"] not in ACTIONS:
        return f"action {row['action']!r} is not one of {', '.join(ACTIONS)}"
    if not row["reason"]:
        return "a reason is required"
    if row["action"] in ("suspend", "extend-suspension") and not row.get("until"):
        return f"{row['action']} needs a deadline in the until column"
    return None


def _moment(value: str) -> datetime | str | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"until {value!r} is not an ISO 8601 date or date-time"
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
