"""Wallets: OpenID4VCI 1.0 (pre-authorized code), offers made by staff, and presentations
verified (VC-API ``/presentations/verify``). docs/wallets.md draws the sequences.

OAuth and OpenID4VCI mandate their own error shape, ``{"error", "error_description"}``
(RFC 6749 5.2, OpenID4VCI 1.0 8.3.1): ``WalletError`` is answered so, never as a problem
document; everything else on these routes is a problem as on every route.
"""

from __future__ import annotations

import json
from html import escape
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

import segno
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ...errors import MalformedInput, WalletError
from ...governance.principals import Principal
from ...strictjson import parse_json
from ...verify.presentation import verify_presentation
from ...wallet import Openid4vci
from ...wallet.holder_page import HOLDER_PATH, HolderLinks
from ...wallet.oid4vci import CREDENTIAL_PATH, NONCE_PATH, OFFER_PATH, TOKEN_PATH
from ...wallet.vcapi import EXCHANGE_PATH, Exchanges
from ..auth import role
from ..problems import Refused, documented
from ..schemas import VerificationReport
from . import AUTH, BODY, STORE, Desk, StrictJsonRoute
from .credentials import local_lists

__all__ = ["install", "router"]

router = APIRouter(route_class=StrictJsonRoute, tags=["wallet"])
Nonce = Annotated[str, Field(min_length=1, max_length=500)]
NO_STORE = {"Cache-Control": "no-store"}
MAX_FORM_BYTES = 8 * 1024


_OAUTH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


def oauth_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the protocol's own error shape (RFC 6749 5.2)."""
    return {
        str(status): {
            "description": "OAuth / OpenID4VCI error",
            "content": {"application/json": {"schema": _OAUTH_ERROR}},
        }
        for status in statuses
    }


def install(app: FastAPI, oid4vci: Openid4vci, exchanges: Exchanges, links: HolderLinks) -> None:
    """The OpenID4VCI issuer, the VC-API exchanges and holder links on ``app``; OAuth's
    error shape."""
    app.state.oid4vci = oid4vci
    app.state.exchanges = exchanges
    app.state.holder_links = links

    @app.exception_handler(WalletError)
    async def protocol_error(request: Request, error: WalletError) -> JSONResponse:
        headers = dict(NO_STORE)
        if error.status == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
        return JSONResponse(
            {"error": error.error, "error_description": error.description},
            status_code=error.status,
            headers=headers,
        )


def _oid4vci(request: Request) -> Openid4vci:
    found: Openid4vci = request.app.state.oid4vci
    return found


Issuance = Annotated[Openid4vci, Depends(_oid4vci)]


def _exchanges(request: Request) -> Exchanges:
    found: Exchanges = request.app.state.exchanges
    return found


ExchangeDesk = Annotated[Exchanges, Depends(_exchanges)]


class OfferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Literal["oid4vci", "vcapi"] = "oid4vci"


@router.post(
    "/credentials/{credential_id}/offers",
    status_code=201,
    operation_id="createWalletOffer",
    responses=documented(*AUTH, 404, 409, *BODY, *STORE),
)
def create_offer(
    credential_id: str,
    issuance: Issuance,
    exchanges: ExchangeDesk,
    who: Annotated[Principal, Depends(role("issuer", "operator"))],
    body: OfferRequest | None = None,
) -> dict[str, Any]:
    """An OpenID4VCI credential offer of a stored credential (send ``offer_deep_link`` or
    its QR code to the holder, ``tx_code`` by another channel), or with ``{"protocol":
    "vcapi"}`` a VC-API exchange (``exchange_url``, ``deep_link`` for the Learner
    Credential Wallet)."""
    if body is not None and body.protocol == "vcapi":
        return exchanges.create(credential_id, actor=who.id).to_json()
    return issuance.offer(credential_id, actor=who.id).to_json()


@router.post(
    EXCHANGE_PATH + "/{exchange_id}",
    operation_id="exchangeStep",
    responses=documented(404, 409, *BODY, *STORE),
)
async def exchange(exchange_id: str, request: Request, exchanges: ExchangeDesk) -> dict[str, Any]:
    """A VC-API exchange step: ``{}`` -> a DIDAuthentication request (challenge, domain);
    ``{"verifiablePresentation"}`` signed with them -> the credential bound to its signer."""
    body = await request.json()
    if not isinstance(body, dict):
        raise Refused(422, "the body must be a JSON object", kind="invalid-request")
    try:
        return exchanges.step(exchange_id, body)
    except WalletError as error:  # VC-API has no error shape of its own: a problem
        raise Refused(error.status, error.description, kind=error.error) from None


@router.get("/.well-known/openid-credential-issuer", operation_id="credentialIssuerMetadata")
def issuer_metadata(issuance: Issuance) -> dict[str, Any]:
    return issuance.metadata()


@router.get("/.well-known/oauth-authorization-server", operation_id="authorizationServerMetadata")
def authorization_server_metadata(issuance: Issuance) -> dict[str, Any]:
    return issuance.authorization_server_metadata()


@router.get(
    OFFER_PATH + "/{reference}", operation_id="credentialOffer", responses=oauth_errors(400, 404)
)
def credential_offer(reference: str, issuance: Issuance) -> JSONResponse:
    return JSONResponse(issuance.credential_offer(reference), headers=NO_STORE)


@router.post(TOKEN_PATH, operation_id="token", responses=oauth_errors(400))
async def token(request: Request, issuance: Issuance) -> JSONResponse:
    """RFC 6749 token request (``application/x-www-form-urlencoded``)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise WalletError("invalid_request", "the token request is too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise WalletError("invalid_request", "the body is not a URL-encoded form") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise WalletError("invalid_request", "a parameter is repeated")
    return JSONResponse(issuance.token(form), headers=NO_STORE)


@router.post(NONCE_PATH, operation_id="nonce")
def nonce(issuance: Issuance) -> JSONResponse:
    return JSONResponse(issuance.nonce(), headers=NO_STORE)


@router.post(CREDENTIAL_PATH, operation_id="credential", responses=oauth_errors(400, 401))
async def credential(request: Request, issuance: Issuance) -> JSONResponse:
    body = await request.body()
    try:
        request_body = parse_json(body, what="credential request")
    except MalformedInput as error:  # the protocol's own error, not a problem
        raise WalletError("invalid_credential_request", str(error)) from None
    if not isinstance(request_body, dict):
        raise WalletError("invalid_credential_request", "the request must be a JSON object")
    answer = issuance.credential(request.headers.get("authorization"), request_body)
    return JSONResponse(answer, headers=NO_STORE)


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


# --- the holder page -----------------------------------------------------------------


def _links(request: Request) -> HolderLinks:
    found: HolderLinks = request.app.state.holder_links
    return found


Links = Annotated[HolderLinks, Depends(_links)]
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the URL is the capability: never leak it
    "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "form-action 'self'",
    "X-Robots-Tag": "noindex",
}


@router.post(
    "/credentials/{credential_id}/holder-links",
    status_code=201,
    operation_id="createHolderLink",
    responses=documented(*AUTH, 404, *STORE),
)
def create_holder_link(
    credential_id: str,
    links: Links,
    who: Annotated[Principal, Depends(role("issuer", "operator"))],
) -> dict[str, str]:
    """A new capability link to the holder page of the credential (send it to the holder)."""
    return links.create(credential_id, actor=who.id).to_json()


@router.post(
    "/credentials/{credential_id}/holder-links/revoke",
    operation_id="revokeHolderLinks",
    responses=documented(*AUTH, 404, *STORE),
)
def revoke_holder_links(
    credential_id: str,
    links: Links,
    who: Annotated[Principal, Depends(role("issuer", "operator"))],
) -> dict[str, int]:
    return {"revoked": links.revoke(credential_id, actor=who.id)}


def _resolve(links: HolderLinks, token: str) -> Any:
    try:
        return links.resolve(token)
    except WalletError as error:  # a page, not an OAuth endpoint: a problem
        raise Refused(error.status, error.description, kind=error.error) from None


def _page(title: str, body: str) -> HTMLResponse:
    text = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>body{{font-family:sans-serif;max-width:40em;"
        "margin:2em auto;padding:0 1em}img{max-width:16em}</style></head>"
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(text, headers=PAGE_HEADERS)


@router.get(
    HOLDER_PATH + "/{token}",
    operation_id="holderPage",
    response_class=HTMLResponse,
    responses=documented(404, 409, *STORE),
)
def holder_page(token: str, links: Links) -> HTMLResponse:
    """The holder's page: the credential as JSON and PDF, and into a wallet."""
    record = _resolve(links, token)
    vc = json.loads(record.signed_json)
    name = escape(str(vc.get("name", record.qualification_id)))
    base = f"{HOLDER_PATH}/{escape(token)}"
    body = (
        f"<h1>{name}</h1><p>{escape(record.holder_name)}</p>"
        f'<p><a href="{base}/credential.json" download>Download the credential (JSON)</a> · '
        f'<a href="{base}/certificate.pdf" download>Download the certificate (PDF)</a></p>'
        "<h2>Into your wallet</h2>"
        f'<form method="post" action="{base}/offers/oid4vci"><button>OpenID4VCI wallet '
        "(a QR code and a transaction code)</button></form><p></p>"
        f'<form method="post" action="{base}/offers/vcapi"><button>Learner Credential '
        "Wallet (a QR code)</button></form>"
    )
    return _page(str(vc.get("name", "Your credential")), body)


@router.get(
    HOLDER_PATH + "/{token}/credential.json",
    operation_id="holderCredential",
    responses=documented(404, 409, *STORE),
)
def holder_credential(token: str, links: Links) -> Response:
    record = _resolve(links, token)
    return Response(
        record.signed_json,
        media_type="application/vc+ld+json",
        headers={**PAGE_HEADERS, "Content-Disposition": 'attachment; filename="credential.json"'},
    )


@router.get(
    HOLDER_PATH + "/{token}/certificate.pdf",
    operation_id="holderCertificate",
    responses=documented(404, 409, *STORE),
)
def holder_certificate(token: str, links: Links, http: Request) -> Response:
    from ...render import certificate, certificate_view, render_pdf

    record = _resolve(links, token)
    settings = http.app.state.settings
    view = certificate_view(
        json.loads(record.signed_json), verifier_url=settings.printed_verifier_url()
    )
    qualification = http.app.state.issuer.qualifications.get(record.qualification_id)
    own = view.issuer_id == http.app.state.keys.did  # another body's carries no [brand]
    document = certificate(
        view,
        brand=http.app.state.brand if own else None,
        language=str(record.terms.get("language") or "en"),
        accreditation=qualification.accreditation if qualification else None,
    )
    pdf = render_pdf(view, document)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**PAGE_HEADERS, "Content-Disposition": 'attachment; filename="certificate.pdf"'},
    )


@router.post(
    HOLDER_PATH + "/{token}/offers/{protocol}",
    operation_id="holderOffer",
    response_class=HTMLResponse,
    responses=documented(404, 409, *STORE),
)
def holder_offer(
    token: str,
    protocol: Literal["oid4vci", "vcapi"],
    links: Links,
    issuance: Issuance,
    exchanges: ExchangeDesk,
) -> HTMLResponse:
    """A fresh offer for the holder's wallet, as a QR code and a link (the holder link is
    the holder's own channel, so the OpenID4VCI transaction code is shown with it)."""
    record = _resolve(links, token)
    if protocol == "vcapi":
        link = exchanges.create(record.id, actor="holder-page").deep_link
        extra = ""
    else:
        offer = issuance.offer(record.id, actor="holder-page")
        link = offer.deep_link
        extra = f"<p>Transaction code: <strong>{escape(offer.tx_code)}</strong></p>"
    image = segno.make(link, error="m").png_data_uri(scale=6, border=4)
    body = (
        "<h1>Scan with your wallet</h1>"
        f'<p><img alt="QR code of the wallet offer" src="{image}"></p>{extra}'
        f'<p><a href="{escape(link)}">Open in a wallet on this device</a></p>'
        "<p>Single use; it expires in minutes.</p>"
    )
    return _page("Into your wallet", body)
