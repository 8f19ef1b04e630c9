"""Reports over a real store (SQLite, and PostgreSQL when configured), from the library and
the CLI: counts by qualification, kind, accreditation and state for a period; issued per
month; expiring; CSV and JSON."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.factories import ecomentor
from tests.integration.test_issuer import START, Desk
from vcissue.errors import MalformedInput
from vcissue.issuer.reports import report, to_csv
from vcissue.model import Award, Holder
from vcissue.store import Store

UNACCREDITED = dataclasses.replace(
    ecomentor(), id="ecomentor-pilot", accreditation=None, number_pattern="PILOT-{seq}"
)


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Desk:
    desk = Desk(store, tmp_path)
    desk.issuer.qualifications[UNACCREDITED.id] = UNACCREDITED
    issue = desk.issuer.issue
    alice = desk.alice
    issue(desk.award("A"), by=alice)  # March, full, active
    issue(desk.award("B", units=("U1",)), by=alice)  # March, unit
    suspended = issue(desk.award("C"), by=alice).record.id
    desk.issuer.suspend(suspended, reason="r", until=START + timedelta(days=9), by=desk.op)
    issue(desk.award("D", awarded=START.replace(month=4)), by=alice)  # April
    issue(Award(Holder("E"), UNACCREDITED, awarded=START), by=alice)  # not accredited
    old = START.replace(year=2021) + timedelta(days=10)  # valid five years: expiring soon
    issue(desk.award("F", awarded=old), by=alice)
    issue(desk.award("G", awarded=old - timedelta(days=40)), by=alice)  # already expired
    return desk


def test_counts_by_qualification_kind_accreditation_and_state(desk: Desk) -> None:
    found = report(desk.issuer, "counts")
    assert found.columns == ("qualification", "kind", "accredited", "state", "count")
    assert set(found.rows) == {
        ("ecomentor", "full", True, "active", 3),  # A, D, F
        ("ecomentor", "full", True, "expired", 1),  # G: active, past its validUntil
        ("ecomentor", "full", True, "suspended", 1),
        ("ecomentor", "unit", True, "active", 1),
        ("ecomentor-pilot", "full", False, "active", 1),
    }
    march = report(
        desk.issuer, "counts", since=START.replace(day=1), until=START.replace(month=4, day=1)
    )
    assert sum(row[-1] for row in march.rows) == 4  # A, B, C, E; not D (April), F, G
    assert march.to_json()["awardedFrom"] == "2026-03-01T09:30:00Z"


def test_issued_per_qualification_per_month(desk: Desk) -> None:
    found = report(desk.issuer, "issued", since=START.replace(day=1))
    assert found.rows == (
        ("ecomentor", "2026-03", True, 3),
        ("ecomentor", "2026-04", True, 1),
        ("ecomentor-pilot", "2026-03", False, 1),
    )


def test_expiring_within_n_days_as_csv_and_json(desk: Desk) -> None:
    found = report(desk.issuer, "expiring", within_days=30)
    assert [row[2] for row in found.rows] == ["F"]  # G expired already, the rest much later
    rows = list(csv.DictReader(io.StringIO(to_csv(found))))
    assert rows[0]["holder_name"] == "F" and rows[0]["number"].startswith("EM-2021-")
    assert found.to_json()["rows"][0]["holder_name"] == "F"
    assert found.to_json()["withinDays"] == 30


def test_csv_cells_cannot_become_spreadsheet_formulas(desk: Desk) -> None:
    soon = START.replace(year=2021) + timedelta(days=20)
    desk.issuer.issue(desk.award("=HYPERLINK(1)", awarded=soon), by=desk.alice)
    text = to_csv(report(desk.issuer, "expiring", within_days=60))
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


@pytest.mark.parametrize(
    ("name", "terms", "message"),
    [
        ("sales", {}, "unknown report"),
        ("counts", {"since": START, "until": START}, "after its start"),
        ("counts", {"since": START.replace(tzinfo=None)}, "timezone-aware"),
        ("expiring", {"within_days": 0}, "1 to 3660"),
    ],
)
def test_bad_report_requests_are_typed_errors(
    desk: Desk, name: str, terms: dict[str, object], message: str
) -> None:
    with pytest.raises(MalformedInput, match=message):
        report(desk.issuer, name, **terms)  # type: ignore[arg-type]


def test_reports_json_is_plain_json(desk: Desk) -> None:
    for name in ("counts", "issued", "expiring"):
        data = report(desk.issuer, name).to_json()
        assert json.loads(json.dumps(data)) == data and data["report"] == name
