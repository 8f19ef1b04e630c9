"""One Data Integrity proof routine for every cryptosuite (VC Data Integrity 1.0).

A cryptosuite is a value that knows how to canonicalise a document and a proof
configuration; hashing, signing and proof assembly are the same for both EdDSA
suites and live here once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..jsonld import ContextSet

PROOF_TYPE = "DataIntegrityProof"


class Cryptosuite(Protocol):
    name: str
    proof_carries_context: bool  # eddsa-jcs-2022 proofs repeat the document's @context

    def canonicalize(self, document: Mapping[str, Any], contexts: ContextSet) -> bytes: ...

    def canonicalize_config(self, config: Mapping[str, Any], contexts: ContextSet) -> bytes:
        """``canonicalize`` of a proof configuration (a suite may keep ones that repeat)."""
        ...


@dataclass(frozen=True)
class HashData:
    """The intermediate values of a proof, exposed for known-answer tests."""

    canonical_config: bytes
    canonical_document: bytes

    @property
    def config_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_config).digest()

    @property
    def document_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_document).digest()

    @property
    def combined(self) -> bytes:
        # Spec order: hash(proofConfig) || hash(transformedDocument).
        return self.config_hash + self.document_hash


def proof_config(
    proof: Mapping[str, Any], document: Mapping[str, Any], *, carries_context: bool = False
) -> dict[str, Any]:
    """Proof options minus proofValue.

    eddsa-rdfc-2022 (3.2.5) puts them under the document's @context. eddsa-jcs-2022
    (``carries_context``) hashes the options as they are: the signer copied the document's
    @context into the proof (3.3.5), and a verifier must hash what was signed, not a
    reconstruction (3.3.2 step 4).
    """
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if not carries_context and "@context" in document:
        config["@context"] = document["@context"]
    return config


def hash_data(
    suite: Cryptosuite,
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    contexts: ContextSet,
) -> HashData:
    return HashData(
        canonical_config=suite.canonicalize_config(
            proof_config(proof, unsecured, carries_context=suite.proof_carries_context), contexts
        ),
        canonical_document=suite.canonicalize(unsecured, contexts),
    )
