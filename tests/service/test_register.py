"""The public register over real HTTP on 127.0.0.1: looked up by certificate number, the
superseded certificate names its successor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

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


# ----------------------------------------------------------------------------- the page

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


def _issue(service: Service, name: str = "Ana Novak") -> dict[str, Any]:
    award = {**AWARD, "holder": {"name": name}}
    reply = service.call("POST", "/credentials/issue", award, key="issuer")
    assert reply.status == 201, reply.body
    issued: dict[str, Any] = reply.json()["verifiableCredential"]
    return issued


def _query(**values: str) -> str:
    return "/register?" + urlencode(values)


def test_the_register_page_looks_a_number_up_without_script(
    desk: tuple[Service, Issuer],
) -> None:
    service, issuer = desk
    vc = _issue(service)
    number = vc["credentialSubject"]["licenseNumber"]
    form = service.call("GET", "/register", headers=HTML)
    assert form.status == 200 and form.headers["content-type"].startswith("text/html")
    text = form.body.decode()
    assert "<script" not in text and '<label for="number">' in text and 'lang="en"' in text

    found = service.call("GET", _query(number=number), headers=HTML)
    assert found.status == 200
    shown = Page.of(found.body)
    assert shown.verdict == "Current: this certification is valid for the scope shown."
    assert shown.facts["Certificate no."] == number
    assert shown.facts["Holder"] == "Ana Novak"
    assert shown.facts["Qualification"] == "EcoMentor Qualification"
    assert shown.facts["Awarding body"] == "EcoMentor Certification Body"
    assert shown.facts["Accreditation"].startswith("Croatian Accreditation Agency (example), ")
    assert "Scope" in shown.facts and "Valid until" in shown.facts

    issuer.suspend(number, reason="a confidential complaint", until=_later(), by=OPERATOR)
    hidden = service.call("GET", _query(number=number), headers=HTML)
    page = Page.of(hidden.body)
    assert page.verdict == "Not current: this certificate is not a valid certification."
    assert "complaint" not in hidden.body.decode() and "suspend" not in hidden.body.decode()

    missing = service.call("GET", _query(number="EM-1999-000009"), headers=HTML)
    assert missing.status == 404 and "EM-1999-000009" in Page.of(missing.body).status


def test_superseded_links_to_the_current_certificate_and_json_by_accept(
    desk: tuple[Service, Issuer],
) -> None:
    service, issuer = desk
    number = _issue(service)["credentialSubject"]["licenseNumber"]
    renewed = issuer.recertify(number, by=REGISTRAR).result.record
    old = Page.of(service.call("GET", _query(number=number), headers=HTML).body)
    assert old.verdict == "Superseded: a newer certificate replaces this one."
    assert old.facts["Superseded by"] == renewed.number
    assert old.links[renewed.number] == "/register?" + urlencode(
        {"number": renewed.number, "lang": "en"}
    )
    answer = service.call("GET", _query(number=number), headers=JSON)
    assert answer.headers["content-type"] == "application/json"
    data = answer.json()
    assert data["superseded"] is True and data["current"] is False
    assert data["replacedByNumber"] == renewed.number
    assert "recertif" not in answer.body.decode()  # states, never reasons
    assert service.call("GET", _query(number="EM-1999-1"), headers=JSON).status == 404
    held = service.call("GET", _query(number=number, name="Ana Novak"), headers=JSON).json()
    assert held["certified"] is True  # superseded by a current certificate of hers
    phone = service.call("GET", f"/register/{number}", headers=HTML)  # a printed register link
    assert Page.of(phone.body).facts["Superseded by"] == renewed.number
    assert service.call("GET", f"/register/{number}").json()["superseded"] is True


def test_is_this_person_certified_answers_yes_or_no_only(desk: tuple[Service, Issuer]) -> None:
    service, _ = desk
    number = _issue(service, "Ivana Horvat")["credentialSubject"]["licenseNumber"]
    for name, expected in (
        ("Ivana Horvat", True),
        ("  ivana   HORVAT ", True),  # as people type names
        ("Ivan Horvat", False),
    ):
        reply = service.call("GET", _query(number=number, name=name), headers=JSON)
        assert reply.status == 200
        assert reply.json() == {
            "number": number,
            "name": " ".join(name.split()),
            "certified": expected,
        }
    unknown = service.call("GET", _query(number="EM-1999-1", name="Ivana Horvat"), headers=JSON)
    assert unknown.status == 200 and unknown.json()["certified"] is False  # no more than no
    page = service.call("GET", _query(number=number, name="Ivana Horvat"), headers=HTML)
    shown = Page.of(page.body)
    assert shown.verdict.startswith("Yes: Ivana Horvat holds a current certification")
    assert shown.facts == {}  # yes or no, nothing else


def test_the_page_speaks_the_readers_language(desk: tuple[Service, Issuer]) -> None:
    service, _ = desk
    number = _issue(service)["credentialSubject"]["licenseNumber"]
    croatian = {"Accept": "text/html", "Accept-Language": "hr-HR,hr;q=0.9,en;q=0.8"}
    page = service.call("GET", _query(number=number), headers=croatian)
    shown = Page.of(page.body)
    assert 'lang="hr"' in page.body.decode()
    assert shown.verdict == "Važeće: certifikacija je valjana za prikazani opseg."
    assert shown.facts["Broj certifikata"] == number
    english = service.call("GET", _query(number=number, lang="en"), headers=croatian)
    assert Page.of(english.body).facts["Certificate no."] == number
    german = {"Accept": "text/html", "Accept-Language": "de-DE,de;q=0.9"}
    assert 'lang="en"' in service.call("GET", "/register", headers=german).body.decode()


def test_lookups_past_the_limit_get_429_with_retry_after(backend: Backend, tmp_path: Path) -> None:
    with running_service(backend, tmp_path, register_lookups_per_minute=3) as service:
        number = _issue(service)["credentialSubject"]["licenseNumber"]
        for _ in range(3):
            assert service.call("GET", _query(number=number), headers=JSON).status == 200
        refused = service.call("GET", _query(number=number), headers=JSON)
        assert refused.status == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/rate-limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 20
        by_path = service.call("GET", f"/register/{number}")
        assert by_path.status == 429 and by_path.headers["retry-after"]
        page = service.call("GET", _query(number=number), headers=HTML)
        assert page.status == 429 and page.headers["content-type"].startswith("text/html")
        assert "try again" in Page.of(page.body).status
        assert service.call("GET", "/register", headers=HTML).status == 200  # the form: free


def _later() -> datetime:
    return datetime.now(UTC) + timedelta(days=30)


OPERATOR = Principal("operator", "Operator", frozenset({"operator"}))


class Page(HTMLParser):
    """What a reader of the page sees: the answer's verdict and facts, its links."""

    def __init__(self) -> None:
        super().__init__()
        self.verdict = ""
        self.status = ""
        self.facts: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self._stack: list[str] = []
        self._term = ""
        self._href = ""
        self._in_status = 0

    @classmethod
    def of(cls, body: bytes) -> Page:
        parser = cls()
        parser.feed(body.decode())
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("br", "input", "meta"):
            return  # void elements: no end tag
        if found.get("role") == "status":
            self._in_status += 1
        if tag == "p" and found.get("class") == "verdict":
            self._stack.append("verdict")
        elif tag in ("dt", "dd"):
            self._stack.append(tag)
        else:
            self._stack.append("")
        if tag == "a":
            self._href = found.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if self._stack:
            self._stack.pop()
        if tag == "section":
            self._in_status = 0

    def handle_data(self, data: str) -> None:
        if self._in_status:
            self.status += data
        kinds = [k for k in self._stack if k]
        kind = kinds[-1] if kinds else ""
        if kind == "verdict":
            self.verdict += data
        elif kind == "dt":
            self._term = data
        elif kind == "dd" and self._term:
            self.facts[self._term] = self.facts.get(self._term, "") + data
        if self._href:
            self.links[data] = self._href
            self._href = ""
