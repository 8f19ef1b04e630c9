"""``vcissue verify-presentation``: a presentation file -> the report and one verdict."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..verify.presentation import verify_presentation
from .common import parse_moment
from .status_options import add_status_options, max_status_age, status_source
from .verify import MARKS, exit_code, load_trust, verdict_line

__all__ = ["register"]


def cmd_verify_presentation(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    result = verify_presentation(
        data,
        trust=load_trust(args.trust or [], args.trust_keys or []),
        challenge=args.challenge,
        domain=args.domain,
        now=parse_moment(args.now),
        status_lists=status_source(args),
        max_status_age=max_status_age(args),
    )
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        for check in result.checks:
            print(f"  [{MARKS[check.outcome.value]}] {check.id}: {check.message}")
        print(verdict_line(result))
    return exit_code(result)


def register(commands: Any) -> None:
    verify = commands.add_parser(
        "verify-presentation",
        help="verify a presentation: exit 0 VALID, 1 not valid, 4 status unknown",
        description="Verify a Verifiable Presentation against the challenge and domain you "
        "asked the holder for: its proof, freshness, that the signer is the subject of every "
        "credential, then each credential's full checks; one verdict, exit codes as verify.",
    )
    verify.add_argument("file", help="presentation JSON file, or - for stdin")
    verify.add_argument("--challenge", required=True, help="the challenge you gave the holder")
    verify.add_argument("--domain", required=True, help="your domain, as you gave it")
    verify.add_argument("--trust", action="append", help="trust list JSON file (repeatable)")
    verify.add_argument("--trust-keys", action="append", help="trust the body of a key directory")
    verify.add_argument("--now", help="verify as of this time (default: now)")
    verify.add_argument("--json", action="store_true", help="print the full report as JSON")
    add_status_options(verify)
    verify.set_defaults(handler=cmd_verify_presentation)
