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

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from .batch import MAX_FIELD, MAX_ROWS, RowError
from .errors import MalformedInput

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
    if not isinstance(text, str):
        raise MalformedInput("the decisions file must be text")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise MalformedInput("the decisions file is empty") from None
    except csv.Error as error:
        raise MalformedInput(f"line 1: {error}") from None
    names = [name.strip() for name in header]
    unknown = sorted(set(names) - set(REQUIRED) - set(OPTIONAL))
    missing = [name for name in REQUIRED if name not in names]
    if unknown or missing or len(set(names)) != len(names):
        raise MalformedInput(
            "line 1: bad header"
            + (f"; unknown columns {unknown}" if unknown else "")
            + (f"; missing columns {missing}" if missing else "")
            + ("; repeated columns" if len(set(names)) != len(names) else "")
        )
    seen: dict[tuple[str, str], int] = {}
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowError(line, f"unreadable CSV: {error}")
            continue
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        rows += 1
        if rows > MAX_ROWS:
            yield RowError(line, f"more than {MAX_ROWS} rows; split the file")
            return
        if len(values) != len(names):
            yield RowError(line, f"{len(values)} fields, the header has {len(names)}")
            continue
        if any(len(value) > MAX_FIELD for value in values):
            yield RowError(line, f"a field is longer than {MAX_FIELD} characters")
            continue
        row = {name: value.strip() for name, value in zip(names, values, strict=True)}
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
