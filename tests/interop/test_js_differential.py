"""Differential run against the JavaScript reference stack (issue 9, section 5).

Each case signs with the JS stack (``js_sign``) or builds the variant in Python, verifies it
with both vcissue and ``js_verify``, and asserts the documented outcome: the same answer,
or a listed deliberate deviation (``docs/spec-conformance.md`` says why for each).
Status is not evaluated by the JS script (``--skip-status``): it cannot fetch lists.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from tests.factories import AWARDED, Body
from tests.interop import jsstack
from vcissue import proofs
from vcissue.jsonld import DATA_INTEGRITY_V2, ContextSet
from vcissue.keys import SigningKey, did_key_verification_method, multibase_b58_encode
from vcissue.system import system_random
from vcissue.verify import Verdict, verify_credential

pytestmark = pytest.mark.interop
NOW = AWARDED + timedelta(days=10)
CREATED = "2026-03-02T09:30:00Z"
OB_302 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"


@pytest.fixture(scope="module", autouse=True)
def js_stack() -> None:
    if not jsstack.node_available() or not jsstack.installed():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node or interop/js/node_modules missing (scripts/test runs npm ci)")
        pytest.skip("node or interop/js/node_modules not available")


BODY = Body()
WITNESS = SigningKey.generate("did:key:placeholder#x", rng=system_random)
WITNESS = SigningKey.from_multibase(
    WITNESS.private_multibase, did_key_verification_method(WITNESS.public)
)


def sign_js(
    unsigned: dict[str, Any], *, suite: str = "eddsa-rdfc-2022", **options: Any
) -> dict[str, Any]:
    return jsstack.js_sign(
        unsigned,
        public_key_multibase=BODY.key.public.multibase,
        secret_key_multibase=BODY.key.private_multibase,
        suite=suite,
        controller=BODY.did,
        key_id=BODY.key.verification_method,
        **({} if options.get("no_created") else {"created": CREATED}) | options,
    )


def add_witness_proof(signed: dict[str, Any]) -> dict[str, Any]:
    """The JS stack adds a second proof (a did:key witness) to the set."""
    return jsstack.js_sign(
        signed,
        public_key_multibase=WITNESS.public.multibase,
        secret_key_multibase=WITNESS.private_multibase,
        suite="eddsa-rdfc-2022",
        created=CREATED,
    )


def python_proof(unsigned: dict[str, Any], suite: str, **fields: Any) -> dict[str, Any]:
    """A correctly signed proof with extra ``fields`` (e.g. ``expires``), built in Python."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "created": CREATED,
        "verificationMethod": BODY.key.verification_method,
        "proofPurpose": "assertionMethod",
        **fields,
    }
    if suite == "eddsa-jcs-2022":
        proof["@context"] = unsigned["@context"]
    data = proofs.hash_data(proofs.SUITES[suite], unsigned, proof, ContextSet.bundled())
    proof["proofValue"] = multibase_b58_encode(BODY.key.sign(data.combined))
    return {**unsigned, "proof": proof}


def unsigned_ob_302() -> dict[str, Any]:
    vc = BODY.unsigned()
    vc["@context"] = [vc["@context"][0], OB_302]
    del vc["awardedDate"]  # a 3.0.3 term
    return vc


def with_other_status_purposes() -> dict[str, Any]:
    vc = BODY.unsigned()
    vc["credentialStatus"] = [
        {
            "id": "https://certification.example/status/refresh-1#5",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "refresh",
            "statusListIndex": "5",
            "statusListCredential": "https://certification.example/status/refresh-1",
        },
        {
            "id": "https://certification.example/status/message-1#8",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "message",
            "statusListIndex": "8",
            "statusSize": 2,
            "statusMessage": [
                {"status": "0x0", "message": "pending"},
                {"status": "0x1", "message": "accepted"},
            ],
            "statusListCredential": "https://certification.example/status/message-1",
        },
    ]
    return vc


def proof_set_one_bad() -> dict[str, Any]:
    both = add_witness_proof(sign_js(BODY.unsigned()))
    both["proof"][1]["proofValue"] = both["proof"][0]["proofValue"]  # the witness's: broken
    return both


def jcs_context_extended() -> dict[str, Any]:
    signed = sign_js(BODY.unsigned(), suite="eddsa-jcs-2022")
    return {**signed, "@context": [*signed["@context"], DATA_INTEGRITY_V2]}


def jcs_context_removed() -> dict[str, Any]:
    signed = sign_js(BODY.unsigned(), suite="eddsa-jcs-2022")
    del signed["proof"]["@context"]
    return signed


def proof_array_of_one() -> dict[str, Any]:
    signed = sign_js(BODY.unsigned())
    return {**signed, "proof": [signed["proof"]]}


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], dict[str, Any]]
    vcissue: Verdict
    js: bool
    deviation: str = ""  # why the answers differ, when they do


CASES = [
    Case("proof-array-of-one", proof_array_of_one, Verdict.VALID, True),
    Case(
        "proof-set-issuer-and-witness",
        lambda: add_witness_proof(sign_js(BODY.unsigned())),
        Verdict.VALID,
        True,
    ),
    Case(
        "proof-set-one-proof-broken",
        proof_set_one_bad,
        Verdict.FORGED,
        True,
        "JS accepts a set when any proof verifies; vcissue requires every proof to verify",
    ),
    Case("no-created-rdfc", lambda: sign_js(BODY.unsigned(), no_created=True), Verdict.VALID, True),
    Case(
        "no-created-jcs",
        lambda: sign_js(BODY.unsigned(), suite="eddsa-jcs-2022", no_created=True),
        Verdict.VALID,
        True,
    ),
    Case(
        "status-refresh-and-message",
        lambda: sign_js(with_other_status_purposes()),
        Verdict.VALID,
        True,
    ),
    Case("ob-context-3.0.2", lambda: sign_js(unsigned_ob_302()), Verdict.VALID, True),
    Case("jcs-context-extended-after-signing", jcs_context_extended, Verdict.VALID, True),
    Case("jcs-proof-context-removed", jcs_context_removed, Verdict.FORGED, False),
    Case(
        "malformed-expires-rdfc",
        lambda: python_proof(BODY.unsigned(), "eddsa-rdfc-2022", expires="next year"),
        Verdict.FORGED,
        False,
    ),
    Case(
        "malformed-expires-jcs",
        lambda: python_proof(BODY.unsigned(), "eddsa-jcs-2022", expires="2027-01-01"),
        Verdict.FORGED,
        False,
    ),
    Case(
        "future-expires",
        lambda: python_proof(BODY.unsigned(), "eddsa-rdfc-2022", expires="2030-01-01T00:00:00Z"),
        Verdict.VALID,
        True,
    ),
    Case(
        "past-expires",
        lambda: python_proof(BODY.unsigned(), "eddsa-rdfc-2022", expires="2026-03-05T00:00:00Z"),
        Verdict.EXPIRED,
        True,
        "the JS stack checks that expires is a dateTime, not that it is in the future",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_vcissue_and_the_js_stack_agree_or_deviate_as_documented(case: Case) -> None:
    vc = case.build()
    ours = verify_credential(copy.deepcopy(vc), trust=BODY.trust, now=NOW)
    theirs = jsstack.js_verify(
        vc, did_documents={BODY.did: BODY.did_document}, skip_status=True, now=NOW.isoformat()
    )
    assert ours.verdict is case.vcissue, (ours.reasons, theirs)
    assert theirs["verified"] is case.js, theirs
    agree = (ours.verdict is Verdict.VALID) == theirs["verified"]
    assert agree is (not case.deviation), "an undocumented difference (or a stale note)"


def test_every_case_is_in_the_conformance_document() -> None:
    text = (jsstack.JS_DIR.parents[1] / "docs" / "spec-conformance.md").read_text()
    for case in CASES:
        assert f"`{case.name}`" in text, case.name
