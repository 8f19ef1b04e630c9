"""Reports over real HTTP on 127.0.0.1, for the auditor role: JSON and CSV."""

from __future__ import annotations

import csv
import io

from tests.service.conftest import Service

AWARD = {"qualification": "ecomentor", "holder": {"name": "Ana Novak"}}


def test_the_auditor_gets_reports_as_json_and_csv(service: Service) -> None:
    for name in ("Ana Novak", "Ivo Ban"):
        reply = service.call(
            "POST", "/credentials/issue", {**AWARD, "holder": {"name": name}}, key="issuer"
        )
        assert reply.status == 201
    unit = {**AWARD, "units": ["U1"], "awarded": "2026-01-15T10:00:00Z"}
    assert service.call("POST", "/credentials/issue", unit, key="issuer").status == 201

    counts = service.call("GET", "/reports/counts", key="auditor")
    assert counts.status == 200 and counts.headers["content-type"] == "application/json"
    rows = {(r["kind"], r["state"]): r["count"] for r in counts.json()["rows"]}
    assert rows == {("full", "active"): 2, ("unit", "active"): 1}
    assert all(r["accredited"] is True for r in counts.json()["rows"])  # the example's

    january = service.call(
        "GET", "/reports/issued?from=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z",
        key="auditor",
    )  # fmt: skip
    assert january.json()["rows"] == [
        {"qualification": "ecomentor", "month": "2026-01", "accredited": True, "issued": 1}
    ]
    as_csv = service.call("GET", "/reports/counts?format=csv", key="auditor")
    assert as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.body.decode())))
    assert {(r["kind"], r["count"]) for r in table} == {("full", "2"), ("unit", "1")}
    by_accept = service.call(
        "GET", "/reports/expiring?days=3660", key="auditor", headers={"Accept": "text/csv"}
    )
    assert by_accept.body.decode().splitlines()[0] == (
        "number,credential_id,holder_name,qualification,expires"
    )
    assert len(by_accept.body.decode().splitlines()) == 4


def test_reports_are_for_auditors_and_bad_requests_are_problems(service: Service) -> None:
    assert service.call("GET", "/reports/counts").status == 401
    assert service.call("GET", "/reports/counts", key="issuer").status == 403
    for path in (
        "/reports/sales",
        "/reports/expiring?days=0",
        "/reports/counts?from=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        "/reports/counts?from=soon",
    ):
        reply = service.call("GET", path, key="auditor")
        assert reply.status == 422, (path, reply.body)
        assert reply.headers["content-type"] == "application/problem+json"
