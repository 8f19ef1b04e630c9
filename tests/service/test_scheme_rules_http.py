"""Issue 12 §3, the schemes' own rules over real HTTP on 127.0.0.1 (SQLite, and PostgreSQL
when configured): a KCS Level 2 award without a current Level 1 is a 409 problem; the
recertification window, grace period and lapse; a suspension deadline extended; scope
expanded and reduced, each replacement naming itself."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Backend
from tests.service.conftest import KCS, QUALIFICATION, Service, running_service
from vcissue.model.evidence import digest_from_hex

FIVE_YEARS = timedelta(days=5 * 365 + 1)  # the EcoMentor validity, P5Y, give or take a day


@pytest.fixture
def service(backend: Backend, tmp_path: Path) -> Iterator[Service]:
    rules = json.loads(QUALIFICATION.read_text("utf-8"))
    rules["recertification"] = {"window": "P6M", "grace": "P3M"}
    (tmp_path / "ecomentor.json").write_text(json.dumps(rules), "utf-8")
    files = (tmp_path / "ecomentor.json", *KCS)
    with running_service(backend, tmp_path, qualification_files=files) as running:
        yield running


def issue(service: Service, qualification: str, name: str, **more: Any) -> dict[str, Any]:
    body = {"qualification": qualification, "holder": {"name": name}, **more}
    reply = service.call("POST", "/credentials/issue", body, key="issuer")
    assert reply.status == 201, reply.body
    vc: dict[str, Any] = reply.json()["verifiableCredential"]
    return vc


def stored(service: Service, credential_id: str) -> dict[str, Any]:
    reply = service.call("GET", f"/credentials/{credential_id}", key="auditor")
    assert reply.status == 200, reply.body
    view: dict[str, Any] = reply.json()
    return view


def assert_problem(reply: Any, status: int, code: str, text: str) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["type"].endswith("/" + code) and text in reply.json()["detail"], (
        reply.json()
    )


def test_kcs_level2_needs_a_current_level1(service: Service) -> None:
    level2 = {"qualification": "kcs-level2", "holder": {"name": "Children First"}}
    refused = service.call("POST", "/credentials/issue", level2, key="issuer")
    assert_problem(refused, 409, "policy-violation", "requires a current kcs-level1 certificate")
    level1 = issue(service, "kcs-level1", "Children First")
    awarded = issue(service, "kcs-level2", "Children First")
    prerequisites = [e["id"] for e in awarded["evidence"] if e.get("genre") == "Prerequisite"]
    assert prerequisites == [level1["id"]]
    other = {"qualification": "kcs-level2", "holder": {"name": "Other Org"}}
    assert service.call("POST", "/credentials/issue", other, key="issuer").status == 409


def test_recertification_window_grace_and_lapse(service: Service) -> None:
    now = datetime.now(UTC)

    def awarded(ago: timedelta) -> dict[str, str]:
        return {"awarded": (now - ago).isoformat()}

    fresh = issue(service, "ecomentor", "Ana Novak")
    due = issue(service, "ecomentor", "Ivo Horvat", **awarded(FIVE_YEARS - timedelta(days=30)))
    late = issue(service, "ecomentor", "Lea Kovač", **awarded(FIVE_YEARS + timedelta(days=30)))
    lapsed = issue(service, "ecomentor", "Sara Babić", **awarded(FIVE_YEARS + timedelta(days=200)))

    def recertify(vc: dict[str, Any], **body: Any) -> Any:
        return service.call("POST", f"/credentials/{vc['id']}/recertify", body, key="issuer")

    assert_problem(recertify(fresh), 409, "policy-violation", "opens P6M before expiry")
    cpd = hashlib.sha256(b"CPD record").hexdigest()
    evidence = [{"url": "https://files.example/ivo/cpd.pdf", "sha256": cpd}]
    done = recertify(due, evidence=evidence)
    assert done.status == 200 and done.json()["decisionState"] == "done", done.body
    renewed = stored(service, done.json()["newCredentialId"])["verifiableCredential"]
    assert renewed["evidence"][0]["digestMultibase"] == digest_from_hex(cpd)
    assert renewed["evidence"][-1]["genre"] == "Recertification"
    assert stored(service, due["id"])["state"] == "superseded"
    assert recertify(late).json()["decisionState"] == "done"  # expired, within the grace
    assert_problem(recertify(lapsed), 409, "policy-violation", "lapsed")
    assert stored(service, lapsed["id"])["state"] == "active"  # nothing changed
    wrong = recertify(fresh, evidence=[{"url": "https://files.example/x", "sha256": "x"}])
    assert_problem(wrong, 422, "credential-invalid", "64 hexadecimal digits")
    assert (
        service.call("POST", f"/credentials/{due['id']}/recertify", {}, key="operator").status
        == 403
    )


def test_a_suspension_deadline_is_extended_never_shortened(service: Service) -> None:
    vc = issue(service, "ecomentor", "Ana Novak")
    first = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    later = first + timedelta(days=20)

    def decide(action: str, until: datetime) -> Any:
        body = {
            "credentialId": vc["id"],
            "action": action,
            "reason": "audit",
            "until": until.isoformat(),
        }
        return service.call("POST", "/credentials/status", body, key="operator")

    assert decide("suspend", first).status == 200
    extended = decide("extend-suspension", later)
    assert extended.status == 200 and extended.json()["state"] == "suspended", extended.body
    assert stored(service, vc["id"])["suspendedUntil"] == later.isoformat().replace("+00:00", "Z")
    shortened = decide("extend-suspension", first + timedelta(days=1))
    assert_problem(shortened, 409, "policy-violation", "later than the current one")
    audit = service.call("GET", "/audit", key="auditor").json()["entries"]
    (entry,) = [e for e in audit if e["action"] == "extend-suspension"]
    assert entry["credentialId"] == vc["id"] and entry["details"]["reason"] == "audit"


def test_scope_expanded_then_reduced_each_naming_itself(service: Service) -> None:
    vc = issue(service, "ecomentor", "Ana Novak", units=["U1"])

    def scope(credential_id: str, action: str, units: list[str], key: str = "approver-1") -> Any:
        body = {"action": action, "units": units, "reason": "assessment"}
        return service.call("POST", f"/credentials/{credential_id}/scope", body, key=key)

    assert scope(vc["id"], "expand", ["U1", "U2"], key="operator").status == 403
    wider = scope(vc["id"], "expand", ["U1", "U2"])
    assert wider.status == 200 and wider.json()["state"] == "superseded", wider.body
    expanded = stored(service, wider.json()["newCredentialId"])
    assert expanded["units"] == ["U1", "U2"]
    assert expanded["verifiableCredential"]["evidence"][-1]["genre"] == "ScopeExpansion"
    assert_problem(
        scope(expanded["credentialId"], "expand", ["U1"]), 409, "policy-violation", "more units"
    )
    narrower = scope(expanded["credentialId"], "reduce", ["U2"])
    assert narrower.status == 200 and narrower.json()["state"] == "withdrawn", narrower.body
    reduced = stored(service, narrower.json()["newCredentialId"])["verifiableCredential"]
    assert (reduced["evidence"][-1]["genre"], reduced["evidence"][-1]["name"]) == (
        "ScopeReduction",
        "Certificate whose scope this one reduces",
    )
    bad = scope(vc["id"], "shrink", ["U1"])
    assert bad.status == 422
