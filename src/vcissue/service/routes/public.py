"""What anyone may read: status lists, the DID document, qualifications (the register is
``register.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from ... import __version__
from ...checkpoint import CHECKPOINT_NAME
from ...model import qualification_to_dict
from ...model.scheme import DEFAULT_BODY
from ..problems import documented
from ..schemas import Health, QualificationInfo, QualificationSummary
from . import STORE, Desk, StrictJsonRoute

__all__ = ["router"]

STATUS_LIST_MAX_AGE = 300  # seconds verifiers may cache a list (the spec's default ttl)
router = APIRouter(route_class=StrictJsonRoute)


@router.get("/health", operation_id="health", responses=documented(*STORE))
def health(issuer: Desk) -> Health:
    store = issuer.store
    return Health(
        status="ok", version=__version__, store=store.backend, schemaVersion=store.schema_version()
    )


@router.get(
    f"/status-lists/{CHECKPOINT_NAME}",
    operation_id="getAuditCheckpoint",
    response_model=None,
    responses={
        200: {
            "description": "a signed checkpoint of the audit log as it is now (keep it: "
            "`vcissue audit verify --checkpoint` later proves the log still extends it)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **documented(404, *STORE),
    },
)
def audit_checkpoint(issuer: Desk) -> JSONResponse:
    if not issuer.signs:
        raise HTTPException(404, "this service holds no key to sign a checkpoint")
    return JSONResponse(
        issuer.checkpoint().to_json(),
        headers={"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"},
    )


@router.get(
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
def status_list(
    name: str, issuer: Desk, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    url = f"{issuer.settings.status_base_url}/{name}"
    record = issuer.status_list(url)
    if record is not None and issuer.signs and issuer.needs_renewal(record, issuer.now()):
        issuer.renew_lists([url])  # less than half its validity left: serve it renewed
        record = issuer.status_list(url)
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


@router.get(
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
def did_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.keys.did_document(), media_type="application/did+json")


@router.get(
    "/bodies/{body}/did.json",
    operation_id="getBodyDidDocument",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "the did:web DID document of another awarding body of the "
            "deployment ([bodies.ID] in the settings): did:web:HOST:bodies:ID resolves here",
            "content": {"application/did+json": {"schema": {"type": "object"}}},
        },
        **documented(404),
    },
)
def body_did_document(body: str, request: Request) -> JSONResponse:
    keys = request.app.state.body_keys.get(body)
    if keys is None or body == DEFAULT_BODY or not keys.did.startswith("did:web:"):
        raise HTTPException(404, f"no did:web awarding body {body!r}")
    return JSONResponse(keys.did_document(), media_type="application/did+json")


@router.get("/qualifications", operation_id="listQualifications")
def qualifications(issuer: Desk) -> list[QualificationSummary]:
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


@router.get(
    "/qualifications/{qualification_id}",
    operation_id="getQualification",
    responses=documented(404),
)
def qualification(qualification_id: str, issuer: Desk) -> QualificationInfo:
    found = issuer.qualifications.get(qualification_id)
    if found is None:
        raise HTTPException(404, f"no qualification {qualification_id!r}")
    required = issuer.settings.policies.of("revoke", found.id).approvers
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
            "scope at /register (by certificate number; given a name too, the answer is yes "
            "or no).",
        },
    )
