"""``vcissue holder export KEY``: everything the body holds about the holder of a
certificate (``vcissue.issuer.holders``), as JSON. Read-only. ``vcissue holder erase
KEY``: their personal data out of every record (``vcissue.issuer.erasure``), a decision
under the ``erase`` policy (two approvers by default: each runs it with their key)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..issuer.holders import holder_export
from .common import (
    acting,
    api_key_option,
    config_option,
    decision_line,
    issuer,
    passphrase_option,
    write_json,
)

__all__ = ["register"]


def cmd_export(args: argparse.Namespace) -> int:
    document = holder_export(issuer(args, signs=False), args.key)
    if args.output:
        write_json(Path(args.output), document)
        print(
            f"wrote {args.output}: {len(document['credentials'])} credentials, "
            f"{len(document['cases'])} cases, {len(document['audit'])} audit entries"
        )
    else:
        print(json.dumps(document, indent=2, ensure_ascii=False))
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    desk = issuer(args)
    outcome = desk.erase(args.key, reason=args.reason, by=acting(args, desk))
    print(decision_line(outcome))
    if outcome.done:
        print(f"  erased: {', '.join(outcome.result)}")
    return 0


def register(commands: Any) -> None:
    holder = commands.add_parser("holder", help="what the body holds about a person")
    holders = holder.add_subparsers(dest="holder_command", required=True, metavar="HOLDER_COMMAND")
    export = holders.add_parser(
        "export", help="everything held about the holder of a certificate, as JSON"
    )
    export.add_argument("key", help="one of the person's certificate numbers or ids")
    export.add_argument("-o", "--output", help="write the JSON here (default: print it)")
    config_option(export)
    export.set_defaults(handler=cmd_export)
    erase = holders.add_parser(
        "erase",
        help="erase the personal data of the holder of a certificate (names, e-mail, "
        "language) from every record; ids, status bits and the audit log stay",
    )
    erase.add_argument("key", help="one of the person's certificate numbers or ids")
    erase.add_argument("--reason", default="erasure request", help="kept in the audit log")
    config_option(erase)
    passphrase_option(erase)
    api_key_option(erase)
    erase.set_defaults(handler=cmd_erase)
