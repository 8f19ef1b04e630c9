"""Who a credential certifies (issue 12 §3): an organisation subject is typed as an OB 3.0
Profile in the signed credential (with its name), a person stays a plain
AchievementSubject; the certificate says which."""

from __future__ import annotations

import pytest

from tests.factories import AWARDED, Body, kcs
from vcissue import jsonld
from vcissue.credential import bind_subject, schema_errors, subject_kind
from vcissue.render import certificate_view
from vcissue.render.template import Line, certificate
from vcissue.verify import Verdict, verify_credential


@pytest.fixture(scope="module")
def body() -> Body:
    return Body()


def lead(vc: dict[str, object], language: str) -> str:
    blocks = certificate(certificate_view(vc), language=language).blocks
    return next(b.text for b in blocks if isinstance(b, Line) and b.role == "lead")


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_an_organisation_is_a_profile_in_the_signed_credential(body: Body, suite: str) -> None:
    vc = body.issue("Children First", suite=suite, qualification=kcs(1), kind="organisation")
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject", "Profile"]
    assert subject["name"] == "Children First"
    assert subject["identifier"][0]["identityHash"] == "Children First"  # as for a person
    assert subject_kind(subject) == "organisation"
    assert schema_errors(vc) == []
    # every term is defined (safe mode keeps it) and the compiled walk agrees with pyld
    nquads = jsonld.canonize(vc)
    assert nquads == jsonld.canonize(vc, cached=False)
    profile = "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#Profile>"
    assert profile in nquads and '<https://schema.org/name> "Children First"' in nquads
    assert verify_credential(vc, trust=body.trust, now=AWARDED).verdict is Verdict.VALID
    renamed = {**vc, "credentialSubject": {**subject, "name": "Mallory Ltd"}}
    assert verify_credential(renamed, trust=body.trust, now=AWARDED).verdict is Verdict.FORGED
    bound = bind_subject(vc, "did:example:org")  # delivery to a wallet keeps the typing
    assert bound["credentialSubject"]["type"] == ["AchievementSubject", "Profile"]


def test_a_person_stays_a_plain_achievement_subject(body: Body) -> None:
    vc = body.issue("Ana Novak")
    assert vc["credentialSubject"]["type"] == ["AchievementSubject"]
    assert "name" not in vc["credentialSubject"]
    assert subject_kind(vc["credentialSubject"]) == "person"
    assert certificate_view(vc).holder_kind == "person"
    assert lead(vc, "en") == "This is to certify that"


def test_the_certificate_says_it_certifies_an_organisation(body: Body) -> None:
    vc = body.issue("Children First", qualification=kcs(1), kind="organisation")
    assert certificate_view(vc).holder_kind == "organisation"
    assert lead(vc, "en") == "This is to certify that the organisation"
    assert lead(vc, "hr") == "Ovime se potvrđuje da organizacija"
