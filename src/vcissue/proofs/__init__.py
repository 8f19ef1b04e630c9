"""Data Integrity proofs: create and verify, for every supported cryptosuite.

``sign`` adds a ``DataIntegrityProof`` to a document; ``verify_proof`` checks it
against a key found by a resolver. Both are pure: the time (``created``) and the
key come in as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import DidError, KeyMaterialError, ProofError
from ..jsonld import ContextSet
from ..keys import PublicKey, SigningKey, multibase_b58_decode, multibase_b58_encode
from .eddsa_jcs_2022 import EddsaJcs2022
from .eddsa_rdfc_2022 import EddsaRdfc2022
from .suite import PROOF_TYPE, Cryptosuite, HashData, hash_data

__all__ = [
    "DEFAULT_SUITE",
    "SUITES",
    "Cryptosuite",
    "HashData",
    "ProofCheck",
    "ProofError",
    "format_datetime",
    "hash_data",
    "parse_datetime",
    "sign",
    "verify_proof",
]

SUITES: dict[str, Cryptosuite] = {suite.name: suite for suite in (EddsaRdfc2022(), EddsaJcs2022())}
DEFAULT_SUITE = "eddsa-rdfc-2022"
ASSERTION = "assertionMethod"
_XSD_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def format_datetime(moment: datetime) -> str:
    """XSD dateTime in UTC with a Z and whole seconds, as the spec examples write it."""
    if moment.tzinfo is None:
        raise ProofError("datetimes must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(text: object) -> datetime:
    if not isinstance(text, str) or not _XSD_DATETIME.match(text):
        raise ProofError(f"not an XSD dateTime: {text!r}")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProofError(f"not an XSD dateTime: {text!r}") from None


def suite_named(name: object) -> Cryptosuite:
    if not isinstance(name, str) or name not in SUITES:
        raise ProofError(f"unsupported cryptosuite {name!r}")
    return SUITES[name]


def sign(
    document: Mapping[str, Any],
    key: SigningKey,
    *,
    created: datetime,
    suite: str = DEFAULT_SUITE,
    contexts: ContextSet | None = None,
    proof_purpose: str = ASSERTION,
) -> dict[str, Any]:
    """Return a copy of ``document`` with a Data Integrity proof."""
    cryptosuite = suite_named(suite)
    if "proof" in document:
        raise ProofError("document already has a proof")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite.name,
        "created": format_datetime(created),
        "verificationMethod": key.verification_method,
        "proofPurpose": proof_purpose,
    }
    if cryptosuite.proof_carries_context and "@context" in document:
        proof["@context"] = document["@context"]
    data = hash_data(cryptosuite, document, proof, contexts or ContextSet.bundled())
    proof["proofValue"] = multibase_b58_encode(key.sign(data.combined))
    return {**document, "proof": proof}


@dataclass(frozen=True)
class ProofCheck:
    """What a proof says about itself, once its signature has verified."""

    verification_method: str
    controller: str
    cryptosuite: str
    created: datetime


KeyResolver = Callable[[str], tuple[PublicKey, str, bool]]
"""verificationMethod id -> (public key, controller, listed under assertionMethod)."""


def verify_proof(
    document: Mapping[str, Any],
    resolve_key: KeyResolver,
    *,
    contexts: ContextSet | None = None,
    expected_purpose: str = ASSERTION,
) -> ProofCheck:
    """Verify the single Data Integrity proof of ``document``; raise ProofError with why not."""
    proof = document.get("proof")
    if proof is None:
        raise ProofError("document has no proof")
    if isinstance(proof, list):
        raise ProofError("proof sets (several proofs) are not supported")
    if not isinstance(proof, Mapping):
        raise ProofError("proof must be an object")
    if proof.get("type") != PROOF_TYPE:
        raise ProofError(f"proof type {proof.get('type')!r} is not {PROOF_TYPE}")
    cryptosuite = suite_named(proof.get("cryptosuite"))
    if proof.get("proofPurpose") != expected_purpose:
        raise ProofError(f"proofPurpose {proof.get('proofPurpose')!r} is not {expected_purpose}")
    created = parse_datetime(proof.get("created"))
    vm_id = proof.get("verificationMethod")
    if not isinstance(vm_id, str):
        raise ProofError("proof.verificationMethod must be a string")
    try:
        signature = multibase_b58_decode(proof.get("proofValue", ""))
    except KeyMaterialError as error:
        raise ProofError(f"proofValue: {error}") from None
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if "@context" in proof and proof["@context"] != unsecured.get("@context"):
        raise ProofError("proof @context differs from the document's @context")
    try:
        public_key, controller, assertion = resolve_key(vm_id)
    except (DidError, KeyMaterialError) as error:
        raise DidError(f"cannot resolve verificationMethod: {error}") from None
    if expected_purpose == ASSERTION and not assertion:
        raise ProofError(f"{vm_id} is not authorised for assertionMethod")
    data = hash_data(cryptosuite, unsecured, proof, contexts or ContextSet.bundled())
    if not public_key.verify(signature, data.combined):
        raise ProofError("signature does not match the document (altered or wrong key)")
    return ProofCheck(vm_id, controller, cryptosuite.name, created)
