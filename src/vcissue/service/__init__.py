"""The issuer service: a thin FastAPI front for ``issuer.py`` and ``verify.py``.

Routes translate HTTP to library calls and library errors to RFC 9457 problems; every
rule lives in the library. ``create_app(settings)`` builds the app;
``vcissue serve`` runs it with uvicorn (``app_from_env`` is the factory workers import).

Routes (VC-API shapes where one exists)::

    POST /credentials/issue      issuer     award request -> 201 {"verifiableCredential"}
    POST /credentials/verify     public     {"verifiableCredential"} -> verification report
    POST /credentials/status     operator   suspend / reinstate; revoke (operator or
                                 approver)  -> 200, or 202 while approvals are pending
    GET  /credentials/{id}       staff      the stored record and signed credential
    GET  /status-lists/{name}    public     the signed status list credential (ETag, 304)
    GET  /.well-known/did.json   public     the body's did:web document, current + past keys
    GET  /qualifications[/{id}]  public     scheme information (ISO/IEC 17024 7.2)
    GET  /register/{id}          public     current and valid, for which scope?
    GET  /audit                  auditor    the audit log and its chain check
    GET  /health                 public

Status list URLs must be ``{base_url}/status-lists/{name}``: set ``status.base_url`` to
the service's public URL + ``/status-lists``.

Unsigned credentials: VC-API's ``{"credential": ...}`` body is recognised and refused
(422, problem type ``unsigned-credential-refused``). Everything a certificate asserts --
the scheme and its version, the units, the validity period, the status entries, the
issuer -- comes from the body's own qualification catalogue and store, so the library can
check it; signing claims a caller composed would put the body's signature on statements
no rule has checked. Callers send the award request instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Discriminator, Tag
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__, proofs
from ..errors import KeyMaterialError, StatusListError, UnknownCredentialError
from ..issuer import Issuer
from ..keystore import KeyStore
from ..model import Award, Holder, qualification_to_dict
from ..settings import Settings, load_settings, read_passphrase
from ..store import Store, open_store
from ..verify import TrustList, verify_credential
from . import problems
from .auth import Principal, authenticate
from .problems import documented
from .schemas import (
    AuditLog,
    CredentialView,
    Health,
    Issued,
    IssueRequest,
    PublicAnswer,
    QualificationInfo,
    QualificationSummary,
    StatusChanged,
    StatusRequest,
    UnsignedCredentialRequest,
    VerificationReport,
    VerifyRequest,
)

__all__ = ["app_from_env", "create_app"]

MAX_BODY_BYTES = 256 * 1024
STATUS_LIST_MAX_AGE = 300  # seconds verifiers may cache a list (the spec's default ttl)
STAFF = ("issuer", "operator", "approver", "auditor")
Clock = Callable[[], datetime]

# --- body size limit ------------------------------------------------------------------


class BodyLimit:
    """413 for a body over ``limit`` bytes, declared or streamed (ASGI middleware)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            more = message.get("more_body", False)
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problems.problem(
            413,
            "Content Too Large",
            f"request bodies are limited to {self.limit} bytes",
            kind="http-413",
        )
        await response(scope, receive, send)


# --- the app --------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


_bearer = HTTPBearer(auto_error=False, description="an API key from `vcissue apikey create`")
# What can go wrong on every route that needs a key, a body, or the store.
AUTH = (401, 403)
BODY = (400, 413, 422)  # 400: a body that is not UTF-8 JSON at all
STORE = (503,)


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = credentials.credentials if credentials is not None else None
    found = authenticate(request.app.state.store, token)
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
        if who.role not in allowed:
            raise HTTPException(
                403, f"role {who.role!r} may not do this; needs {' or '.join(allowed)}"
            )
        return who

    return check


def _issue_body_kind(body: Any) -> str:
    return "unsigned-credential" if isinstance(body, dict) and "credential" in body else "award"


# The issue route's body: an award request, or VC-API's unsigned credential (refused by name).
IssueBody = Annotated[
    Annotated[IssueRequest, Tag("award")]
    | Annotated[UnsignedCredentialRequest, Tag("unsigned-credential")],
    Discriminator(_issue_body_kind),
]


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    passphrase: bytes | None = None,
) -> FastAPI:
    """The service over ``settings``; ``store``/``clock`` replace the configured ones."""
    clock = clock or _now
    keys = KeyStore(settings.keys_dir)
    secret = passphrase if passphrase is not None else read_passphrase(settings)
    if secret is None:
        raise KeyMaterialError(
            "the service needs the key passphrase (keys.passphrase_file or $VCISSUE_KEY_PASSPHRASE)"
        )
    store = store or open_store(settings.store_url)
    issuer = Issuer(
        store,
        keys.signing_key(secret, now=clock()),
        keys.issuer_profile(),
        settings.qualifications(),
        settings.issuer_settings(),
        clock=clock,
    )
    trust = TrustList.of(keys.trusted_issuer())
    list_prefix = settings.status_base_url + "/"

    app = FastAPI(
        title="vcissue issuer service",
        version=__version__,
        description=__doc__,
    )
    problems.install(app)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    def local_list(url: str) -> Mapping[str, Any]:
        if not url.startswith(list_prefix):
            raise StatusListError(f"{url} is not a status list of this service")
        record = store.read(lambda tx: tx.get_list(url))
        if record is None or record.published_json is None:
            raise StatusListError(f"no status list {url}")
        document: Mapping[str, Any] = json.loads(record.published_json)
        return document

    @app.get("/health", operation_id="health", responses=documented(*STORE))
    def health() -> Health:
        return Health(
            status="ok",
            version=__version__,
            store=store.backend,
            schemaVersion=store.schema_version(),
        )

    credential_id = "$response.body#/verifiableCredential/id"
    issued_links = {
        "getCredential": {
            "operationId": "getCredential",
            "parameters": {"credential_id": credential_id},
        },
        "getPublicStatus": {
            "operationId": "getPublicStatus",
            "parameters": {"credential_id": credential_id},
        },
        "suspendCredential": {
            "operationId": "updateCredentialStatus",
            "requestBody": {
                "credentialId": credential_id,
                "action": "suspend",
                "reason": "linked",
                "until": "2099-01-01T00:00:00Z",
            },
        },
    }

    @app.post(
        "/credentials/issue",
        status_code=201,
        operation_id="issueCredential",
        responses={
            "201": {"description": "the signed credential", "links": issued_links},
            **documented(*AUTH, 404, 409, *BODY, *STORE),
        },
    )
    def issue(body: IssueBody, who: Annotated[Principal, Depends(role("issuer"))]) -> Issued:
        if isinstance(body, UnsignedCredentialRequest):
            raise problems.Refused(
                422,
                "this service signs only what it can check: send an award request "
                "({qualification, holder, units?, ...}), not an unsigned credential",
                kind="unsigned-credential-refused",
            )
        qualification = issuer.qualification(body.qualification)
        award = Award(
            holder=Holder(body.holder.name, body.holder.id, qualification.subject_kind),
            qualification=qualification,
            awarded=_aware(body.awarded) if body.awarded else issuer.now(),
            units=tuple(body.units) if body.units else None,
            scope=body.scope,
            limitations=tuple(body.limitations),
        )
        issued = issuer.issue(award, actor=who.name, batch_key=body.reference)
        return Issued(verifiableCredential=issued.credential, created=issued.created)

    @app.post(
        "/credentials/verify",
        operation_id="verifyCredential",
        responses=documented(*BODY, *STORE),
    )
    def verify(request: VerifyRequest) -> VerificationReport:
        result = verify_credential(
            request.verifiableCredential,
            trust=trust,
            now=clock(),
            status_lists=local_list if request.options.checkStatus else None,
        )
        return VerificationReport.model_validate(result.to_json())

    @app.post(
        "/credentials/status",
        operation_id="updateCredentialStatus",
        responses={
            202: {"description": "revocation pending: more approvers needed"},
            **documented(*AUTH, 404, 409, *BODY, *STORE),
        },
    )
    def change_status(
        request: StatusRequest,
        response: Response,
        who: Annotated[Principal, Depends(role("operator", "approver"))],
    ) -> StatusChanged:
        if request.action == "revoke":
            outcome = issuer.revoke(request.credentialId, reason=request.reason, actor=who.name)
            if outcome.state == "pending":
                response.status_code = 202
            return StatusChanged(
                credentialId=request.credentialId,
                state=outcome.state,
                approvals=list(outcome.approvals),
                required=outcome.required,
            )
        if who.role != "operator":
            raise HTTPException(403, f"role {who.role!r} may not {request.action}; needs operator")
        if request.action == "suspend":
            if request.until is None:
                raise problems.Refused(
                    422, "until: a suspension needs a deadline", kind="invalid-request"
                )
            record = issuer.suspend(
                request.credentialId,
                reason=request.reason,
                until=_aware(request.until),
                actor=who.name,
            )
        else:
            record = issuer.reinstate(request.credentialId, actor=who.name, reason=request.reason)
        return StatusChanged(credentialId=record.id, state=record.state)

    @app.get(
        "/credentials/{credential_id}",
        operation_id="getCredential",
        responses=documented(*AUTH, 404, *STORE),
    )
    def get_credential(
        credential_id: str, who: Annotated[Principal, Depends(role(*STAFF))]
    ) -> CredentialView:
        record = issuer.get(credential_id)
        return CredentialView(
            credentialId=record.id,
            state=record.state,
            stateReason=record.state_reason,
            suspendedUntil=_text(record.suspended_until),
            qualification=record.qualification_id,
            units=list(record.units),
            previous=record.previous_id,
            verifiableCredential=json.loads(record.signed_json),
        )

    @app.get(
        "/status-lists/{name}",
        operation_id="getStatusList",
        response_model=None,
        responses={
            200: {
                "description": "the signed Bitstring Status List credential",
                "content": {"application/vc+ld+json": {"schema": {"type": "object"}}},
            },
            304: {"description": "not modified since the ETag given in If-None-Match"},
            **documented(404, *STORE),
        },
    )
    def status_list(name: str, if_none_match: Annotated[str | None, Header()] = None) -> Response:
        record = store.read(lambda tx: tx.get_list(list_prefix + name))
        if record is None or record.published_json is None:
            raise HTTPException(404, f"no status list {name!r}")
        etag = f'"{record.version}"'
        headers = {
            "ETag": etag,
            "Cache-Control": f"public, max-age={STATUS_LIST_MAX_AGE}",
            # public signed documents: the offline verifier page fetches them cross-origin
            "Access-Control-Allow-Origin": "*",
        }
        if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers=headers)
        return Response(record.published_json, media_type="application/vc+ld+json", headers=headers)

    @app.get(
        "/.well-known/did.json",
        operation_id="getDidDocument",
        response_class=JSONResponse,
        responses={
            200: {
                "description": "the body's did:web DID document",
                "content": {"application/did+json": {"schema": {"type": "object"}}},
            }
        },
    )
    def did_document() -> JSONResponse:
        return JSONResponse(keys.did_document(), media_type="application/did+json")

    @app.get("/qualifications", operation_id="listQualifications")
    def qualifications() -> list[QualificationSummary]:
        return [
            QualificationSummary(
                id=q.id,
                title=q.title,
                validity=q.validity,
                units=len(q.units),
                href=f"/qualifications/{q.id}",
            )
            for q in issuer.qualifications.values()
        ]

    @app.get(
        "/qualifications/{qualification_id}",
        operation_id="getQualification",
        responses=documented(404),
    )
    def qualification(qualification_id: str) -> QualificationInfo:
        found = issuer.qualifications.get(qualification_id)
        if found is None:
            raise HTTPException(404, f"no qualification {qualification_id!r}")
        required = issuer.settings.revocation.required(found.id)
        return QualificationInfo(
            scheme=qualification_to_dict(found),
            policies={
                "validity": found.validity,
                "suspension": "A certification may be suspended with a deadline; if the "
                "cause is not resolved by then it is withdrawn (ISO/IEC 17024 9.5).",
                "revocation": f"A revocation takes effect when {required} distinct "
                "approver(s) have confirmed it; revoked and withdrawn certifications are final.",
                "recertification": "Renewal by recertification before expiry; the new "
                "certificate references the previous one.",
                "appeals": "Decisions may be appealed to the certification body in writing.",
                "publicStatus": "Anyone may ask whether a certificate is current and for which "
                "scope at /register/{credential id}.",
            },
        )

    @app.get(
        "/register/{credential_id}",
        operation_id="getPublicStatus",
        responses=documented(404, *STORE),
    )
    def register(credential_id: str) -> PublicAnswer:
        try:
            return PublicAnswer.model_validate(issuer.public_status(credential_id).to_json())
        except UnknownCredentialError:
            raise HTTPException(
                404, "no certificate with this id was issued by this body"
            ) from None

    @app.get("/audit", operation_id="getAuditLog", responses=documented(*AUTH, *STORE))
    def audit(who: Annotated[Principal, Depends(role("auditor"))]) -> AuditLog:
        entries = store.read(lambda tx: tx.audit_entries())
        problems_found = store.read(lambda tx: tx.verify_audit())
        return AuditLog.model_validate(
            {
                "intact": not problems_found,
                "problems": problems_found,
                "entries": [
                    {
                        "seq": e.seq,
                        "at": _text(e.at),
                        "actor": e.actor,
                        "action": e.action,
                        "credentialId": e.credential_id,
                        "details": e.details,
                        "hash": e.hash,
                    }
                    for e in entries
                ],
            }
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            # FastAPI's own 422 (HTTPValidationError) is answered as a problem here
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    if "422" in operation.get("responses", {}):
                        operation["responses"].update(documented(422))
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            schemas.update(problems.openapi_components())
            # the qualifications this body awards are the only ones an award may name
            award = schemas["IssueRequest"]["properties"]["qualification"]
            award["enum"] = sorted(issuer.qualifications)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    app.state.issuer = issuer
    app.state.store = store
    return app


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else proofs.format_datetime(moment)


def app_from_env() -> FastAPI:
    """The uvicorn factory: settings from ``$VCISSUE_CONFIG`` and the environment."""
    return create_app(load_settings(os.environ.get("VCISSUE_CONFIG")))
