"""What the body holds about a person (``vcissue.issuer.holders``), for the operator who
answers holders' requests: ``GET /holders/{key}/export`` is ``vcissue holder export``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ...governance.principals import Principal
from ...issuer.holders import holder_export
from ..auth import role
from ..problems import documented
from . import AUTH, STORE, Desk, StrictJsonRoute

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
