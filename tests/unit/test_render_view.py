"""What a printed certificate shows is read from the credential JSON alone."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from tests.factories import Body
from vcissue.errors import MalformedInput
from vcissue.qr import decode_payload
from vcissue.render import Unit, certificate_view, long_date


@pytest.fixture(scope="module")
def body() -> Body:
    return Body()


def test_full_certificate(body: Body) -> None:
    vc = body.issue("Zoë Ørsted-Łukasiewicz", limitations=("Only indoors", "Under supervision"))
    view = certificate_view(vc)
    assert view.kind == "Certificate" and view.is_full
    assert view.holder_name == "Zoë Ørsted-Łukasiewicz"
    assert view.title == "EcoMentor Qualification"
    assert view.scheme == "ecomentor, version 1.0"
    assert view.units == (
        Unit("U1", "Planning the mentoring activities"),
        Unit("U2", "Conducting the mentoring activities"),
        Unit("U3", "Evaluating the mentoring activities"),
    )
    assert view.scope.startswith("EcoMentor Qualification, full certification (U1 Planning")
    assert view.limitations == ("Only indoors", "Under supervision")
    assert view.conditions.startswith("Valid from 2026-03-02 until 2031-03-02")
    assert (view.awarded, view.expires) == (date(2026, 3, 2), date(2031, 3, 2))
    assert view.credential_id == vc["id"]
    assert (view.issuer_name, view.issuer_id) == (body.name, body.did)
    assert view.signature == f"eddsa-rdfc-2022 by {body.did}#key-1 on 2026-03-02"
    assert decode_payload(view.qr_payload) == vc


def test_unit_credential_shows_only_its_units(body: Body) -> None:
    view = certificate_view(body.issue(units=("U2",), suite="eddsa-jcs-2022"))
    assert view.kind == "Unit credential" and not view.is_full
    assert view.title == "EcoMentor Qualification"  # the unit list is shown apart
    assert view.scheme == "ecomentor/U2, version 1.0"
    assert view.units == (Unit("U2", "Conducting the mentoring activities"),)
    assert view.limitations == ()
    assert view.signature.startswith("eddsa-jcs-2022 by ")


def _minimal() -> dict[str, Any]:
    return {
        "id": "urn:example:1",
        "issuer": "did:key:z6Mk",
        "validFrom": "2025-01-31T23:30:00Z",
        "description": "Another body's own wording. Two sentences.",
        "credentialSubject": {
            "achievement": {"name": "Welding"},
            "identifier": [
                {"identityType": "emailAddress", "hashed": False, "identityHash": "a@b.example"},
                {"identityType": "name", "hashed": False, "identityHash": "  Ana Novak "},
            ],
        },
    }


def test_another_issuers_credential_prints_what_it_has() -> None:
    view = certificate_view(_minimal())
    assert view.holder_name == "Ana Novak"
    assert (view.issuer_name, view.issuer_id) == ("", "did:key:z6Mk")
    assert view.kind == "Unit credential"  # not declared a Certification
    assert view.scope == "Another body's own wording. Two sentences."
    assert (view.limitations, view.conditions) == ((), "")
    assert (view.awarded, view.expires) == (date(2025, 1, 31), None)
    assert view.units == () and view.scheme == ""
    assert view.signature == "not signed"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda vc: vc.pop("credentialSubject"), "no credentialSubject"),
        (lambda vc: vc["credentialSubject"].pop("achievement"), "no credentialSubject.achievement"),
        (lambda vc: vc.pop("id"), "no id"),
        (lambda vc: vc.pop("issuer"), "no issuer"),
        (lambda vc: vc.update(issuer={"type": "Profile"}), "no issuer"),
        (lambda vc: vc.update(validFrom="31/01/2025"), "award date is not a dateTime"),
        (lambda vc: vc.update(validUntil=20300101), "validUntil is not a dateTime"),
        (lambda vc: vc["credentialSubject"]["identifier"][1].update(hashed=True), "no holder"),
        (lambda vc: vc["credentialSubject"].update(identifier="Ana"), "no holder"),
    ],
)
def test_not_a_certificate(change: Any, message: str) -> None:
    vc = copy.deepcopy(_minimal())
    change(vc)
    with pytest.raises(MalformedInput, match=message):
        certificate_view(vc)


def test_long_date_is_unambiguous() -> None:
    assert long_date(date(2026, 3, 2)) == "2 March 2026"
    assert long_date(date(2031, 12, 31)) == "31 December 2031"
