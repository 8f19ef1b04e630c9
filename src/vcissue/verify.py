"""The verification pipeline: untrusted bytes -> one ``VerificationResult``.

Parse, then verify. ``parse_credential`` is the only way untrusted input gets
in: size and depth caps, duplicate keys refused, JSON types only. Then each
check adds one entry to the report; checks never raise for a bad credential.

Check ids (stable; the CLI, service and web page show them):
``parse``, ``context``, ``structure``, ``schema``, ``proof``, ``issuer.binding``,
``issuer.trusted``, ``validity.not_before``, ``validity.expiry``, ``status``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from . import proofs
from .credential import schema_errors
from .dids import resolve_verification_method
from .errors import (
    CanonicalizationError,
    ContextError,
    CredentialError,
    DidError,
    MalformedInput,
    ProofError,
    StatusListError,
    VcissueError,
    VerificationFailed,
)
from .jsonld import VC_V2, ContextSet, check_contexts, expand
from .keys import PublicKey
from .status import StatusEntry, parse_status_entries, read_status_list_credential, status_of


@dataclass(frozen=True)
class StatusListCopy:
    """A status list credential kept from an earlier fetch (e.g. by a cache).

    A source returns one instead of the bare credential so that the report can say how
    old the list was: the age is ``now - fetched_at``. ``refresh_error`` says why no
    fresher copy could be had (an offline verifier). The proof is checked all the same.
    """

    document: Mapping[str, Any]
    fetched_at: datetime
    refresh_error: str = ""


StatusListSource = Callable[[str], Mapping[str, Any] | StatusListCopy]
"""status list URL -> the status list credential (a file, an HTTP fetcher, a cache).

It raises a VcissueError (or OSError) when it cannot deliver; verification then reports
"could not check", never "not revoked". A ``StatusListCopy`` puts its age in the report.
"""

MAX_CREDENTIAL_BYTES = 1_000_000
MAX_DEPTH = 48
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


# --- parsing -------------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two parsers could pick different values: a classic signature confusion.
            raise MalformedInput(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise MalformedInput(f"{name} is not JSON")


def parse_credential(
    data: bytes | str | Mapping[str, Any],
    *,
    max_bytes: int = MAX_CREDENTIAL_BYTES,
    max_depth: int = MAX_DEPTH,
) -> dict[str, Any]:
    """Untrusted input -> a JSON object, or MalformedInput saying why not."""
    if isinstance(data, bytes | str):
        if len(data) > max_bytes:
            raise MalformedInput(f"credential larger than {max_bytes} bytes")
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedInput("credential is not UTF-8") from None
        try:
            parsed = json.loads(
                data, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
            )
        except ValueError as error:  # JSONDecodeError, and ints past Python's digit limit
            raise MalformedInput(f"not JSON: {error}") from None
        except RecursionError:
            raise MalformedInput(f"nested deeper than {max_depth} levels") from None
    elif isinstance(data, Mapping):
        parsed = data
    else:
        raise MalformedInput(f"expected JSON text or an object, got {type(data).__name__}")
    if not isinstance(parsed, Mapping):
        raise MalformedInput("a credential must be a JSON object")
    _check_json_tree(parsed, max_depth)
    return dict(parsed)


def _check_json_tree(root: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise MalformedInput(f"nested deeper than {max_depth} levels")
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    raise MalformedInput("object keys must be strings")
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, float) and not math.isfinite(node):
            raise MalformedInput("NaN and Infinity are not JSON")
        elif not isinstance(node, str | int | float | bool | type(None)):
            raise MalformedInput(f"{type(node).__name__} is not a JSON value")


# --- trust -----------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedIssuer:
    id: str  # DID
    name: str = ""
    did_document: Mapping[str, Any] | None = None  # required for did:web


@dataclass(frozen=True)
class TrustList:
    """The issuers a verifier accepts, with the DID documents of did:web issuers.

    JSON form: ``{"issuers": [{"id": DID, "name": ..., "didDocument": {...}}]}``.
    """

    issuers: Mapping[str, TrustedIssuer] = field(default_factory=dict)

    @classmethod
    def of(cls, *issuers: TrustedIssuer) -> TrustList:
        return cls({issuer.id: issuer for issuer in issuers})

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrustList:
        entries = data.get("issuers") if isinstance(data, Mapping) else None
        if not isinstance(entries, list):
            raise MalformedInput("trust list must be an object with an 'issuers' list")
        issuers = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
                raise MalformedInput(f"trust list issuers[{index}] needs a string 'id'")
            document = entry.get("didDocument")
            if document is not None and not isinstance(document, Mapping):
                raise MalformedInput(f"trust list issuers[{index}].didDocument must be an object")
            if entry["id"].startswith("did:web:") and document is None:
                raise MalformedInput(f"trust list issuers[{index}]: did:web needs its didDocument")
            issuers.append(TrustedIssuer(entry["id"], str(entry.get("name", "")), document))
        return cls.of(*issuers)

    def to_json(self) -> dict[str, Any]:
        return {
            "issuers": [
                {
                    "id": issuer.id,
                    **({"name": issuer.name} if issuer.name else {}),
                    **({"didDocument": dict(issuer.did_document)} if issuer.did_document else {}),
                }
                for issuer in self.issuers.values()
            ]
        }

    @property
    def did_documents(self) -> dict[str, Mapping[str, Any]]:
        return {i.id: i.did_document for i in self.issuers.values() if i.did_document}

    def resolve_key(self, vm_id: str) -> tuple[PublicKey, str, bool]:
        method = resolve_verification_method(vm_id, self.did_documents)
        return method.public_key, method.controller, method.assertion


# --- the report --------------------------------------------------------------------


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # not checked; the message says why


@dataclass(frozen=True)
class Check:
    id: str
    outcome: Outcome
    message: str
    fatal: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "outcome": self.outcome.value,
            "message": self.message,
            "fatal": self.fatal,
        }


@dataclass(frozen=True)
class VerificationResult:
    checks: tuple[Check, ...]
    credential: Mapping[str, Any] | None = None

    @property
    def verified(self) -> bool:
        has_failure = any(c.outcome is Outcome.FAILED and c.fatal for c in self.checks)
        return bool(self.checks) and not has_failure

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.outcome is Outcome.FAILED]

    def check(self, check_id: str) -> Check:
        for item in self.checks:
            if item.id == check_id:
                return item
        raise KeyError(check_id)

    def raise_for_failure(self) -> None:
        if not self.verified:
            raise VerificationFailed(self)

    def to_json(self) -> dict[str, Any]:
        return {"verified": self.verified, "checks": [c.to_json() for c in self.checks]}


class _Report:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def passed(self, check_id: str, message: str) -> None:
        self.checks.append(Check(check_id, Outcome.PASSED, message))

    def failed(self, check_id: str, message: str, *, fatal: bool = True) -> None:
        self.checks.append(Check(check_id, Outcome.FAILED, message, fatal))

    def skipped(self, check_id: str, message: str) -> None:
        self.checks.append(Check(check_id, Outcome.SKIPPED, message))


# --- the pipeline --------------------------------------------------------------------

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


def verify_credential(
    data: bytes | str | Mapping[str, Any],
    *,
    trust: TrustList,
    now: datetime,
    contexts: ContextSet | None = None,
    max_clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    status_lists: StatusListSource | None = None,
) -> VerificationResult:
    """Run every check; a bad credential gives failed checks, never an exception.

    Without ``status_lists`` the status is reported as not checked.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    contexts = contexts or ContextSet.bundled()
    report = _Report()
    try:
        vc = parse_credential(data)
    except MalformedInput as error:
        report.failed("parse", str(error))
        for check_id in ALL_CHECKS:
            report.skipped(check_id, "not checked: the input is not a credential")
        return VerificationResult(tuple(report.checks))

    _check_context(vc, contexts, report)
    _check_structure(vc, report)
    check = _check_proof(vc, trust, contexts, report)
    _check_issuer(vc, check, trust, report)
    _check_validity(vc, now, max_clock_skew, report)
    _check_status(vc, report, status_lists, trust, contexts, now)
    return VerificationResult(tuple(report.checks), vc)


def _check_context(vc: Mapping[str, Any], contexts: ContextSet, report: _Report) -> None:
    try:
        urls = check_contexts(vc.get("@context"), contexts)
        if urls[0] != VC_V2:
            raise ContextError(f"the first @context must be {VC_V2}")
        proof = vc.get("proof")
        if not (isinstance(proof, Mapping) and proof.get("cryptosuite") == "eddsa-rdfc-2022"):
            # eddsa-rdfc-2022 expands while canonicalising; other suites need it here.
            expand({k: v for k, v in vc.items() if k != "proof"}, contexts)
    except (ContextError, CanonicalizationError) as error:
        report.failed("context", str(error))
        return
    report.passed("context", "all contexts bundled and every term defined")


def _check_structure(vc: Mapping[str, Any], report: _Report) -> None:
    problems = _vc_structure_problems(vc)
    if problems:
        report.failed("structure", "; ".join(problems))
    else:
        report.passed("structure", "VC Data Model 2.0 structure")
    types = vc.get("type")
    if isinstance(types, list) and OB_TYPES.intersection(t for t in types if isinstance(t, str)):
        errors = schema_errors(vc)
        if errors:
            report.failed("schema", "; ".join(errors))
        else:
            report.passed("schema", "Open Badges 3.0 AchievementCredential schema")
    else:
        report.skipped("schema", "not an Open Badges credential; no schema to apply")


def _vc_structure_problems(vc: Mapping[str, Any]) -> list[str]:
    problems = []
    types = vc.get("type")
    if not (isinstance(types, list) and "VerifiableCredential" in types):
        problems.append("type must be a list containing VerifiableCredential")
    if "id" in vc and not isinstance(vc["id"], str):
        problems.append("id must be a string")
    if _issuer_id(vc) is None:
        problems.append("issuer must be a DID or an object with a DID id")
    subject = vc.get("credentialSubject")
    if not isinstance(subject, Mapping | list) or not subject:
        problems.append("credentialSubject must be a non-empty object")
    for name in ("validFrom", "validUntil"):
        if name in vc:
            try:
                proofs.parse_datetime(vc[name])
            except ProofError:
                problems.append(f"{name} must be an XSD dateTime")
    if "issuanceDate" in vc or "expirationDate" in vc:
        problems.append("VC 1.1 dates (issuanceDate/expirationDate) are not VC 2.0")
    return problems


def _issuer_id(vc: Mapping[str, Any]) -> str | None:
    issuer = vc.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer.startswith("did:") else None


def _check_proof(
    vc: Mapping[str, Any], trust: TrustList, contexts: ContextSet, report: _Report
) -> proofs.ProofCheck | None:
    if report.checks and report.checks[0].outcome is Outcome.FAILED:
        report.skipped("proof", "not checked: the contexts are not acceptable")
        return None
    try:
        return_value = proofs.verify_proof(vc, trust.resolve_key, contexts=contexts)
    except ContextError as error:
        report.checks[0] = Check("context", Outcome.FAILED, str(error))
        report.skipped("proof", "not checked: the document is not well-formed JSON-LD")
        return None
    except (ProofError, CanonicalizationError, DidError, CredentialError) as error:
        report.failed("proof", str(error))
        return None
    report.passed(
        "proof",
        f"{return_value.cryptosuite} signature valid, key {return_value.verification_method}",
    )
    return return_value


def _check_issuer(
    vc: Mapping[str, Any], check: proofs.ProofCheck | None, trust: TrustList, report: _Report
) -> None:
    issuer = _issuer_id(vc)
    if check is None:
        report.skipped("issuer.binding", "not checked: no valid proof")
    elif check.controller != issuer:
        report.failed(
            "issuer.binding",
            f"issuer {issuer!r} is not the controller {check.controller!r} of the signing key",
        )
    else:
        report.passed("issuer.binding", "the issuer controls the signing key")
    if issuer is None:
        report.failed("issuer.trusted", "no issuer DID")
    elif issuer not in trust.issuers:
        report.failed("issuer.trusted", f"issuer {issuer} is not on the trust list")
    else:
        name = trust.issuers[issuer].name
        report.passed(
            "issuer.trusted", f"issuer {issuer} is trusted" + (f" ({name})" if name else "")
        )


def _check_validity(vc: Mapping[str, Any], now: datetime, skew: timedelta, report: _Report) -> None:
    for check_id, name in (("validity.not_before", "validFrom"), ("validity.expiry", "validUntil")):
        if name not in vc:
            report.passed(check_id, f"no {name}: no limit")
            continue
        try:
            moment = proofs.parse_datetime(vc[name])
        except ProofError:
            report.failed(check_id, f"{name} is not a dateTime")
            continue
        if name == "validFrom" and now + skew < moment:
            report.failed(check_id, f"not yet valid: valid from {vc[name]}")
        elif name == "validUntil" and now - skew > moment:
            report.failed(check_id, f"expired on {vc[name]}")
        else:
            report.passed(check_id, f"{name} {vc[name]} ok at {proofs.format_datetime(now)}")


def _check_status(
    vc: Mapping[str, Any],
    report: _Report,
    source: StatusListSource | None,
    trust: TrustList,
    contexts: ContextSet,
    now: datetime,
) -> None:
    if "credentialStatus" not in vc:
        report.skipped("status", "not checked: the credential carries no credentialStatus")
        return
    if source is None:
        report.skipped("status", "not checked: no status list source given")
        return
    try:
        entries = parse_status_entries(vc["credentialStatus"])
    except VcissueError as error:
        report.failed("status", f"credentialStatus: {error}")
        return
    for entry in entries:
        check_id = f"status.{entry.purpose.value}"
        state = "revoked" if entry.purpose.value == "revocation" else "suspended"
        try:
            set_bit, origin = _status_bit(entry, _issuer_id(vc), source, trust, contexts, now)
        except (VcissueError, OSError) as error:
            report.failed(check_id, f"could not check (which is not 'not {state}'): {error}")
            continue
        if set_bit:
            report.failed(check_id, f"{state} (list {entry.list_url}, index {entry.index}{origin})")
        else:
            report.passed(check_id, f"not {state} (list {entry.list_url}{origin})")


def _status_bit(
    entry: StatusEntry,
    issuer: str | None,
    source: StatusListSource,
    trust: TrustList,
    contexts: ContextSet,
    now: datetime,
) -> tuple[bool, str]:
    """The entry's bit, and where the list came from when it was not fetched just now."""
    delivered = source(entry.list_url)
    origin = ""
    if isinstance(delivered, StatusListCopy):
        origin = _copy_origin(delivered, now)
        delivered = delivered.document
    document = parse_credential(delivered)
    check = proofs.verify_proof(document, trust.resolve_key, contexts=contexts)
    status_list = read_status_list_credential(document, fetched_from=entry.list_url)
    if check.controller != issuer or status_list.issuer_id != issuer:
        raise ProofError("the status list is not signed by the credential's issuer")
    if not status_list.valid_at(now):
        raise ProofError("the status list is outside its validity period")
    return status_of(entry, status_list), origin


def _copy_origin(copy: StatusListCopy, now: datetime) -> str:
    fetched_at = copy.fetched_at
    if not isinstance(fetched_at, datetime) or fetched_at.tzinfo is None:
        raise StatusListError("a status list copy needs a timezone-aware fetched_at")
    age = now - fetched_at
    when = (
        f"fetched {describe_age(age)} ago"
        if age >= timedelta(0)
        else f"fetched at {fetched_at.isoformat()}, after the verification time"
    )
    refresh = f"; refresh failed: {copy.refresh_error}" if copy.refresh_error else ""
    return f", cached copy {when}{refresh}"


def describe_age(age: timedelta) -> str:
    """A short human age: ``45 s``, ``12 min``, ``3 h 12 min``, ``2 d 5 h``."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    if days:
        return f"{days} d {hour} h"
    if hours:
        return f"{hours} h {minute} min"
    return f"{minutes} min"
