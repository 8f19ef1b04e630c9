"""The ``vcissue`` command line (a face: files, environment, clock, terminal).

Each command area lives in its own module with a ``register(commands)``; ``main`` builds
the parser from them and is the one error handler: a vcissue error is one line naming its
stable code (exit 3), a missing extra one line naming the extra (exit 2), never a
traceback. Modules import optional extras (fastapi, uvicorn, psycopg) only when their
command runs, so a bare ``pip install vcissue`` starts every command.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from .. import __version__
from ..errors import VcissueError
from .common import EXIT_ERROR, EXIT_USAGE

__all__ = ["main"]

# The command modules of this package, in the order `vcissue --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "deployment",  # init
    "keys",
    "lifecycle",  # issue, batch, suspend, ..., status, audit
    "worker",  # worker, notices
    "reports",  # report counts | issued | expiring
    "bulk",  # bulk decisions from a CSV
    "holders",  # holder export
    "numbers",  # numbers backfill
    "imports",  # import, issue-imported
    "governance",  # principal, decisions, complaint, appeal
    "verify",
    "wallet",  # verify-presentation, offer
    "qr",
    "render",
    "verifier_bundle",
    "service",  # serve, apikey
    "demo",
)

# Optional extras and the distribution extra that brings each.
EXTRAS = {"fastapi": "service", "uvicorn": "service", "starlette": "service", "psycopg": "postgres"}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="vcissue",
        description="Issue, suspend, revoke and verify certificates as W3C Verifiable Credentials.",
    )
    root.add_argument("--version", action="version", version=f"vcissue {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except VcissueError as error:
        print(f"vcissue: error [{error.code}]: {error}", file=sys.stderr)
        return EXIT_ERROR
    except ModuleNotFoundError as error:
        extra = EXTRAS.get((error.name or "").partition(".")[0])
        if extra is None:
            raise
        print(
            f"vcissue: `vcissue {args.command}` needs the {extra} extra: "
            f"pip install 'vcissue[{extra}]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"vcissue: error [io]:{where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("vcissue: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: say so in one line unless asked for the traceback
        if os.environ.get("VCISSUE_DEBUG"):
            traceback.print_exc()
        print(
            f"vcissue: internal error [internal]: {type(error).__name__}: {error} "
            "(a bug; VCISSUE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return code
