"""The service's routes, one module per area; each exposes ``router`` (an APIRouter).

Routes translate HTTP to application calls (``Issuer``, ``verify_credential``) and back;
every rule lives in the library. ``desk`` gives a route the app's Issuer.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute

from ... import proofs
from ...errors import MalformedInput
from ...issuer import Issuer
from ...strictjson import MAX_DEPTH, parse_json
from ..problems import Refused

__all__ = ["AUTH", "BODY", "STORE", "Desk", "StrictJsonRoute", "aware", "text"]

BODY_MAX_DEPTH = MAX_DEPTH + 4  # room for the request's own wrapping of a credential


class _StrictJsonRequest(Request):
    """A request whose JSON body is read by ``vcissue.strictjson``, the parser the CLI and
    the library use: duplicate keys, NaN/Infinity, lone surrogates, text that is not UTF-8
    and nesting past the limit are refused (422 problem, type ``malformed-input``, with the
    parser's message) instead of the standard library's last-key-wins reading."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = parse_json(body, max_depth=BODY_MAX_DEPTH, what="request body")
            except MalformedInput as error:
                raise Refused(422, str(error), kind=error.code) from None
        return self._json


class StrictJsonRoute(APIRoute):
    """The route class of every router: JSON bodies through the one strict parser."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJsonRequest(request.scope, request.receive))

        return strict


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
