"""The W3C test suites' VC-API routes: test-only, under ``/conformance``.

Mounted only when the settings say ``[testing] unsafe_conformance_routes = true``
(``Settings.unsafe_conformance_routes``); a default deployment has none of them, and
``create_app`` logs a warning when they are on. They exist so that the W3C suites
(``conformance/``: vc-data-model-2.0, vc-di-eddsa, vc-bitstring-status-list) can drive
vcissue the way they drive every implementation in the W3C implementation reports:

- ``POST /conformance/credentials/issue`` ``{credential, options}`` signs the caller's
  credential (VC-API "issue credential"). The key is a throwaway did:key made when the app
  is built and never stored, never the body's key: these routes sign whatever they are
  sent, so a credential they make can never pass for one of the body's certificates.
  ``options.cryptosuite`` picks eddsa-rdfc-2022 (default) or eddsa-jcs-2022;
  ``options.credentialStatus`` ``{type: "BitstringStatusListEntry", statusPurpose?}`` adds
  status entries in this process's lists (both purposes when none is named) and gives a
  credential without an ``id`` a ``urn:uuid:`` one (the ``credentialId`` of status updates).
  The issuer signs only what it can check: the credential must name this route's DID as its issuer,
  use only bundled contexts (plus the W3C examples context the suites use), have the VC
  Data Model 2.0 structure and no proof; then the signed credential must pass every
  check of ``verify_credential`` that does not depend on the time or on status.
  Otherwise 400, an RFC 9457 problem saying why.
- ``POST /conformance/credentials/verify`` ``{verifiableCredential, options}`` ->
  ``{verified, verdict, checks, warnings, errors}``: 200 when the verdict is VALID, 400
  otherwise (VC-API). ``checks`` names the checks that passed, ``errors`` the failed ones
  (``{type, title, detail}``), ``warnings`` the skipped ones. A VC-API verifier answers
  whether a credential is genuine, not whom to trust: any did:key issuer counts as trusted
  here (the service's own ``/credentials/verify`` keeps its trust list). Status lists are
  this process's own; any other list is "could not check".
- ``POST /conformance/presentations/verify`` ``{verifiablePresentation, options:
  {challenge, domain}}``: ``verify_presentation`` (the wallet's checks: holder proof,
  challenge, domain, freshness, holder binding, each credential's checks) answered the same
  way, any did:key issuer of an embedded credential counting as trusted.
- ``POST /conformance/credentials/status`` ``{credentialId, credentialStatus: {type,
  statusPurpose}, status?}`` sets (or, with ``status: false``, clears) the bit of a
  credential these routes issued; ``GET /conformance/status-lists/{purpose}`` serves the
  list credential, signed afresh at each request; ``POST .../{purpose}/publish`` answers
  204 (lists are always current).
- ``GET /conformance/issuer`` names the DID, for the test driver's manifest.

State (the key, the two lists, which indices each credential holds) lives in memory for
the life of the process.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ... import proofs
from ...errors import StatusListError, VcissueError
from ...jsonld import ContextSet
from ...keys import SigningKey, did_key
from ...ports import Clock, RandomSource
from ...status import AllocationMap, Bitstring, StatusPurpose, status_entry
from ...status import status_list_credential as unsigned_list_credential
from ...verify import TrustList, verify_credential
from ...verify.presentation import verify_presentation
from ...verify.result import Outcome, Verdict, VerificationResult
from ...verify.structure import issuer_id
from ...verify.trust import TrustedIssuer
from .. import problems
from ..problems import documented
from . import BODY, StrictJsonRoute

__all__ = ["EXAMPLES_CONTEXT", "PREFIX", "Conformance", "install"]

PREFIX = "/conformance"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
LIST_VALIDITY = timedelta(days=1)
# Checks of the signed credential that say nothing about whether it is well made.
_CIRCUMSTANTIAL = ("validity.", "status")

router = APIRouter(prefix=PREFIX, route_class=StrictJsonRoute, tags=["conformance (test-only)"])


def _examples_context() -> dict[str, Any]:
    text = resources.files("vcissue.contexts").joinpath("credentials-examples-v2.json")
    document: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return document


@dataclass
class Conformance:
    """The test-only issuer: a throwaway key, two status lists, the indices it gave out."""

    key: SigningKey
    clock: Clock
    rng: RandomSource
    contexts: ContextSet
    lists: dict[StatusPurpose, Bitstring] = field(default_factory=dict)
    allocations: dict[StatusPurpose, AllocationMap] = field(default_factory=dict)
    held: dict[str, dict[StatusPurpose, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, *, clock: Clock, rng: RandomSource) -> Conformance:
        key = SigningKey.generate(rng=rng)
        contexts = ContextSet.bundled().with_extra({EXAMPLES_CONTEXT: _examples_context()})
        made = cls(key, clock, rng, contexts)
        for purpose in StatusPurpose:
            made.lists[purpose] = Bitstring()
            made.allocations[purpose] = AllocationMap()
        return made

    @property
    def did(self) -> str:
        return did_key(self.key.public)

    def trust_for(self, vc: Mapping[str, Any]) -> TrustList:
        issuer = issuer_id(vc)
        trusted = [TrustedIssuer(self.did)]
        if issuer is not None and issuer.startswith("did:key:") and issuer != self.did:
            trusted.append(TrustedIssuer(issuer))
        return TrustList.of(*trusted)

    def trust_for_presentation(self, vp: Mapping[str, Any]) -> TrustList:
        found = vp.get("verifiableCredential")
        items = found if isinstance(found, list) else [found]
        trusted = {self.did: TrustedIssuer(self.did)}
        for item in items[:16]:
            issuer = issuer_id(item) if isinstance(item, Mapping) else None
            if issuer is not None and issuer.startswith("did:key:"):
                trusted.setdefault(issuer, TrustedIssuer(issuer))
        return TrustList.of(*trusted.values())

    def list_url(self, base: str, purpose: StatusPurpose) -> str:
        return f"{base}{PREFIX.lstrip('/')}/status-lists/{purpose.value}"

    def signed_list(self, base: str, purpose: StatusPurpose) -> dict[str, Any]:
        now = self.clock()
        with self.lock:
            bits = self.lists[purpose].copy()
        unsigned = unsigned_list_credential(
            self.list_url(base, purpose),
            purpose,
            bits,
            issuer=self.did,
            valid_from=now - timedelta(minutes=1),
            valid_until=now + LIST_VALIDITY,
        )
        return proofs.sign(unsigned, self.key, created=now, contexts=self.contexts)

    def local_list(self, base: str) -> Any:
        def source(url: str) -> Mapping[str, Any]:
            for purpose in StatusPurpose:
                if url == self.list_url(base, purpose):
                    return self.signed_list(base, purpose)
            raise StatusListError(f"{url} is not a status list of this service")

        return source

    def verify(self, vc: Mapping[str, Any], base: str) -> VerificationResult:
        return verify_credential(
            vc,
            trust=self.trust_for(vc),
            now=self.clock(),
            contexts=self.contexts,
            status_lists=self.local_list(base),
        )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatusOption(_Strict):
    type: Literal["BitstringStatusListEntry"]
    statusPurpose: Literal["revocation", "suspension"] | None = None


class IssueOptions(_Strict):
    cryptosuite: Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"] = "eddsa-rdfc-2022"
    credentialStatus: StatusOption | None = None


class VcApiIssueRequest(_Strict):
    credential: dict[str, Any]
    options: IssueOptions = IssueOptions()


class VerifyOptions(_Strict):
    checks: list[Annotated[str, Field(max_length=100)]] | None = None  # VC-API; all are run


class VcApiVerifyRequest(_Strict):
    verifiableCredential: dict[str, Any]
    options: VerifyOptions = VerifyOptions()


Nonce = Annotated[str, Field(min_length=1, max_length=500)]


class PresentationOptions(_Strict):
    challenge: Nonce
    domain: Nonce
    checks: list[Annotated[str, Field(max_length=100)]] | None = None  # VC-API; all are run


class VcApiPresentationRequest(_Strict):
    verifiablePresentation: dict[str, Any]
    options: PresentationOptions


class VcApiStatusRequest(_Strict):
    credentialId: Annotated[str, Field(min_length=1, max_length=2000)]
    credentialStatus: StatusOption
    status: bool = True


def _conformance(request: Request) -> Conformance:
    state: Conformance = request.app.state.conformance
    return state


def _base(request: Request) -> str:
    return str(request.base_url)


def _invalid(detail: str) -> problems.Refused:
    return problems.Refused(400, detail, kind="invalid-credential")


def _check_unsigned(credential: Mapping[str, Any], did: str) -> None:
    if "proof" in credential:
        raise _invalid("the credential already has a proof")
    issuer = credential.get("issuer")
    named = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if named != did:
        raise _invalid(f"issuer must be this issuer's DID {did} (GET {PREFIX}/issuer)")


@router.get("/issuer", operation_id="conformanceIssuer")
def issuer_info(request: Request) -> dict[str, str]:
    return {"id": _conformance(request).did}


@router.post(
    "/credentials/issue",
    status_code=201,
    operation_id="conformanceIssueCredential",
    responses=documented(*BODY),
)
def issue(body: VcApiIssueRequest, request: Request) -> dict[str, Any]:
    state = _conformance(request)
    credential = dict(body.credential)
    _check_unsigned(credential, state.did)
    if body.options.credentialStatus is not None:
        if "credentialStatus" in credential:
            raise _invalid("credentialStatus: the credential already has one")
        if "id" not in credential:  # the credentialId a status update names
            credential["id"] = f"urn:uuid:{uuid.UUID(bytes=state.rng.randbytes(16), version=4)}"
        if not isinstance(credential["id"], str):
            raise _invalid("id must be a string")
        wanted = body.options.credentialStatus.statusPurpose
        purposes = [StatusPurpose(wanted)] if wanted else list(StatusPurpose)
        indices: dict[StatusPurpose, int] = {}
        with state.lock:
            if credential["id"] in state.held:
                raise _invalid(f"id: {credential['id']} was issued already")
            for purpose in purposes:
                index = state.allocations[purpose].allocate(state.rng)
                if index is None:
                    raise problems.Refused(409, "the status list is full", kind="list-full")
                indices[purpose] = index
            state.held[credential["id"]] = indices
        entries = [
            status_entry(state.list_url(_base(request), purpose), index, purpose)
            for purpose, index in indices.items()
        ]
        credential["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    try:
        signed = proofs.sign(
            credential,
            state.key,
            created=state.clock(),
            suite=body.options.cryptosuite,
            contexts=state.contexts,
        )
    except VcissueError as error:
        raise _invalid(f"cannot sign: {error}") from None
    result = state.verify(signed, _base(request))
    wrong = [
        check
        for check in result.checks
        if check.outcome is Outcome.FAILED and not check.id.startswith(_CIRCUMSTANTIAL)
    ]
    if wrong:
        raise _invalid("; ".join(f"{check.id}: {check.message}" for check in wrong))
    return {"verifiableCredential": signed}


def verification_answer(result: VerificationResult) -> dict[str, Any]:
    """VC-API's verification result: checks passed, errors (failed), warnings (skipped)."""
    return {
        "verified": result.verdict is Verdict.VALID,
        "verdict": result.verdict.value,
        "checks": [c.id for c in result.checks if c.outcome is Outcome.PASSED],
        "warnings": [
            {"type": c.id, "title": f"{c.id} not checked", "detail": c.message}
            for c in result.checks
            if c.outcome is Outcome.SKIPPED
        ],
        "errors": [
            {"type": c.id, "title": f"{c.id} failed", "detail": c.message}
            for c in result.checks
            if c.outcome is Outcome.FAILED
        ],
    }


@router.post(
    "/credentials/verify",
    operation_id="conformanceVerifyCredential",
    responses={400: {"description": "the credential is not VALID"}, **documented(413, 422)},
)
def verify(body: VcApiVerifyRequest, request: Request) -> JSONResponse:
    result = _conformance(request).verify(body.verifiableCredential, _base(request))
    answer = verification_answer(result)
    return JSONResponse(answer, status_code=200 if answer["verified"] else 400)


@router.post(
    "/presentations/verify",
    operation_id="conformanceVerifyPresentation",
    responses={400: {"description": "the presentation is not VALID"}, **documented(413, 422)},
)
def verify_vp(body: VcApiPresentationRequest, request: Request) -> JSONResponse:
    state = _conformance(request)
    vp = body.verifiablePresentation
    result = verify_presentation(
        vp,
        trust=state.trust_for_presentation(vp),
        challenge=body.options.challenge,
        domain=body.options.domain,
        now=state.clock(),
        contexts=state.contexts,
        status_lists=state.local_list(_base(request)),
    )
    answer = verification_answer(result)
    return JSONResponse(answer, status_code=200 if answer["verified"] else 400)


@router.post(
    "/credentials/status",
    operation_id="conformanceUpdateStatus",
    responses=documented(404, *BODY),
)
def update_status(body: VcApiStatusRequest, request: Request) -> dict[str, Any]:
    state = _conformance(request)
    purpose = StatusPurpose(body.credentialStatus.statusPurpose or "revocation")
    with state.lock:
        index = state.held.get(body.credentialId, {}).get(purpose)
        if index is None:
            raise problems.Refused(
                404,
                f"{body.credentialId} holds no {purpose.value} entry issued here",
                kind="not-found",
            )
        state.lists[purpose].set(index, body.status)
    return {
        "credentialId": body.credentialId,
        "statusPurpose": purpose.value,
        "status": body.status,
    }


def _purpose(name: str) -> StatusPurpose:
    try:
        return StatusPurpose(name)
    except ValueError:
        raise problems.Refused(404, f"no status list {name[:60]!r}", kind="not-found") from None


@router.get("/status-lists/{purpose}", operation_id="conformanceStatusList")
def status_list(purpose: str, request: Request) -> dict[str, Any]:
    return _conformance(request).signed_list(_base(request), _purpose(purpose))


@router.post("/status-lists/{purpose}/publish", status_code=204, operation_id="conformancePublish")
def publish(purpose: str) -> Response:
    _purpose(purpose)
    return Response(status_code=204)


def install(app: FastAPI, *, clock: Clock, rng: RandomSource) -> Conformance:
    """Mount the routes on ``app`` with a fresh throwaway issuer; returns its state."""
    state = Conformance.create(clock=clock, rng=rng)
    app.state.conformance = state
    app.include_router(router)
    return state
