"""RFC 9457 problem details: every error the service returns has this JSON shape."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from ..errors import (
    CredentialError,
    MalformedInput,
    NotPermitted,
    PolicyError,
    StatusListError,
    StoreError,
    UnknownCredentialError,
    VcissueError,
)

__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "Refused",
    "documented",
    "install",
    "openapi_components",
    "problem",
]

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://vcissue.dev/problems/"

# Library error -> HTTP status. Order matters: the first matching base class wins.
_STATUS: tuple[tuple[type[VcissueError], int], ...] = (
    (UnknownCredentialError, 404),
    (NotPermitted, 403),
    (PolicyError, 409),
    (MalformedInput, 422),
    (CredentialError, 422),
    (StatusListError, 422),
    (StoreError, 503),
)


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Invalid request",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


class ProblemItem(BaseModel):
    location: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``type`` ends in the library's stable error code."""

    model_config = ConfigDict(extra="forbid")

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] | None = None  # request validation: every field at fault


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, as problem+json bodies."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        str(status): {
            "description": f"{_TITLES[status]} (RFC 9457 problem details)",
            "content": {PROBLEM_JSON: {"schema": schema}},
        }
        for status in statuses
    }


class Refused(HTTPException):
    """A well-formed request the service declines, with its own problem ``kind``."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, str]] | None = None,  # each part at fault: location, message
    ) -> None:
        super().__init__(status, detail, headers=headers)
        self.kind = kind
        self.errors = errors


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": TYPE_BASE + kind, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _for_library_error(error: VcissueError) -> JSONResponse:
    status = next((code for cls, code in _STATUS if isinstance(error, cls)), 400)
    title = type(error).__name__
    detail = "the store is unavailable" if status == 503 else str(error)
    return problem(status, title, detail, kind=error.code)


def openapi_components() -> dict[str, Any]:
    """``Problem`` and the models it uses, as OpenAPI component schemas."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = schema.pop("$defs", {})
    components["Problem"] = schema
    return components


def install(app: FastAPI) -> None:
    """Route every error path (library, validation, routing, unexpected) to a problem."""

    @app.exception_handler(VcissueError)
    async def library_error(request: Request, error: VcissueError) -> JSONResponse:
        return _for_library_error(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "location": ".".join(str(part) for part in item.get("loc", ())),
                "message": str(item.get("msg", "")),
            }
            for item in error.errors()
        ]
        first = errors[0] if errors else {"location": "", "message": "invalid request"}
        return problem(
            422,
            "Invalid request",
            f"{first['location']}: {first['message']}",
            kind="invalid-request",
            errors=errors,
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        errors = getattr(error, "errors", None)
        return problem(
            error.status_code,
            _TITLES.get(error.status_code, "HTTP error"),
            str(error.detail),
            kind=getattr(error, "kind", f"http-{error.status_code}"),
            headers=dict(error.headers or {}),
            **({"errors": errors} if errors else {}),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # A bug, not bad input: say nothing about internals.
        return problem(
            500, "Internal error", "the server could not complete the request", kind="internal"
        )
