"""The service's routes, one module per area; each exposes ``router`` (an APIRouter).

Routes translate HTTP to application calls (``Issuer``, ``verify_credential``) and back;
every rule lives in the library. ``desk`` gives a route the app's Issuer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from ... import proofs
from ...issuer import Issuer

__all__ = ["AUTH", "BODY", "STORE", "Desk", "aware", "text"]

# What can go wrong on every route that needs a key, a body, or the store.
AUTH = (401, 403)
BODY = (400, 413, 422)  # 400: a body that is not UTF-8 JSON at all
STORE = (503,)


def _desk(request: Request) -> Issuer:
    issuer: Issuer = request.app.state.issuer
    return issuer


Desk = Annotated[Issuer, Depends(_desk)]


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def text(moment: datetime | None) -> str | None:
    return None if moment is None else proofs.format_datetime(moment)
