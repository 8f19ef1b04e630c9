"""Wallet routes over real HTTP on 127.0.0.1 (SQLite and PostgreSQL): presentations
verified by ``POST /presentations/verify`` with status read from the service's lists."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.service.conftest import Service
from vcissue.holder import create_presentation
from vcissue.keys import SigningKey

HOLDER = SigningKey(bytes(range(9, 41)))


def test_presentations_verify(service: Service) -> None:
    award = {"qualification": "ecomentor", "holder": {"name": "Ana", "id": HOLDER.controller}}
    reply = service.call("POST", "/credentials/issue", award, key="issuer")
    assert reply.status == 201, reply.body
    vc = reply.json()["verifiableCredential"]
    vp = create_presentation(
        [vc], HOLDER, challenge="c-9", domain="hr.example", created=datetime.now(UTC)
    )
    options = {"challenge": "c-9", "domain": "hr.example"}
    body = {"verifiablePresentation": vp, "options": options}
    report = service.call("POST", "/presentations/verify", body).json()
    assert report["verdict"] == "VALID", report
    ids = {check["id"]: check["outcome"] for check in report["checks"]}
    assert ids["holder.binding"] == ids["credentials[0].status.revocation"] == "passed"

    replay = {"verifiablePresentation": vp, "options": {**options, "challenge": "c-10"}}
    report = service.call("POST", "/presentations/verify", replay).json()
    assert report["verdict"] == "FORGED" and report["verified"] is False

    thief = SigningKey(bytes(range(10, 42)))
    stolen = create_presentation(
        [vc], thief, challenge="c-9", domain="hr.example", created=datetime.now(UTC)
    )
    body = {"verifiablePresentation": stolen, "options": options}
    report = service.call("POST", "/presentations/verify", body).json()
    failed = [c["id"] for c in report["checks"] if c["outcome"] == "failed"]
    assert failed == ["holder.binding"]

    missing = service.call("POST", "/presentations/verify", {"verifiablePresentation": vp})
    assert missing.status == 422
    assert missing.headers["content-type"] == "application/problem+json"
