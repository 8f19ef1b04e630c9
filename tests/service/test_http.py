"""The issuer service over real HTTP (uvicorn on 127.0.0.1, see conftest.py), on SQLite
and PostgreSQL: the lifecycle checked with the library's verifier (status lists fetched
over HTTP from the service) and with the JavaScript reference verifier (the DID document
from the service's /.well-known/did.json); auth per role; problem details for bad input."""

from __future__ import annotations

import http.client
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.interop import jsstack
from tests.service.conftest import PASSPHRASE, Service
from vcissue.status_sources import FetchPolicy, HttpSource
from vcissue.verify import TrustList, verify_credential

AWARD = {"qualification": "ecomentor", "holder": {"name": "Ana Novak"}}


def _library_verdict(service: Service, vc: dict[str, Any]) -> dict[str, str]:
    did_document = service.call("GET", "/.well-known/did.json").json()
    trust = TrustList.from_json(
        {"issuers": [{"id": did_document["id"], "didDocument": did_document}]}
    )
    source = HttpSource(FetchPolicy(allow_http=True, allow_loopback=True))
    result = verify_credential(vc, trust=trust, now=datetime.now(UTC), status_lists=source)
    return {check.id: check.outcome.value for check in result.checks}


def test_issue_suspend_reinstate_revoke_over_http(service: Service) -> None:
    reply = service.call("POST", "/credentials/issue", AWARD, key="issuer")
    assert reply.status == 201, reply.body
    vc = reply.json()["verifiableCredential"]

    outcome = _library_verdict(service, vc)
    assert (
        outcome["proof"] == outcome["status.suspension"] == outcome["issuer.trusted"] == ("passed")
    )
    report = service.call("POST", "/credentials/verify", {"verifiableCredential": vc}).json()
    assert report["verified"] is True

    listed = service.call("GET", "/status-lists/suspension-1")
    assert listed.status == 200 and listed.headers["content-type"] == "application/vc+ld+json"
    assert "max-age" in listed.headers["cache-control"]
    assert listed.headers["access-control-allow-origin"] == "*"  # the verifier page's live check
    etag = listed.headers["etag"]
    again = service.call("GET", "/status-lists/suspension-1", headers={"If-None-Match": etag})
    assert again.status == 304

    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    reply = service.call(
        "POST",
        "/credentials/status",
        {"credentialId": vc["id"], "action": "suspend", "reason": "complaint", "until": until},
        key="operator",
    )
    assert reply.status == 200 and reply.json()["state"] == "suspended", reply.body
    assert service.call("GET", "/status-lists/suspension-1").headers["etag"] != etag
    assert _library_verdict(service, vc)["status.suspension"] == "failed"
    assert service.call("GET", f"/register/{vc['id']}").json()["current"] is False

    reply = service.call(
        "POST",
        "/credentials/status",
        {"credentialId": vc["id"], "action": "reinstate", "reason": "dismissed"},
        key="operator",
    )
    assert reply.status == 200 and _library_verdict(service, vc)["status.suspension"] == "passed"

    revoke = {"credentialId": vc["id"], "action": "revoke", "reason": "fraud"}
    first = service.call("POST", "/credentials/status", revoke, key="approver-1")
    assert first.status == 202 and first.json()["decisionState"] == "pending"
    assert first.json()["state"] == "active"  # the credential: unchanged until approved
    assert _library_verdict(service, vc)["status.revocation"] == "passed"
    twice = service.call("POST", "/credentials/status", revoke, key="approver-1")
    assert twice.status == 409 and twice.headers["content-type"] == "application/problem+json"
    second = service.call("POST", "/credentials/status", revoke, key="approver-2")
    assert second.status == 200 and second.json()["state"] == "revoked"
    assert second.json()["decisionState"] == "done"
    assert second.json()["approvals"] == ["approver-1", "approver-2"]
    assert second.json()["decision"] == first.json()["decision"]
    assert _library_verdict(service, vc)["status.revocation"] == "failed"
    reinstate = service.call(
        "POST",
        "/credentials/status",
        {"credentialId": vc["id"], "action": "reinstate", "reason": "dismissed"},
        key="operator",
    )
    assert reinstate.status == 409

    public = service.call("GET", f"/register/{vc['id']}")
    assert public.status == 200 and public.json()["current"] is False
    assert "fraud" not in public.body.decode() and "complaint" not in public.body.decode()

    audit = service.call("GET", "/audit", key="auditor").json()
    assert audit["intact"] is True
    staff = ("apikey-", "principal-")
    lifecycle = [e for e in audit["entries"] if not e["action"].startswith(staff)]
    assert len(audit["entries"]) - len(lifecycle) == 10  # each principal and its key
    assert [(e["action"], e["actor"]) for e in lifecycle] == [
        ("issue", "issuer"),
        ("suspend", "operator"),
        ("reinstate", "operator"),
        ("decision-request", "approver-1"),
        ("decision-approve", "approver-2"),
        ("revoke", "approver-2"),
    ]
    record = service.call("GET", f"/credentials/{vc['id']}", key="auditor").json()
    assert record["state"] == "revoked" and record["verifiableCredential"] == vc


def _require_js_stack() -> None:
    if shutil.which("node") is None or not jsstack.installed():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node or interop/js/node_modules missing")
        pytest.skip("the JS reference stack is not installed")


def test_the_js_reference_verifies_what_the_service_issues_and_serves(service: Service) -> None:
    _require_js_stack()
    vc = service.call("POST", "/credentials/issue", AWARD, key="issuer").json()[
        "verifiableCredential"
    ]
    did_document = service.call("GET", "/.well-known/did.json").json()
    documents = {did_document["id"]: did_document}
    # The reference stack cannot fetch status lists (offline): proofs, issuer, dates here;
    # the list's own signature below, and its bits in the library test above.
    result = jsstack.js_verify(vc, did_documents=documents, skip_status=True)
    assert (result["verified"], result["error"]) == (True, None)
    vc["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    assert jsstack.js_verify(vc, did_documents=documents, skip_status=True)["verified"] is False

    for entry in vc["credentialStatus"]:
        path = urlsplit(entry["statusListCredential"]).path
        status_list = service.call("GET", path).json()
        verdict = jsstack.js_verify(status_list, did_documents=documents)
        assert (verdict["verified"], verdict["error"]) == (True, None), path
        status_list["credentialSubject"]["encodedList"] = "uH4sIAAAAAAAAA-3BMQEAAAA"
        assert jsstack.js_verify(status_list, did_documents=documents)["verified"] is False


def test_claims_injected_in_a_blank_node_graph_do_not_verify(service: Service) -> None:
    vc = service.call("POST", "/credentials/issue", AWARD, key="issuer").json()[
        "verifiableCredential"
    ]
    assert service.call("POST", "/credentials/verify", {"verifiableCredential": vc}).json()[
        "verified"
    ]
    vc["credentialSubject"]["@graph"] = [{"id": "urn:example:x", "name": "INJECTED"}]
    report = service.call("POST", "/credentials/verify", {"verifiableCredential": vc}).json()
    assert report["verified"] is False
    assert {"id": "proof", "outcome": "failed"}.items() <= next(
        check for check in report["checks"] if check["id"] == "proof"
    ).items()


def test_auth_roles(service: Service) -> None:
    assert service.call("POST", "/credentials/issue", AWARD).status == 401
    assert service.call("POST", "/credentials/issue", AWARD, key="vci_00_x").status == 401
    forged = service.keys["issuer"][:-4] + "AAAA"
    assert service.call("POST", "/credentials/issue", AWARD, key=forged).status == 401
    assert service.call("POST", "/credentials/issue", AWARD, key="operator").status == 403
    assert service.call("GET", "/audit", key="issuer").status == 403
    vc = service.call("POST", "/credentials/issue", AWARD, key="issuer").json()[
        "verifiableCredential"
    ]
    suspend = {
        "credentialId": vc["id"],
        "action": "suspend",
        "reason": "r",
        "until": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    assert service.call("POST", "/credentials/status", suspend, key="issuer").status == 403
    assert service.call("POST", "/credentials/status", suspend, key="approver-1").status == 403
    assert service.call("GET", f"/credentials/{vc['id']}").status == 401


@pytest.mark.parametrize(
    ("method", "path", "body", "raw", "status"),
    [
        ("POST", "/credentials/issue", None, b"{not json", 422),
        ("POST", "/credentials/issue", {**AWARD, "colour": "red"}, None, 422),
        (
            "POST",
            "/credentials/issue",
            {"qualification": "nope", "holder": {"name": "A"}},
            None,
            422,
        ),
        ("POST", "/credentials/issue", {**AWARD, "units": ["U9"]}, None, 422),
        ("POST", "/credentials/issue", {**AWARD, "holder": {"name": ""}}, None, 422),
        (
            "POST",
            "/credentials/issue",
            {**AWARD, "holder": {"name": "A", "email": "a@b"}},
            None,
            422,
        ),
        ("POST", "/credentials/issue", {**AWARD, "holder": {"name": "A", "email": 7}}, None, 422),
        ("POST", "/credentials/issue", None, b"[" * 300_000, 413),
        (
            "POST",
            "/credentials/status",
            {"credentialId": "urn:uuid:x", "action": "reinstate", "reason": "r"},
            None,
            404,
        ),
        (
            "POST",
            "/credentials/status",
            {"credentialId": "urn:uuid:x", "action": "explode"},
            None,
            422,
        ),
        ("POST", "/credentials/verify", {"verifiableCredential": {"id": 1}}, None, 200),
        ("GET", "/nowhere", None, None, 404),
        ("DELETE", "/health", None, None, 405),
        ("GET", "/status-lists/..%2f..%2fetc", None, None, 404),
        ("GET", "/register/urn:uuid:unknown", None, None, 404),
        ("GET", "/qualifications/nope", None, None, 404),
    ],
)
def test_bad_requests_get_problem_details(
    service: Service, method: str, path: str, body: Any, raw: bytes | None, status: int
) -> None:
    key = "operator" if path == "/credentials/status" else "issuer"
    reply = service.call(method, path, body, raw=raw, key=key)
    assert reply.status == status, reply.body
    if status >= 400:
        assert reply.headers["content-type"] == "application/problem+json"
        problem = reply.json()
        assert problem["status"] == status and problem["detail"] and problem["type"]
    else:
        assert reply.json()["verified"] is False


def test_public_routes(service: Service) -> None:
    health = service.call("GET", "/health").json()
    assert health["status"] == "ok" and health["store"] == service.backend.name
    listing = service.call("GET", "/qualifications").json()
    assert [q["id"] for q in listing] == ["ecomentor"]
    scheme = service.call("GET", "/qualifications/ecomentor").json()
    assert (
        scheme["scheme"]["id"] == "ecomentor" and "2 distinct" in scheme["policies"]["revocation"]
    )
    did = service.call("GET", "/.well-known/did.json")
    assert did.json()["id"] == "did:web:certs.example"
    assert service.call("GET", "/openapi.json").json()["info"]["title"]


def test_an_unsigned_credential_is_refused_by_name(service: Service) -> None:
    unsigned = {
        "credential": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:web:certs.example",
            "credentialSubject": {"name": "Ana Novak"},
        }
    }
    reply = service.call("POST", "/credentials/issue", unsigned, key="issuer")
    assert reply.status == 422 and reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["type"].endswith("/unsigned-credential-refused")
    assert "award request" in reply.json()["detail"]
    audit = service.call("GET", "/audit", key="auditor").json()
    assert [e for e in audit["entries"] if e["action"] == "issue"] == []  # nothing was issued


def test_validation_problems_name_every_field_at_fault(service: Service) -> None:
    reply = service.call(
        "POST",
        "/credentials/issue",
        {"qualification": "", "holder": {"name": "A", "shoeSize": 44}},
        key="issuer",
    )
    assert reply.status == 422
    problem = reply.json()
    locations = sorted(item["location"] for item in problem["errors"])
    assert locations == ["body.award.holder.shoeSize", "body.award.qualification"], problem
    suspend = {"credentialId": "urn:uuid:x", "action": "suspend", "reason": "r"}
    reply = service.call("POST", "/credentials/status", suspend, key="operator")
    assert reply.status == 422 and "until" in reply.json()["detail"]


def test_a_chunked_body_over_the_limit_is_413(service: Service) -> None:
    """No Content-Length to refuse up front: the limit is counted as the body streams."""
    address = urlsplit(service.base)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    chunk = b" " * 65536
    connection.putrequest("POST", "/credentials/issue")
    connection.putheader("Authorization", f"Bearer {service.keys['issuer']}")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    try:
        for _ in range(5):  # 320 KiB > 256 KiB
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before the rest is sent
    response = connection.getresponse()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/problem+json"
    connection.close()


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer vci_",
        "Bearer vci_0123456789abcdef_" + "A" * 43,  # well-formed, unknown key id
        "vci_0123456789abcdef_" + "A" * 43,  # no scheme
        "Bearer " + "x" * 5000,
    ],
)
def test_malformed_or_unknown_keys_are_401_problems(service: Service, authorization: str) -> None:
    reply = service.call(
        "POST", "/credentials/issue", AWARD, headers={"Authorization": authorization}
    )
    assert reply.status == 401 and reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["www-authenticate"] == "Bearer"


def test_the_openapi_document_describes_problems_and_auth(service: Service) -> None:
    document = service.call("GET", "/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    issue = document["paths"]["/credentials/issue"]["post"]
    for status in ("401", "403", "413", "422"):
        assert "application/problem+json" in issue["responses"][status]["content"], status
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_did_json_keeps_past_keys_after_a_rotation(service: Service) -> None:
    """A verifier resolving the body's DID after ``vcissue keys rotate`` still verifies
    what the old key signed, and the service's own /credentials/verify still does too."""
    vc = service.call("POST", "/credentials/issue", AWARD, key="issuer").json()[
        "verifiableCredential"
    ]
    before = service.call("GET", "/.well-known/did.json").json()
    service.keystore.rotate(PASSPHRASE, now=datetime.now(UTC))
    after = service.call("GET", "/.well-known/did.json").json()
    assert len(after["verificationMethod"]) == len(before["verificationMethod"]) + 1
    assert vc["proof"]["verificationMethod"] in [m["id"] for m in after["verificationMethod"]]
    outcome = _library_verdict(service, vc)
    assert outcome["proof"] == outcome["issuer.trusted"] == "passed", outcome
    report = service.call("POST", "/credentials/verify", {"verifiableCredential": vc}).json()
    assert report["verified"] is True, report


def test_the_api_documentation_is_served_from_packaged_assets(service: Service) -> None:
    """/docs and /redoc load nothing from a CDN: every script and style they name is ours."""
    for page in ("/docs", "/redoc"):
        reply = service.call("GET", page)
        assert reply.status == 200 and reply.headers["content-type"].startswith("text/html")
        html = reply.body.decode()
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
        assert assets, html
        for asset in assets:
            assert asset.startswith("/static-offline-docs/"), asset
            served = service.call("GET", asset)
            assert served.status == 200 and len(served.body) > 1000, asset
        assert "cdn." not in html and "fonts.googleapis" not in html
