"""``vcissue numbers backfill``: certificate numbers for the credentials stored before
numbers existed (``vcissue.issuer.numbers``). Idempotent: run it again and it does
nothing more."""

from __future__ import annotations

import argparse
from typing import Any

from ..issuer.numbers import backfill_numbers
from .common import EXIT_INVALID, config_option, issuer, passphrase_option

__all__ = ["register"]


def cmd_backfill(args: argparse.Namespace) -> int:
    report = backfill_numbers(issuer(args))
    for credential_id, number in report.numbered:
        print(f"{credential_id}: {number}")
    for credential_id, why in report.skipped:
        print(f"{credential_id}: skipped: {why}")
    print(f"numbers backfill: {len(report.numbered)} numbered, {len(report.skipped)} skipped")
    return EXIT_INVALID if report.skipped else 0


def register(commands: Any) -> None:
    numbers = commands.add_parser("numbers", help="certificate numbers: housekeeping")
    actions = numbers.add_subparsers(dest="numbers_command", required=True, metavar="ACTION")
    backfill = actions.add_parser(
        "backfill",
        help="give every credential stored before numbers existed its number (the one it "
        "carries, else the next of its qualification's pattern); safe to re-run",
    )
    config_option(backfill)
    passphrase_option(backfill)
    backfill.set_defaults(handler=cmd_backfill)
