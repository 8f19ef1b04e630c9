"""The service's request and response bodies, as published in its OpenAPI document.

Requests refuse unknown fields (a typo is a 422, not a silently ignored option). Responses
refuse them too: a library answer that no longer matches its documented shape is a bug the
tests (schemathesis' response-schema check) catch, never a silent drop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AuditLog",
    "CredentialView",
    "Health",
    "HolderCheck",
    "IssueRequest",
    "Issued",
    "PublicAnswer",
    "QualificationInfo",
    "QualificationSummary",
    "StatusChanged",
    "StatusRequest",
    "UnsignedCredentialRequest",
    "VerificationReport",
    "VerifyRequest",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Short = Annotated[str, Field(min_length=1, max_length=200)]

# --- requests ---------------------------------------------------------------------------


class HolderIn(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=500)]
    id: Annotated[str | None, Field(max_length=2000)] = None
    email: Annotated[str | None, Field(max_length=320)] = None  # for notices; not signed
    language: Annotated[str | None, Field(max_length=16)] = None  # certificates print in it


class EvidenceIn(_Strict):
    """An evidence document (CPD record, assessment report) by its URL; ``sha256`` (64 hex
    digits) is signed into the credential as its ``digestMultibase``."""

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    name: Annotated[str, Field(max_length=500)] = ""
    description: Annotated[str, Field(max_length=2000)] = ""
    sha256: Annotated[str, Field(max_length=200)] = ""


class IssueRequest(_Strict):
    """An award: the qualification (by id), the holder, and optionally part of it."""

    qualification: Short
    holder: HolderIn
    units: Annotated[list[Annotated[str, Field(max_length=200)]] | None, Field(max_length=100)] = (
        None
    )
    awarded: datetime | None = None
    scope: Annotated[str, Field(max_length=4000)] = ""
    limitations: Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=50)] = []
    reference: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    evidence: Annotated[list[EvidenceIn], Field(max_length=50)] = []
    # units recognised through prior learning (RPL), or "all" (every awarded unit)
    rpl: (
        Literal["all"]
        | Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=100)]
    ) = []


class UnsignedCredentialRequest(_Strict):
    """VC-API's ``{"credential": ...}`` form. Recognised so it can be refused by name."""

    credential: dict[str, Any]
    options: dict[str, Any] = {}


class VerifyOptions(_Strict):
    checkStatus: bool = True  # VC-API field name


class VerifyRequest(_Strict):
    verifiableCredential: dict[str, Any]  # VC-API field name
    options: VerifyOptions = VerifyOptions()


class StatusRequest(_Strict):
    credentialId: Short
    action: Literal["suspend", "extend-suspension", "reinstate", "revoke", "withdraw"]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    until: datetime | None = None  # suspend and extend-suspension: the deadline (ISO/IEC 17024 9.5)


class RecertifyRequest(_Strict):
    """Recertify (within the scheme's window and grace period); ``evidence``: what the
    recertification was decided on (CPD records), each with its SHA-256."""

    reason: Annotated[str, Field(min_length=1, max_length=2000)] = "recertification"
    evidence: Annotated[list[EvidenceIn], Field(max_length=50)] = []


class ScopeRequest(_Strict):
    """Reduce the scope to ``units`` (a proper subset: the old one is withdrawn) or expand
    it to ``units`` (a proper superset: the old one is superseded)."""

    action: Literal["reduce", "expand"]
    units: Annotated[
        list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=100)
    ]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ApproveRequest(_Strict):
    note: Annotated[str, Field(max_length=2000)] = ""


class RejectRequest(_Strict):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ComplaintRequest(_Strict):
    about: Annotated[str, Field(min_length=1, max_length=4000)]
    complainant: Short
    credentialId: Short | None = None  # the certificate it is about (else: the body)
    handler: Short | None = None  # a principal (default: the caller)
    received: datetime | None = None
    interimSuspensionUntil: datetime | None = None


class CloseComplaintRequest(_Strict):
    outcome: Literal["dismissed", "upheld"]
    note: Annotated[str, Field(max_length=2000)] = ""


class AppealRequest(_Strict):
    against: Literal["refused-award", "suspension", "withdrawal", "revocation", "scope-reduction"]
    subject: Short  # the credential id (a refused award: its decision id)
    appellant: Short
    grounds: Annotated[str, Field(min_length=1, max_length=4000)]


class DecideAppealRequest(_Strict):
    outcome: Literal["upheld", "dismissed"]
    note: Annotated[str, Field(max_length=2000)] = ""


# --- responses --------------------------------------------------------------------------


class Health(_Strict):
    status: Literal["ok"]
    version: str
    store: str
    schemaVersion: int


class Issued(_Strict):
    verifiableCredential: dict[str, Any]
    created: bool  # false: this ``reference`` was issued before; that credential is returned


Verdicts = Literal[
    "FORGED",
    "NOT_TRUSTED",
    "REVOKED",
    "SUSPENDED",
    "EXPIRED",
    "NOT_YET_VALID",
    "STATUS_UNKNOWN",
    "VALID",
]


class CheckOut(_Strict):
    id: str
    outcome: Literal["passed", "failed", "skipped"]
    message: str
    fatal: bool
    verdict: Verdicts | None = None  # what this check's failure implies


class VerificationReport(_Strict):
    verified: bool  # no fatal check failed
    verdict: Verdicts  # one verdict, the strongest any check implies (VALID only if all held)
    checks: list[CheckOut]


class StatusChanged(_Strict):
    credentialId: str
    state: str  # the credential's state after the decision
    decision: str  # the decision case id
    decisionState: Literal["pending", "done", "rejected", "expired"]
    approvals: list[str]  # the principals who approved so far
    required: int  # how many distinct approvers the policy needs
    newCredentialId: str | None = None


class Decision(_Strict):
    caseId: str
    kind: str
    subject: str | None
    state: Literal["pending", "done", "rejected", "expired"]
    approvals: list[str]
    required: int
    requestedBy: str
    reason: str


class CaseView(_Strict):
    """A complaint or an appeal, as the register keeps it."""

    model_config = ConfigDict(extra="allow")
    state: str


class CredentialView(_Strict):
    credentialId: str
    state: str
    stateReason: str | None
    suspendedUntil: str | None
    qualification: str
    units: list[str]
    previous: str | None
    verifiableCredential: dict[str, Any]


class QualificationSummary(_Strict):
    id: str
    title: str
    validity: str
    units: int
    href: str


class QualificationInfo(_Strict):
    scheme: dict[str, Any]
    policies: dict[str, str]


class QualificationRef(_Strict):
    id: str
    title: str


class AccreditationOut(_Strict):
    body: str
    number: str
    statement: str


class PublicAnswer(_Strict):
    credentialId: str
    number: str | None = None  # the certificate number (none: issued before numbers)
    holderName: str
    holderKind: Literal["person", "organisation"] = "person"  # who the holder is
    qualification: QualificationRef
    units: list[str]
    rplUnits: list[str] | None = None  # units recognised through prior learning (RPL)
    scope: str
    awarded: str
    expires: str
    current: bool
    replacedBy: str | None = None  # the credential that supersedes or restores this one
    replacedByNumber: str | None = None
    awardingBody: str
    accreditation: AccreditationOut | None = None
    superseded: bool  # a newer certificate replaced this one
    statement: str


class HolderCheck(_Strict):
    """ "Is this person certified?": yes or no, nothing else."""

    number: str
    name: str
    certified: bool


class AuditEntryOut(_Strict):
    seq: int
    at: str | None
    actor: str
    action: str
    credentialId: str | None
    details: dict[str, Any]
    hash: str


class AuditLog(_Strict):
    intact: bool
    problems: list[str]
    entries: list[AuditEntryOut]
