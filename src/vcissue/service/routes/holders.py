"""What the body holds about a person (``vcissue.issuer.holders``), for the operator who
answers holders' requests: ``GET /holders/{key}/export`` is ``vcissue holder export``;
``POST /holders/{key}/erase`` is ``vcissue holder erase``, a decision under the ``erase``
policy (two approvers by default: 202 while pending)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ...governance.principals import Principal
from ...issuer.holders import holder_export
from ..auth import role
from ..problems import documented
from ..schemas import StatusChanged
from . import AUTH, STORE, Desk, StrictJsonRoute
from .credentials import PENDING_OR_DONE, decided

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute)

_EXPORT: dict[str, Any] = {
    "type": "object",
    "required": ["format", "holder", "credentials", "cases", "audit"],
}


@router.get(
    "/holders/{key}/export",
    operation_id="exportHolder",
    response_model=None,
    responses={
        200: {
            "description": "everything held about the holder of the certificate KEY (a "
            "number or an id): credential records, cases, audit entries",
            "content": {"application/json": {"schema": _EXPORT}},
        },
        **documented(*AUTH, 404, *STORE),
    },
)
def export_holder(
    key: str, issuer: Desk, who: Annotated[Principal, Depends(role("operator"))]
) -> JSONResponse:
    return JSONResponse(holder_export(issuer, key))


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=2000)] = "erasure request"


@router.post(
    "/holders/{key}/erase",
    operation_id="eraseHolder",
    responses=PENDING_OR_DONE,
)
def erase_holder(
    key: str,
    request: EraseRequest,
    response: Response,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("operator", "approver"))],
) -> StatusChanged:
    """Erase the personal data of the holder of the certificate KEY from every record;
    ids, status bits and the audit log stay (``vcissue.issuer.erasure``)."""
    outcome = issuer.erase(key, reason=request.reason, by=who)
    if issuer.credential_id(key) == key and not key.startswith("urn:"):
        if outcome.state == "pending":
            response.status_code = 202
        return StatusChanged(  # an imported certificate without a credential
            credentialId=key,
            state="imported",
            decision=outcome.case_id,
            decisionState=outcome.state,  # type: ignore[arg-type]  # one of the four
            approvals=list(outcome.approvals),
            required=outcome.required,
        )
    return decided(response, issuer, issuer.get(key).id, outcome)
