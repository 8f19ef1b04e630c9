"""Evidence digests and the RPL marker over real HTTP on 127.0.0.1 (SQLite, and PostgreSQL
when configured): POST /credentials/issue takes evidence with its SHA-256 and the units
recognised through prior learning; a wrong digest is a typed problem+json; the register
names the RPL units; a reissue of the same award (scope reduction) keeps its evidence and
the RPL of the units it keeps."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI

from tests.integration.conftest import Backend
from tests.service.conftest import Service, running_service
from tests.service.test_register import HTML, Page
from vcissue.governance.principals import Principal
from vcissue.issuer import Issuer
from vcissue.model.evidence import digest_from_hex

APPROVER = Principal("approver", "Approver", frozenset({"approver"}))
CPD = hashlib.sha256(b"CPD record of Ana Novak").hexdigest()


@pytest.fixture
def desk(backend: Backend, tmp_path: Path) -> Iterator[tuple[Service, Issuer]]:
    apps: list[FastAPI] = []
    with running_service(backend, tmp_path, extend=apps.append) as service:
        yield service, apps[0].state.issuer


def test_evidence_with_digests_and_rpl_over_http(desk: tuple[Service, Issuer]) -> None:
    service, issuer = desk
    award = {
        "qualification": "ecomentor",
        "holder": {"name": "Ana Novak"},
        "units": ["U1", "U2", "U3"],
        "evidence": [
            {"url": "https://files.example/ana/cpd.pdf", "name": "CPD record", "sha256": CPD},
            {"url": "https://files.example/ana/observation.pdf"},
        ],
        "rpl": ["U1", "U3"],
    }
    reply = service.call("POST", "/credentials/issue", award, key="issuer")
    assert reply.status == 201, reply.body
    vc = reply.json()["verifiableCredential"]
    cpd, observation, rpl = vc["evidence"]
    assert cpd["name"] == "CPD record" and cpd["digestMultibase"] == digest_from_hex(CPD)
    assert observation["name"] == "observation.pdf" and "digestMultibase" not in observation
    assert rpl["genre"] == "RecognitionOfPriorLearning"
    assert rpl["description"].startswith("U1 ") and "; U3 " in rpl["description"]

    answer = service.call("GET", f"/register/{vc['id']}").json()
    assert answer["rplUnits"] == ["U1", "U3"]
    query = urlencode({"number": vc["credentialSubject"]["licenseNumber"], "lang": "hr"})
    page = Page.of(service.call("GET", f"/register?{query}", headers=HTML).body)
    assert page.facts["Priznavanje prethodnog učenja"] == "U1, U3"

    # the same award reissued for fewer units keeps its evidence and the RPL it still holds
    reduced = issuer.reduce_scope(vc["id"], units=["U1", "U2"], reason="U3 annulled", by=APPROVER)
    narrower = reduced.result.credential
    kept_cpd, _, kept_rpl, previous = narrower["evidence"]
    assert kept_cpd == cpd and kept_rpl["description"] == "U1 Planning the mentoring activities"
    assert previous["genre"] == "ScopeReduction"
    assert service.call("GET", f"/register/{narrower['id']}").json()["rplUnits"] == ["U1"]
    plain = service.call(
        "POST",
        "/credentials/issue",
        {"qualification": "ecomentor", "holder": {"name": "Ivo Horvat"}},
        key="issuer",
    ).json()["verifiableCredential"]
    assert service.call("GET", f"/register/{plain['id']}").json().get("rplUnits") is None


@pytest.mark.parametrize(
    ("evidence", "rpl", "message"),
    [
        ({"url": "https://files.example/x.pdf", "sha256": "not-hex"}, [], "64 hexadecimal"),
        ({"url": "https://files.example/x.pdf", "sha256": CPD[:-2]}, [], "64 hexadecimal"),
        ({"url": "not a url", "sha256": CPD}, [], "URL or URN"),
        ({"url": "https://files.example/x.pdf"}, ["U9"], "RPL unit 'U9'"),
    ],
)
def test_a_wrong_digest_or_rpl_is_a_problem(
    desk: tuple[Service, Issuer], evidence: dict[str, str], rpl: list[str], message: str
) -> None:
    service, issuer = desk
    award = {
        "qualification": "ecomentor",
        "holder": {"name": "Ana Novak"},
        "evidence": [evidence],
        "rpl": rpl,
    }
    reply = service.call("POST", "/credentials/issue", award, key="issuer")
    assert reply.status == 422, reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["type"].endswith("/credential-invalid") and message in problem["detail"]
    assert sum(issuer.counts().by_state.values()) == 0
