"""Ed25519Signature2020 (W3C CCG, the Linked Data Proof before Data Integrity): verify only.

The Learner Credential Wallet signs DID authentication presentations with it. Verify data
as jsonld-signatures' ``LinkedDataSignature.createVerifyData``: the proof options (without
``proofValue``, under the document's ``@context``) and the document (without ``proof``)
canonicalised with RDFC-1.0, SHA-256 of each, options hash first; the signature is the
base58btc multibase ``proofValue``. vcissue never signs with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import DidError, KeyMaterialError, ProofError
from ..jsonld import ContextSet, canonize
from ..keys import PublicKey, multibase_b58_decode

__all__ = ["ED25519_2020", "verify_ed25519_2020"]

ED25519_2020 = "Ed25519Signature2020"
KeyResolver = Callable[[str], tuple[PublicKey, str, bool]]


def verify_ed25519_2020(
    document: Mapping[str, Any],
    resolve_key: KeyResolver,
    *,
    contexts: ContextSet,
    purpose: str,
) -> str:
    """Verify the one Ed25519Signature2020 proof of ``document``; returns its
    verificationMethod, or raises ProofError / DidError saying why not."""
    proof = document.get("proof")
    if not isinstance(proof, Mapping) or proof.get("type") != ED25519_2020:
        raise ProofError(f"not one {ED25519_2020} proof")
    if proof.get("proofPurpose") != purpose:
        raise ProofError(f"proofPurpose {proof.get('proofPurpose')!r} is not {purpose}")
    vm_id = proof.get("verificationMethod")
    if not isinstance(vm_id, str):
        raise ProofError("proof.verificationMethod must be a string")
    try:
        signature = multibase_b58_decode(proof.get("proofValue", ""))
    except KeyMaterialError as error:
        raise ProofError(f"proofValue: {error}") from None
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    options["@context"] = unsecured.get("@context")
    combined = (
        hashlib.sha256(canonize(options, contexts).encode("utf-8")).digest()
        + hashlib.sha256(canonize(unsecured, contexts).encode("utf-8")).digest()
    )
    try:
        public_key, _controller, _assertion = resolve_key(vm_id)
    except (DidError, KeyMaterialError) as error:
        raise DidError(f"cannot resolve verificationMethod: {error}") from None
    if not public_key.verify(signature, combined):
        raise ProofError("signature does not match the document (altered or wrong key)")
    return vm_id
