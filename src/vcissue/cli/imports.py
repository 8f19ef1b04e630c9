"""``vcissue import FILE.csv``: certificates issued before vcissue into the register
(``vcissue.imports``; bad rows are reported as ``file:line`` and skipped; re-running the
file resumes it); ``vcissue issue-imported NUMBER``: a signed credential for one of
them, on the holder's request (``vcissue.issuer.imports``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..imports import parse_import_csv
from ..issuer.imports import import_certificates, issue_imported
from .common import (
    EXIT_INVALID,
    acting,
    api_key_option,
    config_option,
    issuer,
    passphrase_option,
    read_text,
    write_json,
)
from .lifecycle import Progress

__all__ = ["register"]


def cmd_import(args: argparse.Namespace) -> int:
    desk = issuer(args)
    by = acting(args, desk)
    text = read_text(args.file, "import file")
    rows = list(parse_import_csv(text, desk.qualifications))
    report = import_certificates(desk, rows, by=by, progress=Progress(len(rows), "import"))
    for error in report.errors:
        print(f"{args.file}:{error.line}: skipped: {error.message}", file=sys.stderr)
    print(
        f"import {args.file}: {len(report.imported)} imported, {len(report.already)} imported "
        f"earlier, {len(report.errors)} skipped"
    )
    return EXIT_INVALID if report.errors else 0


def cmd_issue_imported(args: argparse.Namespace) -> int:
    desk = issuer(args)
    issued = issue_imported(desk, args.number, by=acting(args, desk))
    if args.output:
        write_json(Path(args.output), issued.credential)
    verb = "issued" if issued.created else "already issued"
    print(
        f"{verb} {issued.record.id} number {issued.record.number}"
        + (f" to {args.output}" if args.output else "")
    )
    return 0


def register(commands: Any) -> None:
    imported = commands.add_parser(
        "import", help="certificates issued before vcissue into the register, from a CSV"
    )
    imported.add_argument(
        "file", help="CSV: number,holder_name[,holder_email],qualification,awarded,expires,state"
    )
    config_option(imported)
    passphrase_option(imported)
    api_key_option(imported)
    imported.set_defaults(handler=cmd_import)
    request = commands.add_parser(
        "issue-imported",
        help="a signed credential for an imported certificate (its number, holder and dates)",
    )
    request.add_argument("number", help="the imported certificate's number")
    request.add_argument("-o", "--output", help="write the signed credential here")
    config_option(request)
    passphrase_option(request)
    api_key_option(request)
    request.set_defaults(handler=cmd_issue_imported)
