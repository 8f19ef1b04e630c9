"""The verification pipeline: untrusted bytes -> one ``VerificationResult``.

Parse, then verify (``vcissue.strictjson`` is the only way untrusted input gets in).
Each check adds one entry to the report; checks never raise for a bad credential.

Check ids (stable; the CLI, service and web page show them): ``parse``, ``context``,
``structure``, ``schema``, ``proof``, ``issuer.binding``, ``issuer.trusted``,
``validity.not_before``, ``validity.expiry``, ``status`` / ``status.<purpose>``.

The status is checked only when the proof, the issuer binding and the issuer's trust
all passed: a forged or untrusted credential must not make the verifier fetch the URLs
it names, and its status would mean nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .. import proofs
from ..credential import schema_errors
from ..errors import (
    CanonicalizationError,
    ContextError,
    CredentialError,
    DidError,
    KeyWindowError,
    MalformedInput,
    ProofError,
    ProofExpiredError,
    VcissueError,
    WorkLimitError,
)
from ..jsonld import VC_V2, ContextSet, check_contexts, check_expandable, check_json_bounds
from ..ports import StatusListSource
from ..status import StatusList, read_credential_status, status_of
from ..strictjson import MAX_BYTES, MAX_DEPTH, parse_object
from .lists import accept_list, fetch_lists
from .result import Check, Outcome, Report, Verdict, VerificationResult
from .structure import issuer_id, structure_problems
from .trust import TrustList

__all__ = [
    "ALL_CHECKS",
    "DEFAULT_CLOCK_SKEW",
    "DEFAULT_MAX_STATUS_AGE",
    "DEFAULT_STATUS_DEADLINE",
    "parse_credential",
    "verify_credential",
]

MAX_CREDENTIAL_BYTES = MAX_BYTES
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_MAX_STATUS_AGE = timedelta(days=1)
"""How old a kept copy of a status list (a cache's, a snapshot's) may be and still count."""
DEFAULT_STATUS_DEADLINE = 10.0
"""Seconds for all of one verification's status list fetches together."""
OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
RDFC = "eddsa-rdfc-2022"
ALL_CHECKS = (
    "context",
    "structure",
    "schema",
    "proof",
    "issuer.binding",
    "issuer.trusted",
    "validity.not_before",
    "validity.expiry",
    "status",
)


def parse_credential(
    data: bytes | str | Mapping[str, Any],
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> dict[str, Any]:
    """Untrusted input -> a JSON object, or MalformedInput saying why not."""
    return parse_object(data, max_bytes=max_bytes, max_depth=max_depth)


def verify_credential(
    data: bytes | str | Mapping[str, Any],
    *,
    trust: TrustList,
    now: datetime,
    contexts: ContextSet | None = None,
    max_clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    status_lists: StatusListSource | None = None,
    max_status_age: timedelta = DEFAULT_MAX_STATUS_AGE,
    status_deadline: float = DEFAULT_STATUS_DEADLINE,
) -> VerificationResult:
    """Run every check; a bad credential gives failed checks, never an exception.

    Without ``status_lists`` the status is reported as not checked (verdict
    STATUS_UNKNOWN when the credential carries revocation or suspension entries).
    With it, each list URL is asked for once, all concurrently, within
    ``status_deadline`` seconds in total (see ``verify.lists``); a list the source hands
    back as a ``StatusListCopy`` older than ``max_status_age`` (default one day), or a
    list past its own ``validUntil``, is "could not check" (STATUS_UNKNOWN), never VALID.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if max_status_age < timedelta(0) or not status_deadline > 0:
        raise ValueError("max_status_age must be >= 0 and status_deadline > 0")
    contexts = contexts or ContextSet.bundled()
    report = Report()
    try:
        vc = parse_credential(data)
        # One cheap pass bounds everything after it: the schema check, expansion and
        # canonicalisation are each linear or worse in what this counts (docs/bounds.md).
        check_json_bounds(vc)
    except (MalformedInput, WorkLimitError) as error:
        report.failed("parse", str(error), Verdict.FORGED)
        for check_id in ALL_CHECKS:
            report.skipped(check_id, "not run: the input is not a credential")
        return report.result()

    _check_context(vc, contexts, report)
    _check_structure(vc, report)
    found = _check_proof(vc, trust, contexts, now - max_clock_skew, report)
    _check_issuer(vc, found, trust, report)
    _check_validity(vc, now, max_clock_skew, report)
    _check_status(vc, report, status_lists, trust, contexts, now, max_status_age, status_deadline)
    return report.result(vc)


def _check_context(vc: Mapping[str, Any], contexts: ContextSet, report: Report) -> None:
    try:
        urls = check_contexts(vc.get("@context"), contexts)
        if urls[0] != VC_V2:
            raise ContextError(f"the first @context must be {VC_V2}")
        proof = vc.get("proof")
        found = proof if isinstance(proof, list) else [proof]
        if not all(isinstance(p, Mapping) and p.get("cryptosuite") == RDFC for p in found):
            # eddsa-rdfc-2022 expands while canonicalising; other suites need it here.
            check_expandable({k: v for k, v in vc.items() if k != "proof"}, contexts)
    except (ContextError, CanonicalizationError) as error:
        report.failed("context", str(error), Verdict.FORGED)
        return
    report.passed("context", "all contexts bundled and every term defined")


def _check_structure(vc: Mapping[str, Any], report: Report) -> None:
    problems = structure_problems(vc)
    if problems:
        report.failed("structure", "; ".join(problems), Verdict.FORGED)
    else:
        report.passed("structure", "VC Data Model 2.0 structure")
    types = vc.get("type")
    if isinstance(types, list) and OB_TYPES.intersection(t for t in types if isinstance(t, str)):
        errors = schema_errors(vc)
        if errors:
            report.failed("schema", "; ".join(errors), Verdict.FORGED)
        else:
            report.passed("schema", "Open Badges 3.0 AchievementCredential schema")
    else:
        report.skipped("schema", "not an Open Badges credential; no schema to apply")


def _check_proof(
    vc: Mapping[str, Any], trust: TrustList, contexts: ContextSet, now: datetime, report: Report
) -> tuple[proofs.ProofCheck, ...]:
    if report.outcome("context") is Outcome.FAILED:
        report.skipped("proof", "not run: the contexts are not acceptable")
        return ()
    try:
        found = proofs.verify_proofs(vc, trust.resolve_key, contexts=contexts, now=now)
        trust.check_windows(found)
    except KeyWindowError as error:
        # genuine signature perhaps, but by a key its issuer no longer stands behind
        report.failed("proof", str(error), Verdict.NOT_TRUSTED)
        return ()
    except ContextError as error:
        report.replace(Check("context", Outcome.FAILED, str(error), True, Verdict.FORGED))
        report.skipped("proof", "not run: the document is not well-formed JSON-LD")
        return ()
    except DidError as error:
        # a key nobody on the trust list vouches for: forged if it claims a trusted issuer
        issuer = issuer_id(vc)
        verdict = Verdict.FORGED if issuer in trust.issuers else Verdict.NOT_TRUSTED
        report.failed("proof", str(error), verdict)
        return ()
    except ProofExpiredError as error:
        report.failed("proof", str(error), Verdict.EXPIRED)
        return ()
    except (ProofError, CanonicalizationError, CredentialError) as error:
        report.failed("proof", str(error), Verdict.FORGED)
        return ()
    if len(found) == 1 and not isinstance(vc.get("proof"), list):
        report.passed("proof", found[0].describe())
    else:
        each = "; ".join(f"[{i}] {check.describe()}" for i, check in enumerate(found))
        report.passed("proof", f"proof set of {len(found)}, every proof verified: {each}")
    return found


def _check_issuer(
    vc: Mapping[str, Any],
    found: tuple[proofs.ProofCheck, ...],
    trust: TrustList,
    report: Report,
) -> None:
    issuer = issuer_id(vc)
    controllers = list(dict.fromkeys(check.controller for check in found))
    if not found:
        report.skipped("issuer.binding", "not run: no valid proof")
    elif issuer not in controllers:
        names = ", ".join(repr(c) for c in controllers)
        report.failed(
            "issuer.binding",
            f"issuer {issuer!r} is not the controller {names} of the signing key"
            if len(controllers) == 1
            else f"issuer {issuer!r} controls none of the signing keys ({names})",
            Verdict.FORGED,
        )
    elif len(controllers) > 1:
        others = ", ".join(c for c in controllers if c != issuer)
        report.passed(
            "issuer.binding", f"the issuer controls a signing key (other proofs by {others})"
        )
    else:
        report.passed("issuer.binding", "the issuer controls the signing key")
    if issuer is None:
        report.failed("issuer.trusted", "no issuer DID", Verdict.NOT_TRUSTED)
    elif issuer not in trust.issuers:
        report.failed(
            "issuer.trusted", f"issuer {issuer} is not on the trust list", Verdict.NOT_TRUSTED
        )
    else:
        name = trust.issuers[issuer].name
        report.passed(
            "issuer.trusted", f"issuer {issuer} is trusted" + (f" ({name})" if name else "")
        )


def _check_validity(vc: Mapping[str, Any], now: datetime, skew: timedelta, report: Report) -> None:
    for check_id, name in (("validity.not_before", "validFrom"), ("validity.expiry", "validUntil")):
        if name not in vc:
            report.passed(check_id, f"no {name}: no limit")
            continue
        try:
            moment = proofs.parse_datetime(vc[name])
        except ProofError:
            report.failed(check_id, f"{name} is not a dateTime", Verdict.FORGED)
            continue
        if name == "validFrom" and now + skew < moment:
            report.failed(check_id, f"not yet valid: valid from {vc[name]}", Verdict.NOT_YET_VALID)
        elif name == "validUntil" and now - skew > moment:
            report.failed(check_id, f"expired on {vc[name]}", Verdict.EXPIRED)
        else:
            report.passed(check_id, f"{name} {vc[name]} ok at {proofs.format_datetime(now)}")


def _check_status(
    vc: Mapping[str, Any],
    report: Report,
    source: StatusListSource | None,
    trust: TrustList,
    contexts: ContextSet,
    now: datetime,
    max_age: timedelta,
    deadline: float,
) -> None:
    if "credentialStatus" not in vc:
        report.skipped("status", "not needed: the credential carries no credentialStatus")
        return
    if any(
        report.outcome(check_id) is not Outcome.PASSED
        for check_id in ("proof", "issuer.binding", "issuer.trusted")
    ):
        report.skipped(
            "status", "not run: only a genuine credential from a trusted issuer has a status"
        )
        return
    try:
        entries, others = read_credential_status(vc["credentialStatus"])
    except VcissueError as error:
        report.failed("status", f"credentialStatus: {error}", Verdict.STATUS_UNKNOWN)
        return
    for purpose in dict.fromkeys(others):
        report.skipped(
            f"status.{_purpose_id(purpose)}",
            f"not checked: statusPurpose {purpose[:60]!r} does not bear on whether the "
            "credential may be relied on (vcissue acts on revocation and suspension)",
        )
    if not entries:
        report.skipped("status", "not needed: no revocation or suspension entry")
        return
    if source is None:
        report.skipped("status", "not checked: no status list source given", Verdict.STATUS_UNKNOWN)
        return
    issuer = issuer_id(vc)
    delivered = fetch_lists(source, [entry.list_url for entry in entries], deadline)
    accepted: dict[str, tuple[StatusList, str] | Exception] = {}
    for url, answer in delivered.items():
        try:
            if isinstance(answer, Exception):
                raise answer
            accepted[url] = accept_list(url, answer, issuer, trust, contexts, now, max_age)
        except (VcissueError, OSError) as error:
            accepted[url] = error
    for entry in entries:
        check_id = f"status.{entry.purpose.value}"
        state = "revoked" if entry.purpose.value == "revocation" else "suspended"
        try:
            found = accepted[entry.list_url]
            if isinstance(found, Exception):
                raise found
            status_list, origin = found
            set_bit = status_of(entry, status_list)
        except (VcissueError, OSError) as error:
            report.failed(
                check_id,
                f"could not check (which is not 'not {state}'): {error}",
                Verdict.STATUS_UNKNOWN,
            )
            continue
        if set_bit:
            verdict = Verdict.REVOKED if state == "revoked" else Verdict.SUSPENDED
            report.failed(
                check_id, f"{state} (list {entry.list_url}, index {entry.index}{origin})", verdict
            )
        else:
            report.passed(check_id, f"not {state} (list {entry.list_url}{origin})")


def _purpose_id(purpose: str) -> str:
    cleaned = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in purpose
    )
    return cleaned[:40] or "other"
