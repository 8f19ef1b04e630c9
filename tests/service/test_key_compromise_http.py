"""Issue 12 section 4 over real HTTP (SQLite and PostgreSQL): after the key-compromise
drill the service hands out the re-signed credential and a DID document in which the key
is revoked; the holder's old copy fails as untrusted, the served one verifies with the
status lists the service serves."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.service.conftest import PASSPHRASE, QUALIFICATION, Service, http
from tests.service.test_governance_http import issued
from vcissue.settings import Settings
from vcissue.system import system_clock, system_random
from vcissue.verify import TrustedIssuer, TrustList, Verdict, verify_credential
from vcissue.wiring import build_issuer


def verdict(service: Service, credential: dict[str, Any]) -> Verdict:
    document = service.call("GET", "/.well-known/did.json").json()
    trust = TrustList.of(TrustedIssuer(document["id"], "", document))
    return verify_credential(
        credential,
        trust=trust,
        now=datetime.now(UTC),
        status_lists=lambda url: json.loads(http("GET", url).body),
    ).verdict


def test_the_service_serves_the_re_signed_credential(service: Service) -> None:
    old = issued(service)
    assert verdict(service, old) is Verdict.VALID
    now = datetime.now(UTC)
    service.keystore.compromise("key-1", PASSPHRASE, since=now - timedelta(hours=1), now=now)
    settings = Settings(
        store_url=service.backend.url,
        keys_dir=service.keystore.directory,
        status_base_url=f"{service.base}/status-lists",
        qualification_files=(QUALIFICATION,),
    )
    desk = build_issuer(
        settings, PASSPHRASE, clock=system_clock, rng=system_random, store=service.backend.open()
    )
    report = desk.resign("did:web:certs.example#key-1", actor="operator", reason="drill")
    assert report.credentials == (old["id"],)

    document = service.call("GET", "/.well-known/did.json").json()
    assert document["assertionMethod"] == ["did:web:certs.example#key-2"]
    assert "revoked" in document["verificationMethod"][0]
    served = service.call("GET", f"/credentials/{old['id']}", key="auditor").json()
    new = served["verifiableCredential"]
    assert new["proof"]["verificationMethod"] == "did:web:certs.example#key-2"
    assert verdict(service, new) is Verdict.VALID
    assert verdict(service, old) is Verdict.NOT_TRUSTED
    assert service.call("GET", f"/register/{old['id']}").json()["current"]
    # the running service follows the keyring: what it signs now is by key-2
    after = issued(service)
    assert after["proof"]["verificationMethod"] == "did:web:certs.example#key-2"
    assert verdict(service, after) is Verdict.VALID
