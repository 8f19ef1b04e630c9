"""The body's reports (``vcissue.issuer.reports``), for the auditor role: JSON, or CSV by
``Accept: text/csv`` or ``?format=csv``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from ...governance.principals import Principal
from ...issuer.reports import report, to_csv
from ..auth import role
from ..problems import documented
from . import AUTH, STORE, Desk, StrictJsonRoute, aware

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute)

_ROWS: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
_REPORT = {
    "type": "object",
    "required": ["report", "asOf", "rows"],
    "properties": {"report": {"type": "string"}, "asOf": {"type": "string"}, "rows": _ROWS},
}


@router.get(
    "/reports/{name}",
    operation_id="getReport",
    response_model=None,
    responses={
        200: {
            "description": "counts (by qualification, full/unit, accreditation, state), "
            "issued (per qualification per month) or expiring (within ?days=)",
            "content": {
                "application/json": {"schema": _REPORT},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **documented(*AUTH, 422, *STORE),
    },
)
def get_report(
    name: Literal["counts", "issued", "expiring"],
    request: Request,
    issuer: Desk,
    who: Annotated[Principal, Depends(role("auditor"))],
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: datetime | None = None,
    days: Annotated[int, Query(ge=1, le=3660)] = 90,
    format: Literal["json", "csv"] | None = None,
) -> Response:
    found = report(
        issuer,
        name,
        since=aware(since) if since else None,
        until=aware(until) if until else None,
        within_days=days,
    )
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        return Response(
            to_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return JSONResponse(found.to_json())
