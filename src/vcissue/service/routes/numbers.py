"""``POST /numbers/backfill``: certificate numbers for the credentials stored before numbers
existed, as ``vcissue numbers backfill`` gives them (``vcissue.issuer.numbers``): the number
each signed credential carries, else the next of its qualification's pattern. Idempotent;
the operator's housekeeping."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from ...governance.principals import Principal
from ...issuer.numbers import backfill_numbers
from ..auth import role
from ..problems import documented
from . import AUTH, STORE, Desk, StrictJsonRoute

__all__ = ["router"]

router = APIRouter(route_class=StrictJsonRoute)


class Numbered(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credentialId: str
    number: str


class Skipped(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credentialId: str
    reason: str


class BackfillOut(BaseModel):
    """Numbered now; left without a number, and why (e.g. its qualification is not
    loaded). A second request numbers nothing more."""

    model_config = ConfigDict(extra="forbid")

    numbered: list[Numbered]
    skipped: list[Skipped]


@router.post(
    "/numbers/backfill",
    operation_id="backfillNumbers",
    responses=documented(*AUTH, *STORE),
)
def backfill(issuer: Desk, _: Annotated[Principal, Depends(role("operator"))]) -> BackfillOut:
    report = backfill_numbers(issuer)
    return BackfillOut(
        numbered=[Numbered(credentialId=c, number=n) for c, n in report.numbered],
        skipped=[Skipped(credentialId=c, reason=why) for c, why in report.skipped],
    )
