"""Decisions awaiting approval, the complaints register and appeals, for staff principals.

Every route acts as the principal whose API key authenticated the request; the policies,
roles and separation rules are the library's (``vcissue.issuer.decisions``, ``cases``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response

from ...governance.principals import Principal
from ..auth import role
from ..problems import documented
from ..schemas import (
    AppealRequest,
    ApproveRequest,
    CaseView,
    CloseComplaintRequest,
    ComplaintRequest,
    DecideAppealRequest,
    Decision,
    RejectRequest,
)
from . import AUTH, BODY, STORE, Desk, StrictJsonRoute, aware

__all__ = ["router"]

STAFF = ("issuer", "operator", "approver", "auditor")
DECIDERS = ("issuer", "operator", "approver")
router = APIRouter(route_class=StrictJsonRoute)


@router.get("/decisions", operation_id="listDecisions", responses=documented(*AUTH, 422, *STORE))
def list_decisions(
    issuer: Desk,
    who: Annotated[Principal, Depends(role(*STAFF))],
    state: Literal["pending", "done", "rejected", "expired"] = "pending",
) -> list[Decision]:
    return [Decision.model_validate(d.to_json()) for d in issuer.decisions(state=state)]


@router.post(
    "/decisions/{case_id}/approve",
    operation_id="approveDecision",
    responses={202: {"description": "still pending"}, **documented(*AUTH, 404, 409, *BODY, *STORE)},
)
def approve(
    case_id: str,
    body: ApproveRequest,
    response: Response,
    issuer: Desk,
    who: Annotated[Principal, Depends(role(*DECIDERS))],
) -> Decision:
    outcome = issuer.approve(case_id, by=who, note=body.note)
    if outcome.state == "pending":
        response.status_code = 202
    return Decision.model_validate(outcome.to_json())


@router.post(
    "/decisions/{case_id}/reject",
    operation_id="rejectDecision",
    responses=documented(*AUTH, 404, 409, *BODY, *STORE),
)
def reject(
    case_id: str,
    body: RejectRequest,
    issuer: Desk,
    who: Annotated[Principal, Depends(role(*DECIDERS))],
) -> Decision:
    return Decision.model_validate(issuer.reject(case_id, by=who, reason=body.reason).to_json())


@router.post(
    "/complaints",
    status_code=201,
    operation_id="openComplaint",
    responses=documented(*AUTH, 404, 409, *BODY, *STORE),
)
def open_complaint(
    body: ComplaintRequest, issuer: Desk, who: Annotated[Principal, Depends(role("operator"))]
) -> CaseView:
    complaint = issuer.open_complaint(
        about=body.about,
        complainant=body.complainant,
        by=who,
        handler=body.handler,
        subject=body.credentialId,
        received=aware(body.received) if body.received else None,
        interim_suspension_until=aware(body.interimSuspensionUntil)
        if body.interimSuspensionUntil
        else None,
    )
    return CaseView.model_validate(complaint.to_json())


@router.post(
    "/complaints/{case_id}/close",
    operation_id="closeComplaint",
    responses=documented(*AUTH, 404, 409, *BODY, *STORE),
)
def close_complaint(
    case_id: str,
    body: CloseComplaintRequest,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("operator"))],
) -> CaseView:
    complaint = issuer.close_complaint(case_id, outcome=body.outcome, by=who, note=body.note)
    return CaseView.model_validate(complaint.to_json())


@router.get("/complaints", operation_id="listComplaints", responses=documented(*AUTH, 422, *STORE))
def list_complaints(
    issuer: Desk,
    who: Annotated[Principal, Depends(role(*STAFF))],
    state: Literal["open", "closed"] | None = None,
) -> list[CaseView]:
    return [CaseView.model_validate(c.to_json()) for c in issuer.complaints(state=state)]


@router.post(
    "/appeals",
    status_code=201,
    operation_id="lodgeAppeal",
    responses=documented(*AUTH, 404, 409, *BODY, *STORE),
)
def lodge_appeal(
    body: AppealRequest, issuer: Desk, who: Annotated[Principal, Depends(role(*DECIDERS))]
) -> CaseView:
    appeal = issuer.lodge_appeal(
        against=body.against,
        subject=body.subject,
        appellant=body.appellant,
        grounds=body.grounds,
        by=who,
    )
    return CaseView.model_validate(appeal.to_json())


@router.post(
    "/appeals/{case_id}/decide",
    operation_id="decideAppeal",
    responses=documented(*AUTH, 404, 409, *BODY, *STORE),
)
def decide_appeal(
    case_id: str,
    body: DecideAppealRequest,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("approver"))],
) -> CaseView:
    appeal = issuer.decide_appeal(case_id, outcome=body.outcome, by=who, note=body.note)
    return CaseView.model_validate(appeal.to_json())


@router.get("/appeals", operation_id="listAppeals", responses=documented(*AUTH, 422, *STORE))
def list_appeals(
    issuer: Desk,
    who: Annotated[Principal, Depends(role(*STAFF))],
    state: Literal["open", "closed"] | None = None,
) -> list[CaseView]:
    return [CaseView.model_validate(a.to_json()) for a in issuer.appeals(state=state)]
