"""``create_app``: the service over a deployment (wiring only; the routes are in ``routes``)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline

from .. import __version__
from ..errors import KeyMaterialError
from ..keystore import KeyStore
from ..ports import Clock, RandomSource
from ..settings import Settings, load_settings, read_passphrase
from ..system import system_clock, system_random
from ..wallet import Openid4vci
from ..wallet.holder_page import HolderLinks
from ..wallet.vcapi import Exchanges
from ..webapp.bundle import deployment_packs
from ..wiring import body_keystores, build_issuer, build_worker, deployment_trust
from . import __doc__ as SERVICE_DOC
from . import problems
from .middleware import BodyLimit
from .problems import documented
from .ratelimit import RateLimit
from .routes import (
    audit,
    bulk,
    credentials,
    governance,
    holders,
    imports,
    numbers,
    public,
    register,
    reports,
    vcapi,
    verifier,
    wallet,
)

if TYPE_CHECKING:  # a face names the store's type, never imports the store
    from ..store import Store

__all__ = ["MAX_BODY_BYTES", "WORKER_ENV", "app_from_env", "create_app"]

WORKER_ENV = "VCISSUE_SERVE_WORKER"  # "1": `vcissue serve --worker` (read by the factory)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock = system_clock,
    rng: RandomSource = system_random,
    passphrase: bytes | None = None,
    worker: bool = False,
) -> FastAPI:
    """The service over ``settings``; ``store``/``clock``/``rng`` replace the configured ones.
    ``worker``: run the notices worker (``vcissue worker``) in a thread while it serves."""
    secret = passphrase if passphrase is not None else read_passphrase(settings)
    if secret is None:
        raise KeyMaterialError(
            "the service needs the key passphrase (keys.passphrase_file or $VCISSUE_KEY_PASSPHRASE)"
        )
    issuer = build_issuer(settings, secret, clock=clock, rng=rng, store=store)
    keys = KeyStore(settings.keys_dir)

    # Swagger UI (/docs) and ReDoc (/redoc) from assets packaged with fastapi-offline, so
    # the documentation works without a CDN (an offline intranet, a strict CSP).
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not worker:
            yield
            return
        stop = threading.Event()
        notices = build_worker(settings, issuer, clock=clock, rng=rng, log=log.info)
        thread = threading.Thread(target=notices.run, args=(stop,), name="vcissue-worker")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=60)

    app = FastAPIOffline(
        title="vcissue issuer service",
        version=__version__,
        description=SERVICE_DOC,
        lifespan=lifespan,
    )
    problems.install(app)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    for routes in (
        public, register, credentials, governance, audit, reports, wallet, bulk, holders,
        imports, numbers,
    ):  # fmt: skip
        app.include_router(routes.router)
    app.state.issuer = issuer
    wallet_settings = settings.wallet_settings()
    wallet.install(
        app,
        Openid4vci(issuer, wallet_settings, rng=rng, brand=settings.brand()),
        Exchanges(issuer, wallet_settings, rng=rng),
        HolderLinks(issuer, wallet_settings, rng=rng),
    )
    app.state.store = issuer.store
    app.state.keys = keys
    app.state.body_keys = body_keystores(settings)  # each body's DID document (public.py)
    app.state.register_limit = RateLimit(settings.register_lookups_per_minute)
    app.state.trust = deployment_trust(settings)  # every awarding body of the deployment
    # The verifier page a printed certificate's QR code opens (routes/verifier.py).
    app.state.settings = settings
    app.state.brand = settings.brand()
    app.state.trust_name = keys.name
    app.state.packs, app.state.current_packs = deployment_packs(settings)
    verifier.install(app, verifier.verifier_path(settings.printed_verifier_url()))
    if settings.unsafe_conformance_routes:
        # The W3C test suites' routes: they sign anything sent to them (with a throwaway
        # did:key, never the body's key). Tests only; see routes/vcapi.py.
        conformance = vcapi.install(app, clock=clock, rng=rng)
        log.warning(
            "testing.unsafe_conformance_routes is on: %s/credentials/issue signs any "
            "credential as %s. Never enable this in a deployment.",
            vcapi.PREFIX,
            conformance.did,
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
            schemas.update(register.openapi_components())
            # the qualifications this body awards are the only ones an award may name
            award = schemas["IssueRequest"]["properties"]["qualification"]
            award["enum"] = sorted(issuer.qualifications)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory: settings by the rule ($VCISSUE_CONFIG, ./vcissue.toml)."""
    return create_app(
        load_settings(os.environ.get("VCISSUE_CONFIG")),
        worker=os.environ.get(WORKER_ENV) == "1",
    )
