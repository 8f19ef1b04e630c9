"""Wallets: presentations verified (VC-API ``/presentations/verify``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from ...verify.presentation import verify_presentation
from ..problems import documented
from ..schemas import VerificationReport
from . import BODY, STORE, Desk, StrictJsonRoute
from .credentials import local_lists

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute, tags=["wallet"])
Nonce = Annotated[str, Field(min_length=1, max_length=500)]


class PresentationOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: Nonce  # the challenge the verifier gave the holder
    domain: Nonce  # the verifier's domain, as it gave it
    checkStatus: bool = True


class PresentationVerifyRequest(BaseModel):
    """VC-API's verify-presentation body."""

    model_config = ConfigDict(extra="forbid")

    verifiablePresentation: dict[str, Any]
    options: PresentationOptions


@router.post(
    "/presentations/verify",
    operation_id="verifyPresentation",
    responses=documented(*BODY, *STORE),
)
def verify(request: PresentationVerifyRequest, http: Request, issuer: Desk) -> VerificationReport:
    """The presentation's proof, challenge, domain, freshness and holder binding, then every
    credential's checks (ids ``credentials[i].*``): one report, one verdict."""
    result = verify_presentation(
        request.verifiablePresentation,
        trust=http.app.state.trust,
        challenge=request.options.challenge,
        domain=request.options.domain,
        now=issuer.now(),
        status_lists=local_lists(issuer) if request.options.checkStatus else None,
    )
    return VerificationReport.model_validate(result.to_json())
