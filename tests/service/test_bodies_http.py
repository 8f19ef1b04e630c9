"""Issue 12 section 3 over real HTTP (uvicorn on 127.0.0.1), on SQLite and PostgreSQL: a
service holding two awarding bodies issues each qualification under its own body's DID and
key, serves each body's lists and DID document, verifies both, and a KCS revocation flips a
bit in the KCS list only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.factories import ROOT
from tests.integration.conftest import Backend
from tests.integration.test_bodies import kcs_file
from tests.service.conftest import PASSPHRASE, QUALIFICATION, Service, running_service
from vcissue.keystore import KeyStore
from vcissue.status import read_status_list_credential
from vcissue.status_sources import FetchPolicy, HttpSource
from vcissue.verify import TrustList, Verdict, verify_credential

KCS_DID = "did:web:certs.example:bodies:kcs"


def _issue(service: Service, qualification: str, holder: str) -> dict[str, Any]:
    award = {"qualification": qualification, "holder": {"name": holder}}
    reply = service.call("POST", "/credentials/issue", award, key="issuer")
    assert reply.status == 201, reply.body
    vc: dict[str, Any] = reply.json()["verifiableCredential"]
    return vc


def _bits(service: Service, name: str) -> bytes:
    reply = service.call("GET", f"/status-lists/{name}")
    assert reply.status == 200, reply.body
    return read_status_list_credential(reply.json()).bitstring.to_bytes()


def test_two_bodies_over_http(backend: Backend, tmp_path: Path) -> None:
    kcs_keys = KeyStore(tmp_path / "keys-kcs")
    kcs_keys.generate(
        PASSPHRASE,
        now=datetime.now(UTC) - timedelta(minutes=1),
        name="Keeping Children Safe",
        did=KCS_DID,
    )
    with running_service(
        backend,
        tmp_path,
        bodies={"kcs": tmp_path / "keys-kcs"},
        qualification_files=(QUALIFICATION, kcs_file(tmp_path)),
    ) as service:
        em = _issue(service, "ecomentor", "Ana Novak")
        kcs = _issue(service, "kcs-level1", "Children First")
        assert em["issuer"]["id"] == "did:web:certs.example"
        assert kcs["issuer"] == {**kcs["issuer"], "id": KCS_DID, "name": "Keeping Children Safe"}
        assert kcs["proof"]["verificationMethod"] == f"{KCS_DID}#key-1"
        kcs_lists = {e["statusListCredential"] for e in kcs["credentialStatus"]}
        assert kcs_lists == {
            f"{service.base}/status-lists/kcs-revocation-1",
            f"{service.base}/status-lists/kcs-suspension-1",
        }
        listed = service.call("GET", "/status-lists/kcs-revocation-1").json()
        assert listed["issuer"] == KCS_DID
        assert listed["proof"]["verificationMethod"] == f"{KCS_DID}#key-1"

        # each body's DID document, where did:web resolves it
        document = service.call("GET", "/bodies/kcs/did.json")
        assert document.status == 200 and document.json() == kcs_keys.did_document()
        assert document.headers["content-type"] == "application/did+json"
        assert service.call("GET", "/bodies/default/did.json").status == 404
        assert service.call("GET", "/bodies/nobody/did.json").status == 404
        own = service.call("GET", "/.well-known/did.json").json()

        # the library verifier, with both DID documents as served and the lists over HTTP
        trust = TrustList.from_json(
            {
                "issuers": [
                    {"id": own["id"], "didDocument": own},
                    {"id": KCS_DID, "didDocument": document.json()},
                ]
            }
        )
        source = HttpSource(FetchPolicy(allow_http=True, allow_loopback=True))

        def verdict(vc: dict[str, Any]) -> Verdict:
            now = datetime.now(UTC)
            return verify_credential(vc, trust=trust, now=now, status_lists=source).verdict

        assert verdict(em) is Verdict.VALID and verdict(kcs) is Verdict.VALID
        for vc in (em, kcs):  # the service's own verifier trusts every body of the deployment
            report = service.call("POST", "/credentials/verify", {"verifiableCredential": vc})
            assert report.json()["verified"] is True, report.body

        # the verifier page the service serves trusts both bodies
        page = service.call("GET", "/V").body.decode()
        assert KCS_DID in page and "did:web:certs.example" in page

        em_before = (_bits(service, "revocation-1"), _bits(service, "suspension-1"))
        kcs_before = _bits(service, "kcs-revocation-1")
        revoke = {"credentialId": kcs["id"], "action": "revoke", "reason": "safeguarding"}
        for approver in ("approver-1", "approver-2"):
            reply = service.call("POST", "/credentials/status", revoke, key=approver)
            assert reply.status in (200, 202), reply.body  # pending after the first
        assert _bits(service, "kcs-revocation-1") != kcs_before
        assert (_bits(service, "revocation-1"), _bits(service, "suspension-1")) == em_before
        assert verdict(kcs) is Verdict.REVOKED and verdict(em) is Verdict.VALID

        audit = service.call("GET", "/audit", key="auditor").json()
        assert audit["intact"] is True, audit["problems"]


def test_the_page_data_names_every_body(backend: Backend, tmp_path: Path) -> None:
    """The bundle the /V page carries: both bodies on its trust list, both bodies' lists."""
    KeyStore(tmp_path / "keys-kcs").generate(
        PASSPHRASE, now=datetime.now(UTC), name="Keeping Children Safe", did=KCS_DID
    )
    with running_service(
        backend,
        tmp_path,
        bodies={"kcs": tmp_path / "keys-kcs"},
        qualification_files=(
            ROOT / "examples" / "ecomentor" / "qualification.json",
            kcs_file(tmp_path),
        ),
    ) as service:
        _issue(service, "kcs-level1", "Children First")
        _issue(service, "ecomentor", "Ana Novak")
        page = service.call("GET", "/V").body.decode()
        start = page.index('id="vcissue-verifier-data">') + len('id="vcissue-verifier-data">')
        data = json.loads(page[start : page.index("</script>", start)])
        assert {i["id"] for i in data["trustList"]["issuers"]} == {
            "did:web:certs.example",
            KCS_DID,
        }
        assert {(s["id"].rsplit("/", 1)[-1], s["issuer"]) for s in data["statusLists"]} == {
            ("revocation-1", "did:web:certs.example"),
            ("suspension-1", "did:web:certs.example"),
            ("kcs-revocation-1", KCS_DID),
            ("kcs-suspension-1", KCS_DID),
        }
