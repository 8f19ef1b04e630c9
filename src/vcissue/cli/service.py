"""``vcissue serve`` (uvicorn; the service extra) and ``vcissue apikey`` (create, list, revoke).

Nothing here imports fastapi or uvicorn until ``serve`` runs: a bare install lists and
manages API keys and says, in one line, which extra ``serve`` needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from typing import Any

from ..governance.principals import ROLES, create_api_key, list_api_keys, revoke_api_key
from ..system import system_random
from ..wiring import open_deployment_store
from .common import config_option, now, settings

__all__ = ["register"]


def cmd_serve(args: argparse.Namespace) -> int:
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        args.serve_parser.error("--ssl-certfile and --ssl-keyfile go together")
    import uvicorn

    from ..service.app import create_app

    found = settings(args)
    if args.config:
        os.environ["VCISSUE_CONFIG"] = args.config  # the workers' factory reads it
    if args.worker:
        os.environ["VCISSUE_SERVE_WORKER"] = "1"  # ... and this
    # Build the app once here: a bad setting, a missing passphrase or a wrong key fails
    # now with one clear error (not in every worker), and the store is checked once.
    create_app(found).state.store.close()
    uvicorn.run(
        "vcissue.service.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    return 0


def cmd_apikey_create(args: argparse.Namespace) -> int:
    store = open_deployment_store(settings(args))
    try:
        moment = now()
        expires = moment + timedelta(days=args.expires_days) if args.expires_days else None
        key = create_api_key(
            store,
            principal_name=args.principal,
            role=args.role,
            now=moment,
            rng=system_random,
            expires=expires,
            by="cli:admin",
        )
    finally:
        store.close()
    print(key)
    until = f", expires {expires.isoformat()}" if expires else ""
    print(
        f"(principal {args.principal!r}{until}; shown once, only its hash is stored)",
        file=sys.stderr,
    )
    return 0


def cmd_apikey_list(args: argparse.Namespace) -> int:
    store = open_deployment_store(settings(args))
    try:
        keys = list_api_keys(store)
    finally:
        store.close()
    moment = now()
    print(f"{'key id':18} {'state':8} {'created':20} {'expires':20} principal")
    for key in keys:
        if key.revoked_at is not None:
            state = "revoked"
        elif key.expires_at is not None and key.expires_at <= moment:
            state = "expired"
        else:
            state = "active"
        expires = key.expires_at.isoformat(timespec="minutes") if key.expires_at else "never"
        print(
            f"{key.key_id:18} {state:8} "
            f"{key.created_at.isoformat(timespec='minutes'):20} {expires:20} {key.principal_id}"
        )
    return 0


def cmd_apikey_revoke(args: argparse.Namespace) -> int:
    store = open_deployment_store(settings(args))
    try:
        revoke_api_key(store, args.key_id, now=now(), by="cli:admin")
    finally:
        store.close()
    print(f"revoked API key {args.key_id}")
    return 0


def register(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="run the issuer HTTP service (uvicorn; needs vcissue[service])"
    )
    config_option(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--ssl-keyfile", help="... and this private key (PEM)")
    serve.add_argument(
        "--worker",
        action="store_true",
        help="also run the notices worker (scheduler and delivery) in the service process",
    )
    serve.set_defaults(handler=cmd_serve, serve_parser=serve)

    apikey = commands.add_parser("apikey", help="API keys of the service")
    sub = apikey.add_subparsers(dest="apikey_command", required=True, metavar="APIKEY_COMMAND")
    create = sub.add_parser("create", help="create a key; prints it once")
    config_option(create)
    create.add_argument(
        "--principal", required=True, help="whose key it is (created if new; the audit actor)"
    )
    create.add_argument("--role", choices=ROLES, help="give the principal this role too")
    create.add_argument("--expires-days", type=int, help="the key stops working after N days")
    create.set_defaults(handler=cmd_apikey_create)
    listing = sub.add_parser("list", help="every key: id, role, state, dates, name")
    config_option(listing)
    listing.set_defaults(handler=cmd_apikey_list)
    revoke = sub.add_parser("revoke", help="revoke a key at once (audited)")
    config_option(revoke)
    revoke.add_argument("key_id")
    revoke.set_defaults(handler=cmd_apikey_revoke)
