"""``vcissue serve`` (uvicorn) and ``vcissue apikey create``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..settings import load_settings
from ..store import open_store
from . import _now

__all__ = ["register"]


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..service import create_app

    if args.config:
        os.environ["VCISSUE_CONFIG"] = args.config  # the workers' factory reads it
    # Build the app once here: a bad setting, a missing passphrase or a wrong key fails
    # now with one clear error (not in every worker), and the store is migrated once.
    create_app(load_settings(args.config)).state.store.close()
    uvicorn.run(
        "vcissue.service:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0


def cmd_apikey_create(args: argparse.Namespace) -> int:
    from ..service.auth import create_api_key

    store = open_store(load_settings(args.config).store_url)
    key = create_api_key(store, role=args.role, name=args.name, now=_now())
    store.close()
    print(key)
    print(
        f"(role {args.role}, name {args.name!r}; shown once, only its hash is stored)",
        file=sys.stderr,
    )
    return 0


def register(commands: Any) -> None:
    from ..service.auth import ROLES

    serve = commands.add_parser("serve", help="run the issuer HTTP service (uvicorn)")
    serve.add_argument("--config", help="settings file (default: $VCISSUE_CONFIG)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(handler=cmd_serve)

    apikey = commands.add_parser("apikey", help="API keys of the service")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", required=True)
    create = apikey_commands.add_parser("create", help="create a key; prints it once")
    create.add_argument("--config")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True, help="who uses it (the audit log's actor)")
    create.set_defaults(handler=cmd_apikey_create)
