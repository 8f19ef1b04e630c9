"""Governance over real HTTP (uvicorn on 127.0.0.1, SQLite and PostgreSQL): pending
decisions listed, approved and rejected by principals; complaints with interim
suspensions; appeals that the principals of the original decision may not decide. Each
effect is checked in the public register the service serves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.service.conftest import Service
from tests.service.test_http import AWARD


def issued(service: Service) -> dict[str, Any]:
    reply = service.call("POST", "/credentials/issue", AWARD, key="issuer")
    assert reply.status == 201, reply.body
    vc: dict[str, Any] = reply.json()["verifiableCredential"]
    return vc


def current(service: Service, credential_id: str) -> bool:
    answer: bool = service.call("GET", f"/register/{credential_id}").json()["current"]
    return answer


def later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_a_pending_revocation_is_listed_and_rejected(service: Service) -> None:
    vc = issued(service)
    revoke = {"credentialId": vc["id"], "action": "revoke", "reason": "fraud"}
    case = service.call("POST", "/credentials/status", revoke, key="approver-1").json()["decision"]
    listed = service.call("GET", "/decisions", key="auditor")
    assert listed.status == 200
    assert [(d["caseId"], d["approvals"]) for d in listed.json()] == [(case, ["approver-1"])]
    assert service.call("GET", "/decisions?state=lost", key="auditor").status == 422
    refused = service.call("POST", f"/decisions/{case}/reject", {"reason": "x"}, key="operator")
    assert refused.status == 403  # the revocation policy gives it to approvers
    rejected = service.call(
        "POST", f"/decisions/{case}/reject", {"reason": "no evidence"}, key="approver-2"
    )
    assert rejected.status == 200 and rejected.json()["state"] == "rejected"
    late = service.call("POST", f"/decisions/{case}/approve", {}, key="approver-2")
    assert late.status == 409 and late.headers["content-type"] == "application/problem+json"
    assert service.call("POST", "/decisions/nope/approve", {}, key="approver-2").status == 404
    assert current(service, vc["id"])
    done = service.call("GET", "/decisions?state=rejected", key="auditor").json()
    assert [d["caseId"] for d in done] == [case]


def test_a_pending_revocation_approved_by_case(service: Service) -> None:
    vc = issued(service)
    revoke = {"credentialId": vc["id"], "action": "revoke", "reason": "fraud"}
    case = service.call("POST", "/credentials/status", revoke, key="approver-1").json()["decision"]
    again = service.call("POST", f"/decisions/{case}/approve", {}, key="approver-1")
    assert again.status == 409  # the same principal counts once
    approved = service.call("POST", f"/decisions/{case}/approve", {"note": "ok"}, key="approver-2")
    assert approved.status == 200 and approved.json()["state"] == "done"
    assert not current(service, vc["id"])


def test_complaint_with_interim_suspension_dismissed(service: Service) -> None:
    vc = issued(service)
    complaint = {
        "about": "mentoring without supervision",
        "complainant": "an employer",
        "credentialId": vc["id"],
        "interimSuspensionUntil": later(30),
    }
    assert service.call("POST", "/complaints", complaint, key="issuer").status == 403
    opened = service.call("POST", "/complaints", complaint, key="operator")
    assert opened.status == 201, opened.body
    body = opened.json()
    assert body["state"] == "open" and body["interimSuspension"]["state"] == "done"
    assert not current(service, vc["id"])
    case = body["complaintId"]
    closed = service.call(
        "POST", f"/complaints/{case}/close", {"outcome": "dismissed"}, key="operator"
    )
    assert closed.status == 200 and closed.json()["outcome"] == "dismissed"
    assert current(service, vc["id"])
    register = service.call("GET", "/complaints?state=closed", key="auditor").json()
    assert [c["complaintId"] for c in register] == [case]
    bad = service.call("POST", f"/complaints/{case}/close", {"outcome": "maybe"}, key="operator")
    assert bad.status == 422


def test_appeals_are_decided_by_someone_outside_the_decision(service: Service) -> None:
    vc = issued(service)
    suspend = {"credentialId": vc["id"], "action": "suspend", "reason": "r", "until": later(9)}
    assert service.call("POST", "/credentials/status", suspend, key="operator").status == 200
    appeal = {
        "against": "suspension",
        "subject": vc["id"],
        "appellant": "Ana Novak",
        "grounds": "the complaint was about someone else",
    }
    lodged = service.call("POST", "/appeals", appeal, key="operator")
    assert lodged.status == 201 and lodged.json()["originalDeciders"] == ["operator"]
    case = lodged.json()["appealId"]
    decide = {"outcome": "upheld"}
    assert service.call("POST", f"/appeals/{case}/decide", decide, key="operator").status == 403
    upheld = service.call("POST", f"/appeals/{case}/decide", decide, key="approver-1")
    assert upheld.status == 200 and upheld.json()["decidedBy"] == "approver-1"
    assert current(service, vc["id"])

    revoke = {"credentialId": vc["id"], "action": "revoke", "reason": "fraud"}
    service.call("POST", "/credentials/status", revoke, key="approver-1")
    service.call("POST", "/credentials/status", revoke, key="approver-2")
    against = {**appeal, "against": "revocation"}
    second = service.call("POST", "/appeals", against, key="operator").json()["appealId"]
    for barred in ("approver-1", "approver-2"):  # both took part in the revocation
        refused = service.call("POST", f"/appeals/{second}/decide", decide, key=barred)
        assert refused.status == 403 and "took part" in refused.json()["detail"]
    listed = service.call("GET", "/appeals?state=open", key="auditor").json()
    assert [a["appealId"] for a in listed] == [second]
    wrong = service.call("POST", "/appeals", {**appeal, "subject": "urn:uuid:x"}, key="operator")
    assert wrong.status == 404


def test_refused_characters_in_governance_bodies_and_ids(service: Service) -> None:
    vc = issued(service)
    bad = {"about": "a\u0000b", "complainant": "c", "credentialId": vc["id"]}
    reply = service.call("POST", "/complaints", bad, key="operator")
    assert reply.status == 422 and "control character" in reply.json()["detail"]
    assert service.call("POST", "/decisions/x%00y/approve", {}, key="approver-1").status == 404
    decide = service.call("POST", "/appeals/x%00y/decide", {"outcome": "upheld"}, key="approver-1")
    assert decide.status == 404
    dup = b'{"outcome": "dismissed", "outcome": "upheld"}'
    reply = service.call("POST", "/complaints/x/close", raw=dup, key="operator")
    assert reply.status == 422 and "duplicate" in reply.json()["detail"]
