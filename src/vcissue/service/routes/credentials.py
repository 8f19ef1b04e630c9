"""Issue, verify, change the status of, and look up credentials (VC-API route shapes)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from ...errors import StatusListError
from ...governance.principals import Principal
from ...issuer import DecisionOutcome, IssuedCredential, Issuer
from ...model import Award, EvidenceRef
from ...verify import verify_credential
from .. import problems
from ..auth import role
from ..problems import documented
from ..schemas import (
    CredentialView,
    EvidenceIn,
    Issued,
    IssueRequest,
    RecertifyRequest,
    ScopeRequest,
    StatusChanged,
    StatusRequest,
    UnsignedCredentialRequest,
    VerificationReport,
    VerifyRequest,
)
from . import AUTH, BODY, STORE, Desk, StrictJsonRoute, aware, text

__all__ = ["local_lists", "router"]

STAFF = ("issuer", "operator", "approver", "auditor")
router = APIRouter(route_class=StrictJsonRoute)


def _issue_body_kind(body: Any) -> str:
    return "unsigned-credential" if isinstance(body, dict) and "credential" in body else "award"


# The issue route's body: an award request, or VC-API's unsigned credential (refused by name).
IssueBody = Annotated[
    Annotated[IssueRequest, Tag("award")]
    | Annotated[UnsignedCredentialRequest, Tag("unsigned-credential")],
    Discriminator(_issue_body_kind),
]

_CREDENTIAL_ID = "$response.body#/verifiableCredential/id"
ISSUED_LINKS = {
    "getCredential": {
        "operationId": "getCredential",
        "parameters": {"credential_id": _CREDENTIAL_ID},
    },
    "getPublicStatus": {
        "operationId": "getPublicStatus",
        "parameters": {"credential_id": _CREDENTIAL_ID},
    },
    "suspendCredential": {
        "operationId": "updateCredentialStatus",
        "requestBody": {
            "credentialId": _CREDENTIAL_ID,
            "action": "suspend",
            "reason": "linked",
            "until": "2099-01-01T00:00:00Z",
        },
    },
}


@router.post(
    "/credentials/issue",
    status_code=201,
    operation_id="issueCredential",
    responses={
        "201": {"description": "the signed credential", "links": ISSUED_LINKS},
        **documented(*AUTH, 404, 409, *BODY, *STORE),
    },
)
def issue(
    body: IssueBody, issuer: Desk, who: Annotated[Principal, Depends(role("issuer"))]
) -> Issued:
    if isinstance(body, UnsignedCredentialRequest):
        raise problems.Refused(
            422,
            "this service signs only what it can check: send an award request "
            "({qualification, holder, units?, ...}), not an unsigned credential",
            kind="unsigned-credential-refused",
        )
    award = Award.from_request(
        issuer.qualification(body.qualification),
        holder_name=body.holder.name,
        holder_id=body.holder.id,
        holder_email=body.holder.email,
        holder_language=body.holder.language,
        awarded=aware(body.awarded) if body.awarded else issuer.now(),
        units=body.units,
        scope=body.scope,
        limitations=body.limitations,
        evidence=evidence_refs(body.evidence),
        rpl=body.rpl,
    )
    issued = issuer.issue(award, by=who, batch_key=body.reference)
    return Issued(verifiableCredential=issued.credential, created=issued.created)


@router.post(
    "/credentials/verify", operation_id="verifyCredential", responses=documented(*BODY, *STORE)
)
def verify(request: VerifyRequest, http: Request, issuer: Desk) -> VerificationReport:
    result = verify_credential(
        request.verifiableCredential,
        trust=http.app.state.trust,
        now=issuer.now(),
        status_lists=local_lists(issuer) if request.options.checkStatus else None,
    )
    return VerificationReport.model_validate(result.to_json())


def local_lists(issuer: Issuer) -> Callable[[str], Mapping[str, Any]]:
    """The status lists of this service, from its store (renewed when due): the source
    its verify routes use."""
    prefix = issuer.settings.status_base_url + "/"

    def local_list(url: str) -> Mapping[str, Any]:
        record = issuer.status_list(url) if url.startswith(prefix) else None
        if record is not None and issuer.needs_renewal(record, issuer.now()):
            issuer.renew_lists([url])
            record = issuer.status_list(url)
        if record is None or record.published_json is None:
            raise StatusListError(f"{url} is not a status list of this service")
        document: Mapping[str, Any] = json.loads(record.published_json)
        return document

    return local_list


PENDING_OR_DONE = {
    202: {"description": "a decision pending: more approvers needed"},
    **documented(*AUTH, 404, 409, *BODY, *STORE),
}


@router.post(
    "/credentials/status",
    operation_id="updateCredentialStatus",
    responses=PENDING_OR_DONE,
)
def change_status(
    request: StatusRequest,
    response: Response,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("operator", "approver"))],
) -> StatusChanged:
    """A decision on a credential, under the deployment's policy for its kind."""
    subject, reason = request.credentialId, request.reason
    if request.action in ("suspend", "extend-suspension"):
        if request.until is None:
            raise problems.Refused(
                422, "until: a suspension needs a deadline", kind="invalid-request"
            )
        until = aware(request.until)
        if request.action == "suspend":
            outcome = issuer.suspend(subject, reason=reason, until=until, by=who)
        else:
            outcome = issuer.extend_suspension(subject, reason=reason, until=until, by=who)
    elif request.action == "reinstate":
        outcome = issuer.reinstate(subject, reason=reason, by=who)
    elif request.action == "revoke":
        outcome = issuer.revoke(subject, reason=reason, by=who)
    else:
        outcome = issuer.withdraw(subject, reason=reason, by=who)
    return decided(response, issuer, subject, outcome)


def decided(
    response: Response, issuer: Any, subject: str, outcome: DecisionOutcome
) -> StatusChanged:
    """The answer to a decision: 202 while it waits for approvers, else 200."""
    if outcome.state == "pending":
        response.status_code = 202
    result = outcome.result
    return StatusChanged(
        credentialId=subject,
        state=issuer.get(subject).state,
        decision=outcome.case_id,
        decisionState=outcome.state,  # type: ignore[arg-type]  # one of the four
        approvals=list(outcome.approvals),
        required=outcome.required,
        newCredentialId=result.record.id if isinstance(result, IssuedCredential) else None,
    )


class RenameRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=500)]  # the holder's new name
    reason: Annotated[str, Field(min_length=1, max_length=2000)] = "name change"


@router.post(
    "/credentials/{credential_id}/rename",
    operation_id="renameHolder",
    responses=PENDING_OR_DONE,
)
def rename(
    credential_id: str,
    request: RenameRequest,
    response: Response,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("issuer", "operator", "approver"))],
) -> StatusChanged:
    """Reissue the certificate under the holder's new name (``vcissue rename``): the old
    one is superseded, not revoked; the ``rename`` policy decides who and how many."""
    outcome = issuer.rename(credential_id, name=request.name, reason=request.reason, by=who)
    return decided(response, issuer, issuer.get(credential_id).id, outcome)


def evidence_refs(items: list[EvidenceIn]) -> list[EvidenceRef]:
    """The request's evidence, each SHA-256 checked (a wrong one: a 422 problem)."""
    return [
        EvidenceRef.of_hex(e.url, e.sha256, name=e.name, description=e.description) for e in items
    ]


@router.post(
    "/credentials/{credential_id}/recertify",
    operation_id="recertify",
    responses=PENDING_OR_DONE,
)
def recertify(
    credential_id: str,
    request: RecertifyRequest,
    response: Response,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("issuer"))],
) -> StatusChanged:
    """``vcissue recertify``: a new credential with new dates that references the old one,
    inside the scheme's recertification window and grace period (409 outside it)."""
    outcome = issuer.recertify(
        credential_id, by=who, reason=request.reason, evidence=evidence_refs(request.evidence)
    )
    return decided(response, issuer, issuer.get(credential_id).id, outcome)


@router.post(
    "/credentials/{credential_id}/scope",
    operation_id="changeScope",
    responses=PENDING_OR_DONE,
)
def change_scope(
    credential_id: str,
    request: ScopeRequest,
    response: Response,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("operator", "approver"))],
) -> StatusChanged:
    """``vcissue reduce-scope`` / ``expand-scope``: the replacement names itself a scope
    reduction or expansion in its evidence."""
    change = issuer.reduce_scope if request.action == "reduce" else issuer.expand_scope
    outcome = change(credential_id, units=request.units, reason=request.reason, by=who)
    return decided(response, issuer, issuer.get(credential_id).id, outcome)


@router.get(
    "/credentials/{credential_id}",
    operation_id="getCredential",
    responses=documented(*AUTH, 404, *STORE),
)
def get_credential(
    credential_id: str, issuer: Desk, who: Annotated[Principal, Depends(role(*STAFF))]
) -> CredentialView:
    record = issuer.get(credential_id)
    return CredentialView(
        credentialId=record.id,
        state=record.state,
        stateReason=record.state_reason,
        suspendedUntil=text(record.suspended_until),
        qualification=record.qualification_id,
        units=list(record.units),
        previous=record.previous_id,
        verifiableCredential=json.loads(record.signed_json),
    )
