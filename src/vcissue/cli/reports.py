"""``vcissue report counts|issued|expiring``: the body's reports (``vcissue.issuer.reports``)
as a table, CSV or JSON. Read-only: no passphrase, no API key."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..issuer.reports import Report, report, to_csv
from .common import config_option, issuer, parse_moment

__all__ = ["register"]


def cmd_report(args: argparse.Namespace) -> int:
    found = report(
        issuer(args, signs=False),
        args.report_command,
        since=parse_moment(args.since) if getattr(args, "since", None) else None,
        until=parse_moment(args.until) if getattr(args, "until", None) else None,
        within_days=getattr(args, "days", 90),
    )
    if args.format == "csv":
        print(to_csv(found), end="")
    elif args.format == "json":
        print(json.dumps(found.to_json(), indent=2, ensure_ascii=False))
    else:
        print(_table(found))
    return 0


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _table(found: Report) -> str:
    cells = [list(found.columns)] + [[_text(value) for value in row] for row in found.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(found.columns))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in cells]  # fmt: skip
    total = sum(row[-1] for row in found.rows) if found.name != "expiring" else len(found.rows)
    lines.append(f"({len(found.rows)} rows; {total} certificates)")
    return "\n".join(lines)


def register(commands: Any) -> None:
    parent = commands.add_parser("report", help="reports from the store (table, CSV or JSON)")
    reports = parent.add_subparsers(dest="report_command", required=True, metavar="REPORT")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = reports.add_parser(name, help=help_text)
        config_option(parser)
        parser.add_argument(
            "--format", choices=("table", "csv", "json"), default="table", help="default: table"
        )
        parser.add_argument(  # the flag 0.2 had
            "--csv", dest="format", action="store_const", const="csv", help="= --format csv"
        )
        parser.set_defaults(handler=cmd_report)
        return parser

    for name, help_text in (
        ("counts", "certificates by qualification, full/unit, accreditation and state"),
        ("issued", "certificates awarded per qualification per month"),
    ):
        parser = command(name, help_text)
        parser.add_argument("--from", dest="since", help="awarded on or after (ISO 8601)")
        parser.add_argument("--until", help="awarded before (ISO 8601)")
    expiring = command("expiring", "active certificates expiring soon (renewal reminders)")
    expiring.add_argument("--days", type=int, default=90, help="within this many days (90)")
