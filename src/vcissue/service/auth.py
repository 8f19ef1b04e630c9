"""Who is calling: the bearer API key -> a ``Principal`` with a role (FastAPI dependencies).

The keys themselves (create, list, revoke, check) live in ``vcissue.governance.principals``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..governance.principals import Principal, authenticate

__all__ = ["principal", "role"]

_bearer = HTTPBearer(auto_error=False, description="an API key from `vcissue apikey create`")


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = credentials.credentials if credentials is not None else None
    state = request.app.state
    found = authenticate(state.issuer.store, token, now=state.issuer.now())
    if found is None:
        raise HTTPException(
            401,
            "a valid API key is required (Authorization: Bearer ...)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return found


def role(*allowed: str) -> Callable[[Principal], Principal]:
    """A dependency admitting principals with one of the ``allowed`` roles."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not any(who.has(role) for role in allowed):
            raise HTTPException(
                403, f"{who.id!r} may not do this; it needs the role {' or '.join(allowed)}"
            )
        return who

    return check
