"""The public register (ISO/IEC 17024 7.2.1; seed 001 4.28-4.29): anyone enters a
certificate number and sees whether it is current, for whom, for which scope, from which
(accredited) body, and when; never why not. Given a name too, the answer is yes or no
only ("is this person certified?").

``GET /register`` is an HTML page (no script) or JSON by content negotiation (``Accept:
application/json``); ``GET /register/{id or number}`` is JSON. Every lookup spends one of
the client's lookups (``[register] lookups_per_minute``); past the limit: 429 with
``Retry-After``, as a problem for JSON clients and as the page for browsers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from ...errors import UnknownCredentialError
from ...i18n import LANGUAGES, Translator, translator
from ..problems import Refused, documented
from ..ratelimit import RateLimit
from ..register_page import page
from ..schemas import HolderCheck, PublicAnswer
from . import STORE, Desk, StrictJsonRoute

__all__ = ["openapi_components", "router"]

router = APIRouter(route_class=StrictJsonRoute)
NOT_ISSUED = "no certificate with this id or number was issued by this body"


def _or_page(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Problem responses that browsers get as the page instead (text/html)."""
    responses = documented(*statuses)
    for status in statuses:
        responses[str(status)]["content"]["text/html"] = {"schema": {"type": "string"}}
    return responses


def openapi_components() -> dict[str, Any]:
    """The JSON answers' schemas, for the OpenAPI document (the routes name them by $ref
    because they also answer HTML)."""
    components: dict[str, Any] = {}
    for model in (PublicAnswer, HolderCheck):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    return components


def _qualities(accept: str | None) -> tuple[float, float]:
    """(JSON, HTML) qualities ``Accept`` gives; wildcards count for neither."""
    best: dict[str, float] = {}
    for item in (accept or "").split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if kind in ("application/json", "application/problem+json", "text/html"):
            best[kind] = max(best.get(kind, 0.0), quality)
    json_q = max(best.get("application/json", 0.0), best.get("application/problem+json", 0.0))
    return json_q, best.get("text/html", 0.0)


def wants_json(accept: str | None) -> bool:
    """Whether ``Accept`` prefers JSON to HTML (no header, or ``*/*``: HTML)."""
    json_q, html_q = _qualities(accept)
    return json_q > html_q


def wants_html(accept: str | None) -> bool:
    """Whether ``Accept`` prefers HTML to JSON (no header, or ``*/*``: JSON)."""
    json_q, html_q = _qualities(accept)
    return html_q > json_q


def page_language(requested: str | None, accept_language: str | None) -> Translator:
    """``?lang=`` when it names a catalogue, else the best of ``Accept-Language``."""
    if requested and requested.split("-")[0].lower() in LANGUAGES:
        return translator(requested)
    ranked = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        code = tag.split("-")[0].lower()
        if code in LANGUAGES and quality > 0:
            ranked.append((-quality, position, code))
    return translator(min(ranked)[2] if ranked else None)


def _limit(request: Request, *, as_json: bool) -> None:
    """Spend one lookup of the caller's address; 429 when none is left."""
    limit: RateLimit = request.app.state.register_limit
    client = request.client.host if request.client else "unknown"
    wait = limit.take(client)
    if wait is None:
        return
    headers = {"Retry-After": str(wait)}
    detail = f"too many register lookups from this address; retry in {wait} s"
    if as_json:
        raise Refused(429, detail, kind="rate-limited", headers=headers)
    _ = page_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    text = _("Too many lookups from your address: please try again in a minute.")
    raise _PageRefusal(page(_, body_name=_body(request), refused=text), headers)


class _PageRefusal(Exception):
    def __init__(self, html: str, headers: dict[str, str]) -> None:
        self.html, self.headers = html, headers


def _body(request: Request) -> str:
    desk = request.app.state.issuer
    name: str = request.app.state.brand.name or desk.profile.name
    return name


Number = Annotated[str, Query(max_length=64, description="a certificate number or id")]
Name = Annotated[str, Query(max_length=500, description="the holder's name: yes/no only")]
Lang = Annotated[str, Query(max_length=16, description="page language (en, hr)")]


@router.get(
    "/register",
    operation_id="registerPage",
    response_model=None,
    responses={
        200: {
            "description": "the register page (text/html), or with a number the entry, or "
            "with a number and a name only whether that person holds it (JSON by Accept)",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/PublicAnswer"},
                            {"$ref": "#/components/schemas/HolderCheck"},
                        ]
                    }
                },
            },
        },
        **_or_page(404, 429),
        **documented(*STORE),
    },
)
def register_page(
    request: Request, issuer: Desk, number: Number = "", name: Name = "", lang: Lang = ""
) -> Response:
    as_json = wants_json(request.headers.get("accept"))
    number, name = number.strip(), " ".join(name.split())
    if not number:
        if as_json:
            raise Refused(422, "number: a certificate number is required", kind="invalid-request")
        _ = page_language(lang, request.headers.get("accept-language"))
        return HTMLResponse(page(_, body_name=_body(request)))
    return _answer(request, issuer, number, name, lang, as_json=as_json)


def _answer(
    request: Request, issuer: Desk, number: str, name: str, lang: str, *, as_json: bool
) -> Response:
    """One lookup: the entry for ``number`` (or, given ``name``, yes or no)."""
    try:
        _limit(request, as_json=as_json)
    except _PageRefusal as refusal:
        return HTMLResponse(refusal.html, status_code=429, headers=refusal.headers)
    try:
        answer = issuer.public_status(number)
    except UnknownCredentialError:
        answer = None
    _ = page_language(lang, request.headers.get("accept-language"))
    if name:
        confirmed = issuer.confirms(number, name)
        if as_json:
            check = HolderCheck(number=number, name=name, certified=confirmed)
            return JSONResponse(check.model_dump())
        html = page(_, body_name=_body(request), number=number, name=name, confirmed=confirmed)
        return HTMLResponse(html)
    if as_json:
        if answer is None:
            raise HTTPException(404, NOT_ISSUED)
        return JSONResponse(PublicAnswer.model_validate(answer.to_json()).model_dump(mode="json"))
    html = page(_, body_name=_body(request), number=number, answer=answer, unknown=answer is None)
    return HTMLResponse(html, status_code=404 if answer is None else 200)


@router.get(
    "/register/{credential_id}",
    operation_id="getPublicStatus",
    response_model=None,
    responses={
        200: {
            "description": "the register's entry (JSON; HTML when Accept prefers it)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/PublicAnswer"}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        **_or_page(404, 429),
        **documented(*STORE),
    },
)
def register(credential_id: str, request: Request, issuer: Desk) -> Response:
    """JSON, unless ``Accept`` prefers HTML (a phone opening a printed register link)."""
    as_json = not wants_html(request.headers.get("accept"))
    return _answer(request, issuer, credential_id, "", "", as_json=as_json)
