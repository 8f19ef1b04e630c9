"""Known-answer tests: the W3C vc-di-eddsa vectors, every intermediate value byte for byte."""

from __future__ import annotations

import pytest

from tests import vectors
from vcissue import proofs
from vcissue.keys import PublicKey, SigningKey, did_key_verification_method
from vcissue.proofs.suite import proof_config

SUITES = sorted(vectors.SUITE_FILES)


def _signing_key() -> SigningKey:
    pair = vectors.key_pair()
    return SigningKey.from_multibase(
        pair["privateKeyMultibase"],
        did_key_verification_method(PublicKey.from_multibase(pair["publicKeyMultibase"])),
    )


def test_key_pair_matches() -> None:
    pair = vectors.key_pair()
    key = _signing_key()
    assert key.public.multibase == pair["publicKeyMultibase"]
    assert key.private_multibase == pair["privateKeyMultibase"]


@pytest.mark.parametrize("suite", SUITES)
def test_intermediate_values(suite: str) -> None:
    config = vectors.suite_vector(suite, "proofConfig")
    unsigned = vectors.unsigned()
    data = proofs.hash_data(proofs.SUITES[suite], unsigned, config, vectors.TEST_CONTEXTS)
    assert data.canonical_document.decode() == vectors.suite_vector(suite, "canonDoc")
    assert data.canonical_config.decode() == vectors.suite_vector(suite, "proofCanon")
    assert data.document_hash.hex() == vectors.suite_vector(suite, "docHash").strip()
    assert data.config_hash.hex() == vectors.suite_vector(suite, "proofHash").strip()
    assert data.combined.hex() == vectors.suite_vector(suite, "combinedHash").strip()
    signature = _signing_key().sign(data.combined)
    assert signature.hex() == vectors.suite_vector(suite, "sigHex").strip()


@pytest.mark.parametrize("suite", SUITES)
def test_sign_reproduces_signed_vector(suite: str) -> None:
    signed_vector = vectors.suite_vector(suite, "signed")
    config = vectors.suite_vector(suite, "proofConfig")
    created = proofs.parse_datetime(config["created"])
    signed = proofs.sign(
        vectors.unsigned(),
        _signing_key(),
        created=created,
        suite=suite,
        contexts=vectors.TEST_CONTEXTS,
    )
    assert signed == signed_vector
    assert signed["proof"]["proofValue"] == vectors.suite_vector(suite, "sigBTC58").strip()
    # The proof config the vectors list is exactly the proof minus its value, under the doc context.
    assert proof_config(signed["proof"], vectors.unsigned()) == config


@pytest.mark.parametrize("suite", SUITES)
def test_vector_verifies_at_proof_layer(suite: str) -> None:
    signed_vector = vectors.suite_vector(suite, "signed")
    key = _signing_key()

    def resolve(vm_id: str) -> tuple[PublicKey, str, bool]:
        assert vm_id == key.verification_method
        return key.public, key.controller, True

    check = proofs.verify_proof(signed_vector, resolve, contexts=vectors.TEST_CONTEXTS)
    assert check.cryptosuite == suite
    tampered = {**signed_vector, "name": "Alumni Credential!"}
    with pytest.raises(proofs.ProofError, match="signature does not match"):
        proofs.verify_proof(tampered, resolve, contexts=vectors.TEST_CONTEXTS)
