"""The issuer service over real HTTP: uvicorn on 127.0.0.1 (a free port), on SQLite and,
when configured, PostgreSQL; checked with the library's verifier (status lists fetched over
HTTP from the service) and with the JavaScript reference verifier."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.factories import ROOT
from tests.integration.conftest import Backend
from tests.interop import jsstack
from vcissue.keystore import KeyStore
from vcissue.service import create_app
from vcissue.service.auth import create_api_key
from vcissue.settings import Settings
from vcissue.status_sources import FetchPolicy, HttpSource
from vcissue.verify import TrustList, verify_credential

PASSPHRASE = b"service-test"
QUALIFICATION = ROOT / "examples" / "ecomentor" / "qualification.json"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _lower(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Service:
    base: str
    keys: dict[str, str]
    keystore: KeyStore
    backend: Backend

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if key is not None:
            request.add_header("Authorization", f"Bearer {self.keys.get(key, key)}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # loopback only
                return Reply(response.status, _lower(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, _lower(error.headers.items()), error.read())


@pytest.fixture
def service(backend: Backend, tmp_path: Path) -> Iterator[Service]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    keystore = KeyStore(tmp_path / "keys")
    keystore.generate(
        PASSPHRASE,
        now=datetime.now(UTC) - timedelta(minutes=1),
        name="EcoMentor Certification Body",
        did="did:web:certs.example",
    )
    settings = Settings(
        store_url=backend.url,
        keys_dir=tmp_path / "keys",
        status_base_url=f"{base}/status-lists",
        qualification_files=(QUALIFICATION,),
        revocation_approvers=2,
    )
    store = backend.open()
    app = create_app(settings, store=store, passphrase=PASSPHRASE)
    now = datetime.now(UTC)
    keys = {
        role: create_api_key(store, role=role.split("-")[0], name=role, now=now)
        for role in ("issuer", "operator", "approver-1", "approver-2", "auditor")
    }
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield Service(base, keys, keystore, backend)
    server.should_exit = True
    thread.join(timeout=30)


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
        {"credentialId": vc["id"], "action": "reinstate"},
        key="operator",
    )
    assert reply.status == 200 and _library_verdict(service, vc)["status.suspension"] == "passed"

    revoke = {"credentialId": vc["id"], "action": "revoke", "reason": "fraud"}
    first = service.call("POST", "/credentials/status", revoke, key="approver-1")
    assert first.status == 202 and first.json()["state"] == "pending"
    assert _library_verdict(service, vc)["status.revocation"] == "passed"
    twice = service.call("POST", "/credentials/status", revoke, key="approver-1")
    assert twice.status == 409 and twice.headers["content-type"] == "application/problem+json"
    second = service.call("POST", "/credentials/status", revoke, key="approver-2")
    assert second.status == 200 and second.json()["state"] == "revoked"
    assert _library_verdict(service, vc)["status.revocation"] == "failed"
    reinstate = service.call(
        "POST",
        "/credentials/status",
        {"credentialId": vc["id"], "action": "reinstate"},
        key="operator",
    )
    assert reinstate.status == 409

    public = service.call("GET", f"/register/{vc['id']}")
    assert public.status == 200 and public.json()["current"] is False
    assert "fraud" not in public.body.decode() and "complaint" not in public.body.decode()

    audit = service.call("GET", "/audit", key="auditor").json()
    assert audit["intact"] is True
    assert [(e["action"], e["actor"]) for e in audit["entries"]] == [
        ("issue", "issuer"),
        ("suspend", "operator"),
        ("reinstate", "operator"),
        ("revoke-approval", "approver-1"),
        ("revoke", "approver-2"),
    ]
    record = service.call("GET", f"/credentials/{vc['id']}", key="auditor").json()
    assert record["state"] == "revoked" and record["verifiableCredential"] == vc


def test_the_js_reference_verifies_what_the_service_issues(service: Service) -> None:
    if shutil.which("node") is None or not jsstack.installed():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node or interop/js/node_modules missing")
        pytest.skip("the JS reference stack is not installed")
    vc = service.call("POST", "/credentials/issue", AWARD, key="issuer").json()[
        "verifiableCredential"
    ]
    did_document = service.call("GET", "/.well-known/did.json").json()
    documents = {did_document["id"]: did_document}
    result = jsstack.js_verify(vc, did_documents=documents, skip_status=True)
    assert (result["verified"], result["error"]) == (True, None)
    vc["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    assert jsstack.js_verify(vc, did_documents=documents, skip_status=True)["verified"] is False


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
        ("POST", "/credentials/issue", None, b"[" * 300_000, 413),
        (
            "POST",
            "/credentials/status",
            {"credentialId": "urn:uuid:x", "action": "reinstate"},
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


SCHEMATHESIS = shutil.which("st", path=str(Path(sys.executable).parent))


@pytest.mark.parametrize("role", ["issuer", "operator"])
def test_schemathesis_finds_no_server_error_or_schema_violation(
    service: Service, role: str, tmp_path: Path
) -> None:
    assert SCHEMATHESIS, "schemathesis is in the dev extra"
    out = subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            f"{service.base}/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--header",
            f"Authorization: Bearer {service.keys[role]}",
            "--max-examples",
            "25",
            "--seed",
            "1",
            "--no-color",
            "--phases",
            "examples,coverage,fuzzing",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", out.stdout)
    assert counts and int(counts[1]) == int(counts[2]) > 100, out.stdout[-2000:]
