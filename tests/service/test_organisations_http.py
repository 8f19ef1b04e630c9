"""Organisations as holders over real HTTP on 127.0.0.1 (SQLite, and PostgreSQL when
configured): the credential the service issues for a KCS organisation types its subject
as an OB 3.0 Profile, and the public register (JSON and the page, en and hr) says the
holder is a certified organisation; a person stays a holder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.integration.conftest import Backend
from tests.service.conftest import KCS, QUALIFICATION, Service, running_service
from tests.service.test_register import HTML, Page
from vcissue.verify import TrustList, verify_credential


@pytest.fixture
def service(backend: Backend, tmp_path: Path) -> Iterator[Service]:
    with running_service(backend, tmp_path, qualification_files=(QUALIFICATION, *KCS)) as running:
        yield running


def test_an_organisation_is_typed_signed_and_registered_as_one(service: Service) -> None:
    award = {"qualification": "kcs-level1", "holder": {"name": "Children First"}}
    reply = service.call("POST", "/credentials/issue", award, key="issuer")
    assert reply.status == 201, reply.body
    vc = reply.json()["verifiableCredential"]
    assert vc["credentialSubject"]["type"] == ["AchievementSubject", "Profile"]
    assert vc["credentialSubject"]["name"] == "Children First"
    trust = TrustList.of(service.keystore.trusted_issuer())
    assert verify_credential(vc, trust=trust, now=datetime.now(UTC)).verified
    number = vc["credentialSubject"]["licenseNumber"]

    answer = service.call("GET", f"/register/{number}", headers={"Accept": "application/json"})
    assert answer.status == 200, answer.body
    assert answer.json()["holderKind"] == "organisation"
    assert answer.json()["holderName"] == "Children First"
    for language, label in (("en", "Certified organisation"), ("hr", "Certificirana organizacija")):
        query = urlencode({"number": number, "lang": language})
        page = Page.of(service.call("GET", f"/register?{query}", headers=HTML).body)
        assert page.facts[label] == "Children First", page.facts
        assert "Holder" not in page.facts and "Nositelj" not in page.facts

    person = service.call(
        "POST",
        "/credentials/issue",
        {"qualification": "ecomentor", "holder": {"name": "Ana Novak"}},
        key="issuer",
    ).json()["verifiableCredential"]
    assert person["credentialSubject"]["type"] == ["AchievementSubject"]
    looked_up = service.call("GET", f"/register/{person['id']}").json()
    assert looked_up["holderKind"] == "person"
    page = Page.of(service.call("GET", f"/register?number={person['id']}", headers=HTML).body)
    assert page.facts["Holder"] == "Ana Novak" and "Certified organisation" not in page.facts
