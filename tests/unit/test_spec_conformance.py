"""Accept what the specs allow, refuse what they forbid (issue 9, section 5), in the library.

The same cases against the JavaScript reference stack are in
``tests/interop/test_js_differential.py``; ``docs/spec-conformance.md`` lists them all.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest

from tests import vectors
from tests.factories import AWARDED, Body
from vcissue import proofs
from vcissue.credential import schema_errors
from vcissue.errors import ProofError, ProofExpiredError
from vcissue.jsonld import DATA_INTEGRITY_V2, OB_V3, ContextSet, canonize
from vcissue.keys import PublicKey, did_key_verification_method
from vcissue.verify import Outcome, Verdict, verify_credential

NOW = AWARDED + timedelta(days=10)
OB_302 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
PROOF_SETS = vectors.ROOT / "vc-di-eddsa-proof-sets"


# -------------------------------------------------------------------------- contexts


def test_every_bundled_ob_context_works_with_vc_v2() -> None:
    bundled = ContextSet.bundled()
    ob = sorted(url for url in bundled.documents if "/spec/ob/v3p0/" in url)
    assert ob == [OB_302, OB_V3]
    vc = Body().unsigned()
    for url in ob:
        document = copy.deepcopy(vc)
        document["@context"] = [document["@context"][0], url]
        if url == OB_302:
            del document["awardedDate"]  # a 3.0.3 term
        assert canonize(document, bundled)  # no protected-term redefinition, every term known


def test_an_ob_credential_under_context_3_0_2_verifies() -> None:
    body = Body()
    unsigned = body.unsigned()
    unsigned["@context"] = [unsigned["@context"][0], OB_302]
    del unsigned["awardedDate"]
    signed = proofs.sign(unsigned, body.key, created=AWARDED)
    result = verify_credential(signed, trust=body.trust, now=NOW)
    assert result.verdict is Verdict.VALID, result.reasons


# ------------------------------------------------------------------------ proof sets


def _did_key_resolver(vm_id: str) -> tuple[PublicKey, str, bool]:
    did, _, fragment = vm_id.partition("#")
    key = PublicKey.from_multibase(fragment)
    assert did_key_verification_method(key) == vm_id
    return key, did, True


@pytest.mark.parametrize("name", ["signedProofSet1.json", "signedProofSet2.json"])
def test_the_w3c_proof_set_vectors_verify_every_proof(name: str) -> None:
    document = json.loads((PROOF_SETS / name).read_text())
    checks = proofs.verify_proofs(document, _did_key_resolver, contexts=vectors.TEST_CONTEXTS)
    count = len(document["proof"]) if isinstance(document["proof"], list) else 1
    assert len(checks) == count
    tampered = {**document, "name": "Alumni Credential!"}
    with pytest.raises(ProofError, match="signature does not match"):
        proofs.verify_proofs(tampered, _did_key_resolver, contexts=vectors.TEST_CONTEXTS)


def test_the_w3c_proof_chain_vector_verifies_with_its_previous_proofs() -> None:
    document = json.loads((PROOF_SETS / "signedProofChain2.json").read_text())
    checks = proofs.verify_proofs(document, _did_key_resolver, contexts=vectors.TEST_CONTEXTS)
    assert len(checks) == 4
    broken = copy.deepcopy(document)
    broken["proof"][3]["previousProof"] = "urn:uuid:nothing-like-it"
    with pytest.raises(ProofError, match=r"proof\[3\]: previousProof"):
        proofs.verify_proofs(broken, _did_key_resolver, contexts=vectors.TEST_CONTEXTS)


def test_every_proof_of_a_set_must_verify() -> None:
    """Deliberately stricter than the JavaScript reference, which accepts a set when any
    one proof verifies: a proof that does not verify is a forgery, whatever else is there."""
    body, other = Body(), Body(did="did:web:witness.example")
    signed = body.issue()
    second = proofs.sign(body.unsigned(), other.key, created=AWARDED)["proof"]
    for proof_set in ([signed["proof"]], [signed["proof"], second]):
        result = verify_credential(
            {**signed, "proof": proof_set}, trust=_both(body, other), now=NOW
        )
        assert result.verdict is Verdict.VALID, result.reasons
        assert f"proof set of {len(proof_set)}" in result.check("proof").message
    bad = {**second, "proofValue": signed["proof"]["proofValue"]}
    result = verify_credential(
        {**signed, "proof": [signed["proof"], bad]}, trust=_both(body, other), now=NOW
    )
    assert result.verdict is Verdict.FORGED
    assert result.check("proof").message.startswith("proof[1]: ")


def test_a_proof_set_needs_one_proof_by_the_issuer() -> None:
    body, other = Body(), Body(did="did:web:witness.example")
    only_other = proofs.sign(body.unsigned(), other.key, created=AWARDED)
    result = verify_credential(
        {**only_other, "proof": [only_other["proof"]]}, trust=_both(body, other), now=NOW
    )
    assert result.verdict is Verdict.FORGED
    assert result.check("issuer.binding").outcome is Outcome.FAILED


def _both(body: Body, other: Body) -> Any:
    from vcissue.verify import TrustedIssuer, TrustList

    return TrustList.of(
        TrustedIssuer(body.did, body.name, body.did_document),
        TrustedIssuer(other.did, other.name, other.did_document),
    )


# ----------------------------------------------------------------- created, expires


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_created_is_optional_and_expires_is_checked(suite: str) -> None:
    body = Body()
    unsigned = body.unsigned()

    def signed_with(**changes: Any) -> dict[str, Any]:
        proof: dict[str, Any] = {
            "type": "DataIntegrityProof",
            "cryptosuite": suite,
            "verificationMethod": body.key.verification_method,
            "proofPurpose": "assertionMethod",
            **changes,
        }
        if suite == "eddsa-jcs-2022":
            proof["@context"] = unsigned["@context"]
        suite_value = proofs.SUITES[suite]
        data = proofs.hash_data(suite_value, unsigned, proof, ContextSet.bundled())
        from vcissue.keys import multibase_b58_encode

        proof["proofValue"] = multibase_b58_encode(body.key.sign(data.combined))
        return {**unsigned, "proof": proof}

    assert verify_credential(signed_with(), trust=body.trust, now=NOW).verdict is Verdict.VALID
    future = signed_with(expires="2027-01-01T00:00:00Z")
    assert verify_credential(future, trust=body.trust, now=NOW).verdict is Verdict.VALID
    past = signed_with(expires="2026-03-05T00:00:00Z")
    result = verify_credential(past, trust=body.trust, now=NOW)
    assert result.verdict is Verdict.EXPIRED
    assert "expired at 2026-03-05T00:00:00Z" in result.check("proof").message
    with pytest.raises(ProofExpiredError):
        proofs.verify_proof(past, body.trust.resolve_key, now=NOW)
    for malformed in ("2027-01-01", "tomorrow", 1767225600):
        result = verify_credential(signed_with(expires=malformed), trust=body.trust, now=NOW)
        assert result.verdict is Verdict.FORGED
        assert "proof.expires is not an XSD dateTime" in result.check("proof").message
    result = verify_credential(signed_with(created="2026-03-02"), trust=body.trust, now=NOW)
    assert result.verdict is Verdict.FORGED


# ------------------------------------------------------------------- eddsa-jcs-2022


def test_jcs_accepts_a_context_extended_after_signing_and_refuses_one_removed() -> None:
    body = Body()
    signed = body.issue(suite="eddsa-jcs-2022")
    extended = {**signed, "@context": [*signed["@context"], DATA_INTEGRITY_V2]}
    result = verify_credential(extended, trust=body.trust, now=NOW)
    assert result.verdict is Verdict.VALID, result.reasons
    context = signed["@context"]
    reordered = {**signed, "@context": [context[0], DATA_INTEGRITY_V2, context[1]]}
    result = verify_credential(reordered, trust=body.trust, now=NOW)
    assert result.verdict is Verdict.FORGED
    assert "does not start with the proof's @context" in result.check("proof").message
    without = copy.deepcopy(signed)
    del without["proof"]["@context"]
    result = verify_credential(without, trust=body.trust, now=NOW)
    assert result.verdict is Verdict.FORGED  # the options signed carried @context
    assert "signature does not match" in result.check("proof").message


# ----------------------------------------------------------------- format checking


def test_schema_formats_are_checked_by_vcissue_itself() -> None:
    vc = Body().unsigned()
    assert schema_errors(vc) == []
    for value in ("yesterday", "2026-02-30T00:00:00Z", "2026-03-02 09:30:00Z", "2026-03-02"):
        errors = schema_errors({**vc, "awardedDate": value})
        assert errors and "is not a 'date-time'" in errors[0], (value, errors)
    for value in ("2026-03-02T09:30:00Z", "2026-03-02t09:30:00.5z", "2026-03-02T09:30:00+01:00"):
        assert schema_errors({**vc, "awardedDate": value}) == [], value


PROBE = """
import json, sys
{block}
from tests.factories import Body
from tests.unit.test_spec_conformance import NOW
from vcissue.verify import verify_credential
body = Body()
vc = body.unsigned()
vc["awardedDate"] = "not a date"
from vcissue import proofs
from tests.factories import AWARDED
signed = proofs.sign(vc, body.key, created=AWARDED)
result = verify_credential(signed, trust=body.trust, now=NOW)
print(json.dumps([result.verdict.value, result.check("schema").outcome.value]))
"""


def test_the_verdict_does_not_depend_on_optional_packages() -> None:
    """jsonschema checks ``date-time`` only when rfc3339-validator happens to be importable;
    vcissue checks the formats it uses itself, so its absence changes nothing."""
    verdicts = []
    for block in ("", "sys.modules['rfc3339_validator'] = None  # as if not installed"):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(block=block)],
            capture_output=True,
            text=True,
            check=True,
            cwd=vectors.ROOT.parents[1],
        )
        verdicts.append(json.loads(out.stdout))
    assert verdicts[0] == verdicts[1] == ["FORGED", "failed"]
