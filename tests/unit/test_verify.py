"""Verification: every check can fail, with a reason that names it; bad input never crashes."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import AWARDED, Body
from vcissue import proofs
from vcissue.jsonld import ContextSet
from vcissue.keys import KeyRecord, SigningKey, multibase_b58_encode
from vcissue.system import system_random
from vcissue.verify import (
    MAX_CREDENTIAL_BYTES,
    Outcome,
    TrustList,
    Verdict,
    VerificationFailed,
    verify_credential,
)

SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
NOW = AWARDED + timedelta(days=10)


@pytest.fixture(scope="module")
def body() -> Body:
    return Body()


@pytest.fixture(scope="module", params=SUITES)
def signed(request: pytest.FixtureRequest, body: Body) -> dict[str, Any]:
    return body.issue(suite=request.param)


def failed_ids(vc: Any, trust: TrustList, now: Any = NOW) -> set[str]:
    result = verify_credential(vc, trust=trust, now=now)
    return {check.id for check in result.failures}


def test_valid_credential_passes_every_check(signed: dict[str, Any], body: Body) -> None:
    result = verify_credential(signed, trust=body.trust, now=NOW)
    assert result.verified, result.to_json()
    outcomes = {check.id: check.outcome for check in result.checks}
    for check_id in (
        "context",
        "structure",
        "schema",
        "proof",
        "issuer.binding",
        "issuer.trusted",
        "validity.not_before",
        "validity.expiry",
    ):
        assert outcomes[check_id] is Outcome.PASSED
    # No credentialStatus: nothing to check, never reported as passed.
    assert outcomes["status"] is Outcome.SKIPPED
    assert "no credentialStatus" in result.check("status").message
    assert result.verdict is Verdict.VALID
    result.raise_for_failure()


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    else:
        yield path, node


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def _altered(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return f"{value}x"


def test_tampering_with_any_field_fails(signed: dict[str, Any], body: Body) -> None:
    leaves = [(path, value) for path, value in _leaves(signed) if path[0] != "proof"]
    assert len(leaves) > 30
    for path, value in leaves:
        failures = failed_ids(_set(signed, path, _altered(value)), body.trust)
        assert failures, f"tampering with {path} went unnoticed"
        if path[0] not in ("@context", "type") and path[-1] != "type":
            assert "proof" in failures or "context" in failures, (path, failures)


@pytest.mark.parametrize(
    "field", ["proofValue", "created", "verificationMethod", "cryptosuite", "proofPurpose", "type"]
)
def test_tampering_with_the_proof_fails(signed: dict[str, Any], body: Body, field: str) -> None:
    proof = signed["proof"]
    replacement = {
        "proofValue": proof["proofValue"][:-2]
        + ("11" if not proof["proofValue"].endswith("11") else "22"),
        "created": "2026-03-02T09:30:01Z",
        "verificationMethod": f"{body.did}#key-2",
        "cryptosuite": "eddsa-jcs-2022"
        if proof["cryptosuite"] == "eddsa-rdfc-2022"
        else "eddsa-rdfc-2022",
        "proofPurpose": "authentication",
        "type": "Ed25519Signature2020",
    }[field]
    assert "proof" in failed_ids(_set(signed, ("proof", field), replacement), body.trust)


def test_missing_or_malformed_proof_fails(signed: dict[str, Any], body: Body) -> None:
    without = {k: v for k, v in signed.items() if k != "proof"}
    result = verify_credential(without, trust=body.trust, now=NOW)
    assert not result.verified and "no proof" in result.check("proof").message
    bad_sets = ([], [signed["proof"], "z123"], [signed["proof"], {"type": "DataIntegrityProof"}])
    for bad in (*bad_sets, "z123", 7, {"type": "DataIntegrityProof"}):
        assert "proof" in failed_ids({**signed, "proof": bad}, body.trust)
    with pytest.raises(VerificationFailed, match="proof"):
        verify_credential(without, trust=body.trust, now=NOW).raise_for_failure()


def test_a_different_key_is_caught(body: Body) -> None:
    # claims the body's key id
    impostor = SigningKey.generate(f"{body.did}#key-1", rng=system_random)
    forged = proofs.sign(body.unsigned(), impostor, created=AWARDED)
    assert "proof" in failed_ids(forged, body.trust)


def test_issuer_must_control_the_key(body: Body) -> None:
    own_key = SigningKey.generate(rng=system_random)  # a did:key, not the body's DID
    forged = proofs.sign(body.unsigned(), own_key, created=AWARDED)
    result = verify_credential(forged, trust=body.trust, now=NOW)
    assert result.check("proof").outcome is Outcome.PASSED
    assert result.check("issuer.binding").outcome is Outcome.FAILED
    assert "controller" in result.check("issuer.binding").message


def test_untrusted_issuer_is_reported(body: Body) -> None:
    other = Body(did="did:web:other-body.example", name="Other Body")
    vc = other.issue()
    result = verify_credential(vc, trust=other.trust, now=NOW)
    assert result.verified
    mixed = TrustList.of(*body.trust.issuers.values(), *other.trust.issuers.values())
    assert verify_credential(vc, trust=mixed, now=NOW).verified
    only_body = verify_credential(vc, trust=body.trust, now=NOW)
    # The proof cannot be checked without the other body's DID document, and it is not trusted.
    assert {c.id for c in only_body.failures} >= {"issuer.trusted", "proof"}


def test_dates_fail_separately_from_the_signature(signed: dict[str, Any], body: Body) -> None:
    early = verify_credential(signed, trust=body.trust, now=AWARDED - timedelta(days=1))
    assert {c.id for c in early.failures} == {"validity.not_before"}
    assert "not yet valid" in early.check("validity.not_before").message
    late = verify_credential(signed, trust=body.trust, now=AWARDED + timedelta(days=365 * 6))
    assert {c.id for c in late.failures} == {"validity.expiry"}
    assert late.check("proof").outcome is Outcome.PASSED  # expired is not forged
    moved = _set(signed, ("validUntil",), "2099-01-01T00:00:00Z")
    assert "proof" in failed_ids(moved, body.trust)


def test_rotated_key_still_verifies_while_listed(body: Body) -> None:
    old_vc = body.issue()
    rotated = Body(did=body.did, name=body.name)
    rotated.key = SigningKey.generate(f"{body.did}#key-2", rng=system_random)
    rotated.records = [
        KeyRecord("key-1", body.key.public.multibase, AWARDED, AWARDED + timedelta(days=1)),
        KeyRecord("key-2", rotated.key.public.multibase, AWARDED + timedelta(days=1)),
    ]
    assert verify_credential(old_vc, trust=rotated.trust, now=NOW).verified
    assert verify_credential(rotated.issue(), trust=rotated.trust, now=NOW).verified
    dropped = Body(did=body.did, name=body.name)
    dropped.records = rotated.records[1:]
    result = verify_credential(old_vc, trust=dropped.trust, now=NOW)
    assert "not listed" in result.check("proof").message


def _rotated(body: Body, *, revoked: bool = False) -> Body:
    """``body`` after key-1 was retired a day after AWARDED (and, if ``revoked``, revoked
    as compromised from AWARDED on)."""
    rotated = Body(did=body.did, name=body.name)
    rotated.key = SigningKey.generate(f"{body.did}#key-2", rng=system_random)
    retired = AWARDED + timedelta(days=1)
    rotated.records = [
        KeyRecord(
            "key-1", body.key.public.multibase, AWARDED, retired, AWARDED if revoked else None
        ),
        KeyRecord("key-2", rotated.key.public.multibase, retired),
    ]
    return rotated


@pytest.mark.parametrize("suite", SUITES)
def test_a_retired_key_signing_after_its_retirement_is_refused(body: Body, suite: str) -> None:
    """Issue 12 section 4: the key's window is in the DID document (``expires``)."""
    rotated = _rotated(body)
    method = rotated.did_document["verificationMethod"][0]
    assert method["expires"] == "2026-03-03T09:30:00Z"
    in_window = proofs.sign(body.unsigned(), body.key, created=AWARDED, suite=suite)
    assert verify_credential(in_window, trust=rotated.trust, now=NOW).verdict is Verdict.VALID
    late = proofs.sign(body.unsigned(), body.key, created=AWARDED + timedelta(days=2), suite=suite)
    result = verify_credential(late, trust=rotated.trust, now=NOW)
    assert result.verdict is Verdict.NOT_TRUSTED
    assert "after its retirement" in result.check("proof").message
    result = verify_credential(_sign_without_created(body, suite), trust=rotated.trust, now=NOW)
    assert result.verdict is Verdict.NOT_TRUSTED
    assert "no created time" in result.check("proof").message
    # the same late proof verifies against the document from before the rotation
    assert verify_credential(late, trust=body.trust, now=NOW).verdict is Verdict.VALID


def _sign_without_created(body: Body, suite: str) -> dict[str, Any]:
    """A proof with no ``created`` (optional in Data Integrity), signed as such."""
    unsigned = body.unsigned()
    cryptosuite = proofs.suite_named(suite)
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "verificationMethod": body.key.verification_method,
        "proofPurpose": "assertionMethod",
    }
    if cryptosuite.proof_carries_context:
        proof["@context"] = unsigned["@context"]
    data = proofs.hash_data(cryptosuite, unsigned, proof, ContextSet.bundled())
    proof["proofValue"] = multibase_b58_encode(body.key.sign(data.combined))
    return {**unsigned, "proof": proof}


def test_a_compromised_key_signs_nothing_trusted(body: Body) -> None:
    """A revoked key leaves assertionMethod; whatever it signed, whenever, is untrusted."""
    compromised = _rotated(body, revoked=True)
    document = compromised.did_document
    assert document["assertionMethod"] == [f"{body.did}#key-2"]
    assert document["verificationMethod"][0]["revoked"] == "2026-03-02T09:30:00Z"
    for created in (AWARDED - timedelta(days=1), AWARDED + timedelta(days=2)):
        vc = proofs.sign(body.unsigned(), body.key, created=created)
        result = verify_credential(vc, trust=compromised.trust, now=NOW)
        assert result.verdict is Verdict.NOT_TRUSTED
        assert "revoked as compromised" in result.check("proof").message
    assert verify_credential(compromised.issue(), trust=compromised.trust, now=NOW).verified


def test_unknown_context_is_a_context_failure(signed: dict[str, Any], body: Body) -> None:
    vc = _set(signed, ("@context",), [*signed["@context"], "https://evil.example/ctx"])
    result = verify_credential(vc, trust=body.trust, now=NOW)
    assert result.check("context").outcome is Outcome.FAILED
    assert result.check("proof").outcome is Outcome.SKIPPED


def test_undefined_term_is_a_context_failure(signed: dict[str, Any], body: Body) -> None:
    vc = copy.deepcopy(signed)
    vc["credentialSubject"]["favouriteColour"] = "green"
    assert "context" in failed_ids(vc, body.trust)


# --- malformed input: a failed check, never an exception ------------------------------


def test_not_json_and_oversized_and_deep(body: Body) -> None:
    for data in (
        b"\xff\xfe",
        b"{",
        b"[]",
        b"null",
        b'{"a": NaN}',
        b'{"a":1,"a":2}',
        b"[" * 100_000 + b"]" * 100_000,
        b" " * (MAX_CREDENTIAL_BYTES + 1),
        b'{"a": ' + b"9" * 5000 + b"}",  # regression: past int's digit limit -> ValueError
    ):
        result = verify_credential(data, trust=body.trust, now=NOW)
        assert not result.verified
        assert result.check("parse").outcome is Outcome.FAILED
    nested: dict[str, Any] = {}
    cursor = nested
    for _ in range(200):
        cursor["a"] = {}
        cursor = cursor["a"]
    assert "parse" in failed_ids(nested, body.trust)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_input_never_crashes(data: bytes, body: Body) -> None:
    result = verify_credential(data, trust=body.trust, now=NOW)
    assert not result.verified


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choice=st.data())
def test_mutated_credentials_never_crash(
    choice: st.DataObject, signed: dict[str, Any], body: Body
) -> None:
    leaves = [path for path, _ in _leaves(signed)]
    path = choice.draw(st.sampled_from(leaves))
    depth = choice.draw(st.integers(min_value=1, max_value=len(path)))
    replacement = choice.draw(json_values)
    mutated = _set(signed, path[:depth], replacement)
    result = verify_credential(mutated, trust=body.trust, now=NOW)
    if mutated != signed:
        assert not result.verified
