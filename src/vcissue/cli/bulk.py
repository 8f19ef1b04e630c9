"""``vcissue bulk FILE``: suspend, extend, reinstate, revoke or withdraw from a CSV
(``vcissue.bulk``), as the principal whose API key is given, under the same policies as
the single commands; bad rows are reported as ``file:line`` and skipped; re-running the
file resumes it (and a second approver's run completes the decisions that need two)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..bulk import parse_decisions_csv
from ..issuer.bulk import run_decisions
from .common import (
    EXIT_INVALID,
    acting,
    api_key_option,
    config_option,
    issuer,
    passphrase_option,
    read_text,
)
from .lifecycle import Progress

__all__ = ["register"]


def cmd_bulk(args: argparse.Namespace) -> int:
    desk = issuer(args)
    by = acting(args, desk)
    rows = list(parse_decisions_csv(read_text(args.file, "decisions file")))
    report = run_decisions(desk, rows, by=by, progress=Progress(len(rows), "bulk"))
    for error in report.errors:
        print(f"{args.file}:{error.line}: skipped: {error.message}", file=sys.stderr)
    for line, case in report.pending:
        print(f"{args.file}:{line}: pending: decision {case} needs further approval")
    print(
        f"bulk {args.file}: {len(report.done)} decided, {len(report.pending)} pending approval, "
        f"{len(report.already)} done earlier, {len(report.errors)} skipped"
    )
    return EXIT_INVALID if report.errors else 0


def register(commands: Any) -> None:
    bulk = commands.add_parser(
        "bulk",
        help="suspend / extend / reinstate / revoke / withdraw from a CSV (see vcissue.bulk)",
    )
    bulk.add_argument("file", help="CSV: credential,action,reason[,until]")
    config_option(bulk)
    passphrase_option(bulk)
    api_key_option(bulk)
    bulk.set_defaults(handler=cmd_bulk)
