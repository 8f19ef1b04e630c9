"""The audit log, for the auditor role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from ...governance.principals import Principal
from ..auth import role
from ..problems import documented
from ..schemas import AuditLog
from . import AUTH, STORE, Desk, StrictJsonRoute, text

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute)


@router.get("/audit", operation_id="getAuditLog", responses=documented(*AUTH, *STORE))
def audit(
    request: Request, issuer: Desk, who: Annotated[Principal, Depends(role("auditor"))]
) -> AuditLog:
    """The log, checked: the chain, and the log replayed against the store's credential
    states, status bits and signed lists (``Issuer.audit_check``)."""
    check = issuer.audit_check(trust=request.app.state.trust)  # every body of the deployment
    return AuditLog.model_validate(
        {
            "intact": check.intact,
            "problems": list(check.problems),
            "entries": [
                {
                    "seq": e.seq,
                    "at": text(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "credentialId": e.credential_id,
                    "details": e.details,
                    "hash": e.hash,
                }
                for e in issuer.audit_entries()
            ],
        }
    )
