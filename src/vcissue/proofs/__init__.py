"""Data Integrity proofs: create and verify, for every supported cryptosuite.

``sign`` adds a ``DataIntegrityProof`` to a document; ``verify_proofs`` checks every
proof of it (one, a proof set or a chain) against keys found by a resolver. Both are
pure: the time (``created``, the ``now`` that ``expires`` is compared with) and the key
come in as arguments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import (
    DidError,
    KeyMaterialError,
    ProofError,
    ProofExpiredError,
    VcissueError,
    WorkLimitError,
)
from ..jsonld import ContextSet, check_json_bounds
from ..keys import PublicKey, SigningKey, multibase_b58_decode, multibase_b58_encode
from ..rdfc import DEFAULT_LIMITS, UNBOUNDED
from .eddsa_jcs_2022 import EddsaJcs2022
from .eddsa_rdfc_2022 import EddsaRdfc2022
from .suite import PROOF_TYPE, Cryptosuite, HashData, hash_data, proof_config

__all__ = [
    "DEFAULT_SUITE",
    "SUITES",
    "Cryptosuite",
    "HashData",
    "ProofCheck",
    "ProofError",
    "ProofExpiredError",
    "format_datetime",
    "hash_data",
    "parse_datetime",
    "sign",
    "verify_proof",
    "verify_proofs",
]

SUITES: dict[str, Cryptosuite] = {suite.name: suite for suite in (EddsaRdfc2022(), EddsaJcs2022())}
DEFAULT_SUITE = "eddsa-rdfc-2022"
MAX_PROOFS = 8
"""Most proofs one document may carry (each one is a signature check to run)."""
ASSERTION = "assertionMethod"
AUTHENTICATION = "authentication"
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
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with a Data Integrity proof; ``options`` are further
    proof options it signs (a presentation's ``challenge`` and ``domain``, ``expires``)."""
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
    for name, value in (options or {}).items():
        if name in proof or name in ("proofValue", "@context"):
            raise ProofError(f"proof option {name!r} is set by sign() itself")
        proof[name] = value
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
    created: datetime | None  # optional in VC Data Integrity
    expires: datetime | None = None
    proof_id: str | None = None

    def describe(self) -> str:
        return f"{self.cryptosuite} signature valid, key {self.verification_method}"


KeyResolver = Callable[[str], tuple[PublicKey, str, bool]]
"""verificationMethod id -> (public key, controller, listed under assertionMethod)."""


def verify_proofs(
    document: Mapping[str, Any],
    resolve_key: KeyResolver,
    *,
    contexts: ContextSet | None = None,
    expected_purpose: str = ASSERTION,
    now: datetime | None = None,
) -> tuple[ProofCheck, ...]:
    """Verify every Data Integrity proof of ``document`` (one proof, or a proof set/chain).

    VC Data Integrity 1.0, 4.4 and 5.2: ``proof`` is one object or a list of them (a proof
    set, an array of one included); each proof is verified over the document without its
    ``proof`` -- with the proofs its ``previousProof`` names when it is part of a chain. All
    must verify (the JavaScript reference accepts a set when any one does). ``created`` is
    optional; ``expires``, when present, must be a dateTime and (given ``now``) not past.
    Raises ProofError (``proof[i]: ...`` in a set), ProofExpiredError, DidError,
    ContextError or CanonicalizationError saying why not.
    """
    raw = document.get("proof")
    if raw is None:
        raise ProofError("document has no proof")
    proof_set = raw if isinstance(raw, list) else [raw]
    if not proof_set:
        raise ProofError("the proof set is empty")
    if len(proof_set) > MAX_PROOFS:
        raise ProofError(f"more than {MAX_PROOFS} proofs")
    if not all(isinstance(proof, Mapping) for proof in proof_set):
        raise ProofError("each proof must be an object")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    contexts = contexts or ContextSet.bundled()
    documents = _Documents(contexts)
    checks = []
    for index, proof in enumerate(proof_set):
        try:
            checks.append(
                _verify_one(
                    unsecured, proof, proof_set, resolve_key, documents, expected_purpose, now
                )
            )
        except VcissueError as error:
            if isinstance(raw, list) and len(proof_set) > 1:
                error.args = (f"proof[{index}]: {error}",)
            raise
    return tuple(checks)


def verify_proof(
    document: Mapping[str, Any],
    resolve_key: KeyResolver,
    *,
    contexts: ContextSet | None = None,
    expected_purpose: str = ASSERTION,
    now: datetime | None = None,
) -> ProofCheck:
    """``verify_proofs`` for a document with one proof: every proof must verify; returns the
    first proof's check (use ``verify_proofs`` to see each one of a set)."""
    return verify_proofs(
        document, resolve_key, contexts=contexts, expected_purpose=expected_purpose, now=now
    )[0]


def _optional_moment(proof: Mapping[str, Any], name: str) -> datetime | None:
    if name not in proof:
        return None
    try:
        return parse_datetime(proof[name])
    except ProofError:
        raise ProofError(f"proof.{name} is not an XSD dateTime: {proof[name]!r}") from None


def _previous_proofs(
    proof: Mapping[str, Any], proof_set: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The proofs ``previousProof`` names (VC Data Integrity 5.2, proof chains)."""
    wanted = proof["previousProof"]
    ids = [wanted] if isinstance(wanted, str) else wanted
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ProofError("previousProof must be a proof id or a list of them")
    found = []
    for wanted_id in ids:
        matches = [other for other in proof_set if other.get("id") == wanted_id]
        if len(matches) != 1 or matches[0] is proof:
            raise ProofError(f"previousProof {wanted_id!r} names no other proof of the set")
        found.append(matches[0])
    return found


class _Documents:
    """The canonical documents of one proof set, each made once.

    Every proof of a set signs the same document: it is canonicalised once per suite and
    ``@context``. A chain's proofs sign it with different earlier proofs; the documents
    canonicalised for one set hold, together, no more JSON values than one document may
    (``Limits.max_json_values``), or ``MAX_PROOFS`` proofs would cost that many times what
    the bounds allow one document (docs/bounds.md).
    """

    def __init__(self, contexts: ContextSet) -> None:
        self.contexts = contexts
        self.limit = DEFAULT_LIMITS.max_json_values
        self.values = 0
        self.made: dict[str, bytes] = {}
        # The first document is bounded by its suite's own limits; its values are counted
        # only when a second one is made (one proof, the common case, walks it no extra time).
        self.first: Mapping[str, Any] | None = None

    def _count(self, document: Mapping[str, Any]) -> None:
        usage: dict[str, int] = {}
        check_json_bounds(document, UNBOUNDED, usage=usage)
        self.values += usage["max_json_values"]

    def hash_data(
        self, suite: Cryptosuite, document: Mapping[str, Any], proof: Mapping[str, Any]
    ) -> HashData:
        config = proof_config(proof, document, carries_context=suite.proof_carries_context)
        chained = [p.get("id") for p in document.get("proof", ())]
        key = json.dumps([suite.name, document.get("@context"), chained], sort_keys=True)
        if key not in self.made:
            if not self.made:
                self.first = document
            else:
                if self.first is not None:
                    self._count(self.first)
                    self.first = None
                self._count(document)
            if self.values > self.limit:
                raise WorkLimitError(
                    "max_json_values",
                    f"the documents this proof set signs hold more than {self.limit} JSON "
                    "values together",
                )
            self.made[key] = suite.canonicalize(document, self.contexts)
        return HashData(
            canonical_config=suite.canonicalize_config(config, self.contexts),
            canonical_document=self.made[key],
        )


def _verify_one(
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    proof_set: Sequence[Mapping[str, Any]],
    resolve_key: KeyResolver,
    documents: _Documents,
    expected_purpose: str,
    now: datetime | None,
) -> ProofCheck:
    if proof.get("type") != PROOF_TYPE:
        raise ProofError(f"proof type {proof.get('type')!r} is not {PROOF_TYPE}")
    cryptosuite = suite_named(proof.get("cryptosuite"))
    if proof.get("proofPurpose") != expected_purpose:
        raise ProofError(f"proofPurpose {proof.get('proofPurpose')!r} is not {expected_purpose}")
    created = _optional_moment(proof, "created")
    expires = _optional_moment(proof, "expires")
    if expires is not None and now is not None and now > expires:
        raise ProofExpiredError(f"the proof expired at {proof['expires']}")
    vm_id = proof.get("verificationMethod")
    if not isinstance(vm_id, str):
        raise ProofError("proof.verificationMethod must be a string")
    proof_id = proof.get("id")
    if proof_id is not None and not isinstance(proof_id, str):
        raise ProofError("proof.id must be a string")
    try:
        signature = multibase_b58_decode(proof.get("proofValue", ""))
    except KeyMaterialError as error:
        raise ProofError(f"proofValue: {error}") from None
    document = dict(unsecured)
    if "previousProof" in proof:
        document["proof"] = _previous_proofs(proof, proof_set)
    if cryptosuite.proof_carries_context:
        # eddsa-jcs-2022 3.3.2 step 4: the proof options carry the @context that was signed;
        # the document's may only have been extended after it.
        if "@context" in proof:
            signed = _as_list(proof["@context"])
            if _as_list(document.get("@context"))[: len(signed)] != signed:
                raise ProofError("the document's @context does not start with the proof's @context")
            document["@context"] = proof["@context"]
    elif "@context" in proof and proof["@context"] != document.get("@context"):
        raise ProofError("proof @context differs from the document's @context")
    try:
        public_key, controller, assertion = resolve_key(vm_id)
    except (DidError, KeyMaterialError) as error:
        raise DidError(f"cannot resolve verificationMethod: {error}") from None
    if expected_purpose == ASSERTION and not assertion:
        raise ProofError(f"{vm_id} is not authorised for assertionMethod")
    data = documents.hash_data(cryptosuite, document, proof)
    if not public_key.verify(signature, data.combined):
        raise ProofError("signature does not match the document (altered or wrong key)")
    return ProofCheck(vm_id, controller, cryptosuite.name, created, expires, proof_id)


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]
