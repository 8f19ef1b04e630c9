"""Verifying a Verifiable Presentation: untrusted bytes -> one report with one verdict.

The checks, in order (ids stable, as ``checks.py``'s):

``parse``, ``presentation.context``, ``presentation.structure``
    a JSON object within the bounds, bundled contexts only, ``type`` VerifiablePresentation,
    ``verifiableCredential`` absent (a DID authentication) or embedded credentials.
``presentation.proof``
    the holder's signature (``proofPurpose`` ``authentication``) by a self-resolving holder
    DID (did:key, did:jwk): DataIntegrityProof (eddsa-rdfc-2022, eddsa-jcs-2022) or
    Ed25519Signature2020 (what the Learner Credential Wallet signs DID authentication with).
``presentation.challenge``, ``presentation.domain``
    the proof carries exactly the challenge and the domain the verifier asked for (VC Data
    Integrity 1.0, 2.1); a challenge the verifier has seen before is the caller's to refuse
    (it keeps the challenges it handed out: single use).
``presentation.freshness``
    the proof was created within ``max_age`` of ``now`` (and not in the future).
``holder.binding``
    the signer controls every ``credentialSubject.id`` it presents, and is the ``holder``.
``credentials[i].<check>``
    each credential's full checks (``verify_credential``), prefixed.

Every failure of the presentation itself is FORGED (the presentation is not what this
verifier asked for), an old proof EXPIRED; the one verdict is the strongest of all checks,
the credentials' included.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .. import proofs
from ..dids import resolve_verification_method
from ..errors import (
    CanonicalizationError,
    ContextError,
    DidError,
    KeyMaterialError,
    MalformedInput,
    ProofError,
    ProofExpiredError,
    WorkLimitError,
)
from ..jsonld import VC_V2, ContextSet, check_contexts, check_json_bounds
from ..keys import PublicKey
from ..ports import StatusListSource
from ..proofs.ed25519_signature_2020 import ED25519_2020, verify_ed25519_2020
from ..strictjson import MAX_BYTES
from .checks import (
    DEFAULT_CLOCK_SKEW,
    DEFAULT_MAX_STATUS_AGE,
    DEFAULT_STATUS_DEADLINE,
    parse_credential,
    verify_credential,
)
from .result import Check, Outcome, Report, Verdict, VerificationResult
from .trust import TrustList

__all__ = [
    "DEFAULT_PRESENTATION_MAX_AGE",
    "HOLDER_DID_METHODS",
    "MAX_CREDENTIALS",
    "presentation_signer",
    "verify_presentation",
]

DEFAULT_PRESENTATION_MAX_AGE = timedelta(minutes=10)
MAX_CREDENTIALS = 8
MAX_PRESENTATION_BYTES = 4 * MAX_BYTES
HOLDER_DID_METHODS = ("did:key:", "did:jwk:")
PRESENTATION_CHECKS = (
    "presentation.context",
    "presentation.structure",
    "presentation.proof",
    "presentation.challenge",
    "presentation.domain",
    "presentation.freshness",
    "holder.binding",
)


def resolve_holder_key(vm_id: str) -> tuple[PublicKey, str, bool]:
    """A holder's verification method: self-resolving DIDs only (a presentation names no
    trust list entry for its holder, and fetching a DID document is an adapter's job)."""
    if not isinstance(vm_id, str) or not vm_id.startswith(HOLDER_DID_METHODS):
        raise DidError(f"the holder must sign with a did:key or did:jwk key, not {vm_id!r}")
    method = resolve_verification_method(vm_id)
    return method.public_key, method.controller, True


def verify_presentation(
    data: bytes | str | Mapping[str, Any],
    *,
    trust: TrustList,
    challenge: str,
    domain: str,
    now: datetime,
    contexts: ContextSet | None = None,
    max_age: timedelta = DEFAULT_PRESENTATION_MAX_AGE,
    max_clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    status_lists: StatusListSource | None = None,
    max_status_age: timedelta = DEFAULT_MAX_STATUS_AGE,
    status_deadline: float = DEFAULT_STATUS_DEADLINE,
) -> VerificationResult:
    """Run every check of the presentation and of each credential it holds; never raises
    for a bad presentation. ``challenge`` and ``domain`` are what this verifier asked for."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not challenge or not domain:
        raise ValueError("a presentation is verified against a challenge and a domain")
    contexts = contexts or ContextSet.bundled()
    report = Report()
    try:
        vp = parse_credential(data, max_bytes=MAX_PRESENTATION_BYTES)
        check_json_bounds(vp)
    except (MalformedInput, WorkLimitError) as error:
        report.failed("parse", str(error), Verdict.FORGED)
        for check_id in PRESENTATION_CHECKS:
            report.skipped(check_id, "not run: the input is not a presentation")
        return report.result()

    _check_context(vp, contexts, report)
    credentials = _check_structure(vp, report)
    signer, proof = _check_proof(vp, contexts, now, max_clock_skew, report)
    _check_options(proof, challenge, domain, report)
    _check_freshness(proof, now, max_age, max_clock_skew, report)
    _check_binding(vp, signer, credentials, report)
    for index, credential in enumerate(credentials):
        result = verify_credential(
            credential,
            trust=trust,
            now=now,
            contexts=contexts,
            max_clock_skew=max_clock_skew,
            status_lists=status_lists,
            max_status_age=max_status_age,
            status_deadline=status_deadline,
        )
        for check in result.checks:
            report.checks.append(
                Check(f"credentials[{index}].{check.id}", *_rest(check))  # same outcome
            )
    return report.result(vp)


def _rest(check: Check) -> tuple[Outcome, str, bool, Verdict | None]:
    return check.outcome, check.message, check.fatal, check.verdict


def presentation_signer(result: VerificationResult) -> str | None:
    """The DID that signed a presentation whose proof verified (None otherwise)."""
    if result.credential is None or result.check("presentation.proof").outcome is not (
        Outcome.PASSED
    ):
        return None
    proof = result.credential.get("proof")
    vm_id = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
    return vm_id.split("#", 1)[0] if isinstance(vm_id, str) else None


def _check_context(vp: Mapping[str, Any], contexts: ContextSet, report: Report) -> None:
    try:
        urls = check_contexts(vp.get("@context"), contexts)
        if urls[0] != VC_V2:
            raise ContextError(f"the first @context must be {VC_V2}")
    except ContextError as error:
        report.failed("presentation.context", str(error), Verdict.FORGED)
        return
    report.passed("presentation.context", "all contexts bundled")


def _check_structure(vp: Mapping[str, Any], report: Report) -> list[Mapping[str, Any]]:
    problems = []
    types = vp.get("type")
    if not (isinstance(types, list) and "VerifiablePresentation" in types) and (
        types != "VerifiablePresentation"
    ):
        problems.append("type must contain VerifiablePresentation")
    if "holder" in vp and not isinstance(vp["holder"], str):
        problems.append("holder must be a DID string")
    raw = vp.get("verifiableCredential", [])
    found = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(item, Mapping) for item in found):
        problems.append("verifiableCredential must hold embedded credentials (objects)")
    elif any(item.get("type") == "EnvelopedVerifiableCredential" for item in found):
        problems.append("enveloped credentials are not supported")
    if len(found) > MAX_CREDENTIALS:
        problems.append(f"more than {MAX_CREDENTIALS} credentials")
    if problems:
        report.failed("presentation.structure", "; ".join(problems), Verdict.FORGED)
        return []
    report.passed(
        "presentation.structure", f"VC Data Model 2.0 presentation of {len(found)} credential(s)"
    )
    return list(found)


def _check_proof(
    vp: Mapping[str, Any], contexts: ContextSet, now: datetime, skew: timedelta, report: Report
) -> tuple[str | None, Mapping[str, Any]]:
    proof = vp.get("proof")
    if report.outcome("presentation.context") is Outcome.FAILED:
        report.skipped("presentation.proof", "not run: the contexts are not acceptable")
        return None, {}
    if not isinstance(proof, Mapping):
        report.failed(
            "presentation.proof", "a presentation needs exactly one proof object", Verdict.FORGED
        )
        return None, {}
    try:
        if proof.get("type") == ED25519_2020:
            vm_id = verify_ed25519_2020(
                vp, resolve_holder_key, contexts=contexts, purpose=proofs.AUTHENTICATION
            )
            suite = ED25519_2020
        else:
            (found,) = proofs.verify_proofs(
                vp,
                resolve_holder_key,
                contexts=contexts,
                expected_purpose=proofs.AUTHENTICATION,
                now=now - skew,
            )
            vm_id, suite = found.verification_method, found.cryptosuite
    except ProofExpiredError as error:
        report.failed("presentation.proof", str(error), Verdict.EXPIRED)
        return None, proof
    except (
        ProofError,
        DidError,
        KeyMaterialError,
        ContextError,
        CanonicalizationError,
        MalformedInput,
    ) as error:
        report.failed("presentation.proof", str(error), Verdict.FORGED)
        return None, proof
    signer = vm_id.split("#", 1)[0]
    report.passed("presentation.proof", f"{suite} signature of {signer} valid")
    return signer, proof


def _check_options(proof: Mapping[str, Any], challenge: str, domain: str, report: Report) -> None:
    if report.outcome("presentation.proof") is not Outcome.PASSED:
        for check_id in ("presentation.challenge", "presentation.domain"):
            report.skipped(check_id, "not run: no valid proof", Verdict.FORGED)
        return
    if proof.get("challenge") == challenge:
        report.passed("presentation.challenge", "the proof carries the challenge asked for")
    else:
        report.failed(
            "presentation.challenge",
            f"the proof's challenge {str(proof.get('challenge'))[:80]!r} is not the one asked for",
            Verdict.FORGED,
        )
    signed = proof.get("domain")
    domains = signed if isinstance(signed, list) else [signed]
    if domain in domains:
        report.passed("presentation.domain", f"the proof is for the domain {domain}")
    else:
        report.failed(
            "presentation.domain",
            f"the proof's domain {str(signed)[:80]!r} is not {domain!r}",
            Verdict.FORGED,
        )


def _check_freshness(
    proof: Mapping[str, Any], now: datetime, max_age: timedelta, skew: timedelta, report: Report
) -> None:
    if report.outcome("presentation.proof") is not Outcome.PASSED:
        report.skipped("presentation.freshness", "not run: no valid proof")
        return
    try:
        created = proofs.parse_datetime(proof.get("created"))
    except ProofError:
        report.failed("presentation.freshness", "the proof has no created time", Verdict.FORGED)
        return
    if created > now + skew:
        report.failed(
            "presentation.freshness", f"created in the future ({proof['created']})", Verdict.FORGED
        )
    elif created < now - max_age - skew:
        report.failed(
            "presentation.freshness",
            f"created {proof['created']}, older than {max_age}",
            Verdict.EXPIRED,
        )
    else:
        report.passed("presentation.freshness", f"created {proof['created']}")


def _subject_ids(credential: Mapping[str, Any]) -> list[object]:
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    return [item.get("id") if isinstance(item, Mapping) else None for item in subjects]


def _check_binding(
    vp: Mapping[str, Any],
    signer: str | None,
    credentials: list[Mapping[str, Any]],
    report: Report,
) -> None:
    if signer is None:
        report.skipped("holder.binding", "not run: no valid proof", Verdict.FORGED)
        return
    problems = []
    if "holder" in vp and vp["holder"] != signer:
        problems.append(f"holder {str(vp['holder'])[:80]!r} did not sign (signer {signer})")
    for index, credential in enumerate(credentials):
        for subject_id in _subject_ids(credential):
            if subject_id != signer:
                problems.append(
                    f"credentials[{index}] is about {str(subject_id)[:80]!r}, not the signer"
                    if subject_id
                    else f"credentials[{index}] names no credentialSubject.id (bound to nobody)"
                )
    if problems:
        report.failed("holder.binding", "; ".join(problems), Verdict.FORGED)
    else:
        report.passed("holder.binding", f"{signer} signed and is the subject of every credential")
