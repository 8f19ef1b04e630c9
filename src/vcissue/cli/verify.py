"""``vcissue verify``: a credential file -> the report and one verdict (exit code by verdict)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..keystore import KeyStore
from ..ports import StatusListSource
from ..strictjson import parse_json
from ..verify import TrustedIssuer, TrustList, Verdict, VerificationResult, verify_credential
from .common import EXIT_INVALID, EXIT_OK, EXIT_STATUS_UNKNOWN, parse_moment, read_text
from .status_options import add_status_options, max_status_age, status_source

__all__ = ["register", "summarise"]

MARKS = {"passed": "ok  ", "failed": "FAIL", "skipped": "--  "}


def load_trust(paths: list[str], key_dirs: list[str]) -> TrustList:
    issuers: list[TrustedIssuer] = []
    for path in paths:
        data = parse_json(Path(path).read_bytes(), what=f"trust list {path}")
        issuers.extend(TrustList.from_json(data).issuers.values())
    for directory in key_dirs:
        issuers.append(KeyStore(directory).trusted_issuer())
    return TrustList.of(*issuers)


def verdict_line(result: VerificationResult) -> str:
    verdict = result.verdict
    if verdict is Verdict.VALID:
        return "VALID"
    if verdict is Verdict.STATUS_UNKNOWN:
        why = next((c.message for c in result.checks if c.verdict is verdict), "")
        return f"STATUS UNKNOWN (genuine and trusted, but not known to be current: {why})"
    return f"{verdict.label} (NOT VALID)"


def summarise(result: VerificationResult) -> str:
    lines = []
    vc = result.credential or {}
    subject = vc.get("credentialSubject")
    if isinstance(subject, dict):
        names = [
            i.get("identityHash") for i in subject.get("identifier", []) if isinstance(i, dict)
        ]
        achievement = subject.get("achievement")
        title = achievement.get("name") if isinstance(achievement, dict) else None
        lines.append(f"{vc.get('id')}: {', '.join(map(str, names))} - {title}")
    for check in result.checks:
        lines.append(f"  [{MARKS[check.outcome.value]}] {check.id}: {check.message}")
    lines.append(verdict_line(result))
    return "\n".join(lines)


def exit_code(result: VerificationResult) -> int:
    if result.verdict is Verdict.VALID:
        return EXIT_OK
    if result.verdict is Verdict.STATUS_UNKNOWN:
        return EXIT_STATUS_UNKNOWN
    return EXIT_INVALID


def cmd_verify(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    trust = load_trust(args.trust or [], args.trust_keys or [])
    source: StatusListSource | None
    if args.bundle:
        # As the offline page holding this bundle judges: its trust list and snapshots,
        # copies as old as the snapshot, no older than the bundle's maximum age.
        from ..webapp.bundle import OfflineSnapshot, extract

        offline = OfflineSnapshot.from_bundle(extract(read_text(args.bundle, "verifier bundle")))
        trust = TrustList.of(*trust.issuers.values(), *offline.trust.issuers.values())
        source, max_age = offline, offline.max_age
    else:
        source, max_age = status_source(args), max_status_age(args)
    result = verify_credential(
        data, trust=trust, now=parse_moment(args.now), status_lists=source, max_status_age=max_age
    )
    print(json.dumps(result.to_json(), indent=2) if args.json else summarise(result))
    return exit_code(result)


def register(commands: Any) -> None:
    verify = commands.add_parser(
        "verify",
        help="verify a credential: exit 0 VALID, 1 not valid, 4 status unknown",
        description="Verify a credential: proof, issuer trust, dates and status. Exit 0 when "
        "VALID, 1 when not valid (forged, not trusted, revoked, suspended, expired), 4 when "
        "genuine and trusted but its status could not be (or was not) checked.",
    )
    verify.add_argument("file", help="credential JSON file, or - for stdin")
    verify.add_argument("--trust", action="append", help="trust list JSON file (repeatable)")
    verify.add_argument("--trust-keys", action="append", help="trust the body of a key directory")
    verify.add_argument("--now", help="verify as of this time (default: now)")
    verify.add_argument("--json", action="store_true", help="print the full report as JSON")
    add_status_options(verify)
    verify.set_defaults(handler=cmd_verify)
