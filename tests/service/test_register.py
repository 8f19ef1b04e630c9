"""The public register over real HTTP on 127.0.0.1: looked up by certificate number, the
superseded certificate names its successor."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tests.integration.conftest import Backend
from tests.service.conftest import Service, running_service
from vcissue.governance.principals import Principal
from vcissue.issuer import Issuer

AWARD = {"qualification": "ecomentor", "holder": {"name": "Ana Novak"}}
REGISTRAR = Principal("registrar", "Registrar", frozenset({"issuer"}))


@pytest.fixture
def desk(backend: Backend, tmp_path: Path) -> Iterator[tuple[Service, Issuer]]:
    """The service, and the Issuer it runs (to make history the routes cannot make)."""
    apps: list[FastAPI] = []
    with running_service(backend, tmp_path, extend=apps.append) as service:
        yield service, apps[0].state.issuer


def test_the_register_answers_by_number_and_names_the_successor(
    desk: tuple[Service, Issuer],
) -> None:
    service, issuer = desk
    reply = service.call("POST", "/credentials/issue", AWARD, key="issuer")
    assert reply.status == 201, reply.body
    vc: dict[str, Any] = reply.json()["verifiableCredential"]
    number = vc["credentialSubject"]["licenseNumber"]
    assert number.startswith("EM-") and number.endswith("-000001")
    by_number = service.call("GET", f"/register/{number}")
    assert by_number.status == 200, by_number.body
    assert by_number.json() == service.call("GET", f"/register/{vc['id']}").json()
    assert by_number.json()["number"] == number and by_number.json()["current"] is True

    renewed = issuer.recertify(number, by=REGISTRAR).result.record
    old = service.call("GET", f"/register/{number}")
    assert old.status == 200, old.body  # was a 500: the answer's replacedBy was undocumented
    assert old.json()["replacedBy"] == renewed.id
    assert old.json()["replacedByNumber"] == renewed.number
    assert service.call("GET", f"/register/{renewed.number}").json()["current"] is True
    record = service.call("GET", f"/credentials/{number}", key="auditor")
    assert record.status == 200 and record.json()["credentialId"] == vc["id"]
    assert service.call("GET", "/register/EM-1999-000001").status == 404
