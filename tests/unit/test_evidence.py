"""Evidence with SHA-256 digests and the RPL marker (issue 12 §3; seed 001 4.3): the
digest is VC 2.0's ``digestMultibase`` (a term the bundled VC v2 context defines, so
JSON-LD keeps and signs it); a malformed digest is a typed error; an award or unit
recognised through prior learning says so in the credential and on the certificate."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.factories import AWARDED, Body, ecomentor
from vcissue import jsonld
from vcissue.credential import schema_errors
from vcissue.errors import CredentialError
from vcissue.model import Award, EvidenceRef, Holder
from vcissue.model.evidence import RPL_GENRE, digest_from_hex, sha256_digest
from vcissue.render import certificate_view
from vcissue.render.template import Facts, certificate
from vcissue.verify import Verdict, verify_credential

DOCUMENT = b"CPD log 2026: 40 hours of mentoring practice\n"
HEX = hashlib.sha256(DOCUMENT).hexdigest()


def test_the_digest_is_a_sha256_multihash_in_base64url_multibase() -> None:
    digest = sha256_digest(DOCUMENT)
    assert digest.startswith("u")
    raw = base64.urlsafe_b64decode(digest[1:] + "==")
    assert raw[:2] == b"\x12\x20" and raw[2:] == hashlib.sha256(DOCUMENT).digest()
    assert digest_from_hex(HEX) == digest == digest_from_hex(HEX.upper())


@pytest.mark.parametrize(
    "given",
    ["", "abc", HEX[:-1], HEX + "0", "g" * 64, f"sha256:{HEX}", HEX[:32] + " " + HEX[33:], 64],
)
def test_a_wrong_digest_is_a_typed_error(given: object) -> None:
    with pytest.raises(CredentialError, match="64 hexadecimal digits"):
        digest_from_hex(given)


@pytest.mark.parametrize(
    "digest",
    [
        "zQmYtUc4iTCbbfVSDNKvtQqrfyezPPnFvE33wFmutw9PBBk",  # base58btc, not base64url
        sha256_digest(DOCUMENT)[:-2],  # cut short
        "u" + base64.urlsafe_b64encode(b"\x11\x14" + bytes(20)).decode().rstrip("="),  # SHA-1
        sha256_digest(DOCUMENT) + "=",
    ],
)
def test_a_malformed_digest_multibase_is_refused(digest: str) -> None:
    with pytest.raises(CredentialError, match="not a SHA-256 digestMultibase"):
        EvidenceRef("https://evidence.example/cpd.pdf", "CPD log", digest=digest)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_evidence_digest_and_rpl_are_signed_into_the_credential(suite: str) -> None:
    body = Body()
    evidence = EvidenceRef.of_document("https://evidence.example/ana/cpd.pdf", DOCUMENT)
    vc = body.issue("Ana Novak", suite=suite, units=("U1", "U2"), rpl=("U2",), evidence=(evidence,))
    cpd, rpl = vc["evidence"]
    assert cpd == {
        "id": "https://evidence.example/ana/cpd.pdf",
        "type": ["Evidence"],
        "name": "cpd.pdf",
        "digestMultibase": digest_from_hex(HEX),
    }
    assert rpl["genre"] == RPL_GENRE and rpl["name"] == "Recognition of prior learning (RPL)"
    assert rpl["description"] == "U2 Conducting the mentoring activities"
    assert schema_errors(vc) == []
    nquads = jsonld.canonize(vc)
    assert nquads == jsonld.canonize(vc, cached=False)  # the compiled walk agrees
    assert (
        f'<https://w3id.org/security#digestMultibase> "{cpd["digestMultibase"]}"'
        "^^<https://w3id.org/security#multibase>"
    ) in nquads  # defined by the VC v2 context: kept, not dropped
    assert verify_credential(vc, trust=body.trust, now=AWARDED).verdict is Verdict.VALID
    cpd["digestMultibase"] = sha256_digest(b"another document")
    assert verify_credential(vc, trust=body.trust, now=AWARDED).verdict is Verdict.FORGED


def test_rpl_names_awarded_units_or_all() -> None:
    qualification = ecomentor()
    every = Award.from_request(qualification, holder_name="Ana", awarded=AWARDED, rpl="all")
    assert every.rpl == qualification.unit_ids
    some = Award.from_request(
        qualification, holder_name="Ana", awarded=AWARDED, units=["U1", "U3"], rpl="all"
    )
    assert some.rpl == ("U1", "U3")
    with pytest.raises(CredentialError, match="RPL unit 'U2' is not an awarded unit"):
        Award(Holder("Ana"), qualification, awarded=AWARDED, units=("U1",), rpl=("U2",))
    with pytest.raises(CredentialError, match="listed twice"):
        Award(Holder("Ana"), qualification, awarded=AWARDED, rpl=("U1", "U1"))
    with pytest.raises(CredentialError, match="unit ids or 'all'"):
        Award.from_request(qualification, holder_name="Ana", awarded=AWARDED, rpl="U1")


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Recognition of prior learning"), ("hr", "Priznavanje prethodnog učenja")],
)
def test_the_certificate_prints_the_rpl_units(language: str, label: str) -> None:
    vc = Body().issue("Ana Novak", rpl=("U1",))
    assert certificate_view(vc).rpl == "U1 Planning the mentoring activities"
    blocks = certificate(certificate_view(vc), language=language).blocks
    (facts,) = [block for block in blocks if isinstance(block, Facts)]
    assert (label, "U1 Planning the mentoring activities") in facts.rows
    plain = certificate(certificate_view(Body().issue("Ivo Horvat")), language=language)
    assert all(label not in dict(b.rows) for b in plain.blocks if isinstance(b, Facts))
