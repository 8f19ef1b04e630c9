"""Reports for the body and its auditors: counts by qualification, kind (full / unit),
accreditation and state for a period; certificates issued per qualification per month;
certificates expiring within N days. Each as rows, for JSON and CSV alike.

A period is of award dates (``awarded``, the date on the certificate: imported
certificates count when they were awarded, not when they were imported), ``since``
inclusive and ``until`` exclusive. "expired" is the state of an active certificate past
its ``validUntil`` (no record changes when a certificate expires). "accredited" comes
from the qualification's ``accreditation`` (SayPro's accredited / non-accredited split).
Names of holders appear only in the expiring report (the renewal reminders need them).

The store answers them from counters it keeps by triggers and from indexed range reads
(``Tx.count_credentials``, ``count_awarded_by_month``: counters for whole months, the
credentials for a period's partial months; ``expiring_between``: the rows due): no
signed credential is loaded, and counts and issued read about as much at a million
certificates as at ten thousand (docs/scaling.md, "Reports at a million certificates").
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import MalformedInput
from ..model import Qualification
from ..proofs import format_datetime
from ..store.records import CredentialRecord, CredentialSummary
from .core import IssuerCore

__all__ = [
    "REPORTS",
    "Report",
    "counts",
    "counts_report",
    "expiring",
    "expiring_report",
    "issued_by_month",
    "issued_report",
    "report",
    "to_csv",
]

REPORTS = ("counts", "issued", "expiring")


@dataclass(frozen=True)
class Report:
    """One report: its name, the columns and the rows (tuples in column order)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    facts: Mapping[str, Any]  # what it covers: period, as-of time, ...

    def to_json(self) -> dict[str, Any]:
        return {
            "report": self.name,
            **self.facts,
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
        }


def to_csv(report: Report) -> str:
    """The report as CSV (a header row, then one line per row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow(["" if value is None else _cell(value) for value in row])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # no formula in a spreadsheet that opens the file
    return value


def _period(since: datetime | None, until: datetime | None, now: datetime) -> dict[str, Any]:
    return {
        "asOf": format_datetime(now),
        "awardedFrom": format_datetime(since) if since else None,
        "awardedBefore": format_datetime(until) if until else None,
    }


def _accredited(qualifications: Mapping[str, Qualification], qualification_id: str) -> bool:
    found = qualifications.get(qualification_id)
    return found is not None and found.accreditation is not None


def counts_report(
    tally: Mapping[tuple[str, bool, str], int],
    qualifications: Mapping[str, Qualification],
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Report:
    """The counts report from ``Tx.count_credentials``'s tally: (qualification, a unit
    award?, state with "expired" for an active certificate past its expiry) -> count."""
    rows: Counter[tuple[str, str, bool, str]] = Counter()
    for (qualification_id, unit, state), n in tally.items():
        kind = "unit" if unit else "full"
        rows[(qualification_id, kind, _accredited(qualifications, qualification_id), state)] += n
    return Report(
        "counts",
        ("qualification", "kind", "accredited", "state", "count"),
        tuple((*key, n) for key, n in sorted(rows.items())),
        _period(since, until, now),
    )


def issued_report(
    tally: Mapping[tuple[str, str], int],
    qualifications: Mapping[str, Qualification],
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Report:
    """The issued report from ``Tx.count_awarded_by_month``'s tally: (qualification,
    'YYYY-MM' in UTC) -> count."""
    rows = {
        (qualification_id, month, _accredited(qualifications, qualification_id)): n
        for (qualification_id, month), n in tally.items()
    }
    return Report(
        "issued",
        ("qualification", "month", "accredited", "issued"),
        tuple((*key, n) for key, n in sorted(rows.items())),
        _period(since, until, now),
    )


def expiring_report(
    due: Iterable[CredentialSummary | CredentialRecord], *, now: datetime, within: timedelta
) -> Report:
    """The expiring report from the active certificates due (``Tx.expiring_between``)."""
    return Report(
        "expiring",
        ("number", "credential_id", "holder_name", "qualification", "expires"),
        tuple(
            (r.number, r.id, r.holder_name, r.qualification_id, r.expires.date().isoformat())
            for r in sorted(due, key=lambda r: (r.expires, r.id))
        ),
        {"asOf": format_datetime(now), "withinDays": within.days},
    )


# The same reports computed from every record, as they were before the store answered
# them by aggregates: the reference the aggregates are tested against (a differential
# test on random stores) and what a caller holding records already can use.


def _in(record: CredentialRecord, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or record.awarded >= since) and (until is None or record.awarded < until)


def counts(
    records: Iterable[CredentialRecord],
    qualifications: Mapping[str, Qualification],
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Report:
    """Certificates awarded in the period, by qualification, kind, accreditation, state."""
    tally: Counter[tuple[str, bool, str]] = Counter()
    for record in records:
        if _in(record, since, until):
            expired = record.state == "active" and record.expires <= now
            state = "expired" if expired else record.state
            tally[(record.qualification_id, bool(record.units), state)] += 1
    return counts_report(tally, qualifications, now=now, since=since, until=until)


def issued_by_month(
    records: Iterable[CredentialRecord],
    qualifications: Mapping[str, Qualification],
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Report:
    """Certificates awarded per qualification per calendar month (UTC)."""
    tally: Counter[tuple[str, str]] = Counter()
    for record in records:
        if _in(record, since, until):
            awarded = record.awarded.astimezone(UTC)
            tally[(record.qualification_id, f"{awarded.year:04d}-{awarded.month:02d}")] += 1
    return issued_report(tally, qualifications, now=now, since=since, until=until)


def expiring(records: Sequence[CredentialRecord], *, now: datetime, within: timedelta) -> Report:
    """Active certificates expiring between now and ``now + within``, soonest first."""
    due = [r for r in records if r.state == "active" and now <= r.expires < now + within]
    return expiring_report(due, now=now, within=within)


def report(
    issuer: IssuerCore,
    name: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    within_days: int = 90,
) -> Report:
    """The report ``name`` (one of ``REPORTS``) over ``issuer``'s store, as of now."""
    if name not in REPORTS:
        raise MalformedInput(f"unknown report {name!r} (reports: {', '.join(REPORTS)})")
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise MalformedInput("report periods are timezone-aware times")
    if since is not None and until is not None and until <= since:
        raise MalformedInput("the period's end must be after its start")
    if not 1 <= within_days <= 3660:
        raise MalformedInput("expiring within 1 to 3660 days")
    now = issuer.now()
    read = issuer.store.read
    if name == "counts":
        tally = read(lambda tx: tx.count_credentials(now=now, since=since, until=until))
        return counts_report(tally, issuer.qualifications, now=now, since=since, until=until)
    if name == "issued":
        months = read(lambda tx: tx.count_awarded_by_month(since=since, until=until))
        return issued_report(months, issuer.qualifications, now=now, since=since, until=until)
    within = timedelta(days=within_days)
    due = read(lambda tx: tx.expiring_between(now, now + within))
    return expiring_report(due, now=now, within=within)
