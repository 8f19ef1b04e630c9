"""Store-backed commands: issue, batch, suspend, reinstate, revoke, reduce-scope, recertify,
lifecycle run, publish, status, report, audit verify.

Each finds the deployment's settings by the rule (``--config``, ``$VCISSUE_CONFIG``,
``./vcissue.toml``; see ``vcissue.settings``) and opens its store; none creates a store
(that is ``vcissue init``). Commands that sign need the key passphrase (the settings'
passphrase file, ``$VCISSUE_KEY_PASSPHRASE`` or a prompt); read-only ones do not. Every
status change republishes the signed lists (``status.publish_dir``).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..batch import BatchRow, RowError, parse_batch_csv
from ..errors import PolicyError
from ..model import Award
from .common import (
    EXIT_INVALID,
    config_option,
    issuer,
    parse_moment,
    passphrase_option,
    read_text,
    write_json,
)

__all__ = ["register"]


def _actor(args: argparse.Namespace) -> str:
    actor: str = args.actor
    if not actor.strip():
        raise PolicyError("--actor must name who is acting")
    return actor


def _split(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def cmd_issue(args: argparse.Namespace) -> int:
    desk = issuer(args)
    award = Award.from_request(
        desk.qualification(args.qualification),
        holder_name=args.holder_name,
        holder_id=args.holder_id,
        awarded=parse_moment(args.awarded) if args.awarded else desk.now(),
        units=_split(args.units),
        scope=args.scope,
        limitations=args.limitation or (),
        result=args.result,
    )
    issued = desk.issue(award, actor=_actor(args), batch_key=args.reference)
    if args.output:
        write_json(Path(args.output), issued.credential)
    verb = "issued" if issued.created else "already issued (same --reference)"
    print(f"{verb} {issued.record.id}" + (f" to {args.output}" if args.output else ""))
    return 0


class _Progress:
    """A progress bar on a terminal, a line per 10% otherwise (logs stay readable)."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, row: BatchRow | RowError) -> None:
        del row
        if self.tty:
            filled = 30 * done // self.total
            bar = "#" * filled + "-" * (30 - filled)
            print(f"\r[{bar}] {done}/{self.total}", end="", file=sys.stderr, flush=True)
            if done == self.total:
                print(file=sys.stderr)
        elif (tenth := 10 * done // self.total) != self.shown:
            self.shown = tenth
            print(f"batch: {done}/{self.total} rows", file=sys.stderr, flush=True)


def cmd_batch(args: argparse.Namespace) -> int:
    desk = issuer(args)
    text = read_text(args.file, "batch file")
    rows = list(parse_batch_csv(text, desk.qualifications, now=desk.now()))
    report = desk.issue_batch(rows, actor=_actor(args), progress=_Progress(len(rows)))
    for error in report.errors:
        print(f"{args.file}:{error.line}: skipped: {error.message}", file=sys.stderr)
    print(
        f"batch {args.file}: {len(report.issued)} issued, "
        f"{len(report.already_issued)} already issued earlier, {len(report.errors)} skipped"
    )
    if args.output_dir:
        for _, credential_id in report.issued + report.already_issued:
            record = desk.get(credential_id)
            name = credential_id.removeprefix("urn:uuid:") + ".json"
            write_json(Path(args.output_dir) / name, json.loads(record.signed_json))
    return EXIT_INVALID if report.errors else 0


def cmd_suspend(args: argparse.Namespace) -> int:
    desk = issuer(args)
    until = parse_moment(args.until) if args.until else desk.now() + timedelta(days=args.days)
    record = desk.suspend(args.id, reason=args.reason, until=until, actor=_actor(args))
    print(f"suspended {record.id} until {until.isoformat()}; status lists republished")
    return 0


def cmd_reinstate(args: argparse.Namespace) -> int:
    record = issuer(args).reinstate(args.id, actor=_actor(args), reason=args.reason or "")
    print(f"reinstated {record.id}; status lists republished")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    outcome = issuer(args).revoke(args.id, reason=args.reason, actor=_actor(args))
    if outcome.state == "pending":
        print(
            f"revocation of {args.id} pending: {len(outcome.approvals)} of "
            f"{outcome.required} approvals ({', '.join(outcome.approvals)})"
        )
    else:
        print(f"revoked {args.id} (approved by {', '.join(outcome.approvals)})")
    return 0


def cmd_reduce_scope(args: argparse.Namespace) -> int:
    issued = issuer(args).reduce_scope(
        args.id, units=_split(args.units), reason=args.reason, actor=_actor(args)
    )
    if args.output:
        write_json(Path(args.output), issued.credential)
    print(f"withdrew {args.id}; issued {issued.record.id} for {', '.join(issued.record.units)}")
    return 0


def cmd_recertify(args: argparse.Namespace) -> int:
    issued = issuer(args).recertify(args.id, actor=_actor(args))
    if args.output:
        write_json(Path(args.output), issued.credential)
    print(f"recertified {args.id} as {issued.record.id} until {issued.record.expires.date()}")
    return 0


def cmd_lifecycle_run(args: argparse.Namespace) -> int:
    withdrawn = issuer(args).run_lifecycle(actor=_actor(args))
    for credential_id in withdrawn:
        print(f"withdrawn (suspension deadline passed): {credential_id}")
    print(f"lifecycle run: {len(withdrawn)} withdrawn; status lists republished")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    count = issuer(args).publish()  # signs: lists near their validUntil are renewed first
    print(f"republished {count} status lists (renewing those near their validUntil)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    answer = issuer(args, signs=False).public_status(args.id)
    data: dict[str, Any] = answer.to_json()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(f"{answer.holder_name} {data['statement']}.")
        if answer.current:
            print(f"  qualification: {answer.qualification_title or answer.qualification_id}")
            print(f"  scope: {answer.scope}")
            print(f"  valid until: {answer.expires.date().isoformat()}")
    return 0 if answer.current else EXIT_INVALID


STATES = ["active", "suspended", "revoked", "withdrawn", "superseded"]


def cmd_report_counts(args: argparse.Namespace) -> int:
    counts = issuer(args, signs=False).counts()
    print(f"{'qualification':24} " + " ".join(f"{s:>10}" for s in STATES) + f" {'(expired)':>10}")
    for qualification in sorted({q for q, _ in counts.by_state}):
        cells = " ".join(f"{counts.by_state.get((qualification, s), 0):>10}" for s in STATES)
        print(f"{qualification:24} {cells} {counts.expired.get(qualification, 0):>10}")
    print("(expired: active but past validUntil; renew by recertification)")
    return 0


def cmd_report_expiring(args: argparse.Namespace) -> int:
    records = issuer(args, signs=False).expiring(timedelta(days=args.days))
    if args.csv:
        print("credential_id,holder_name,qualification,expires")
        for record in records:
            print(
                f"{record.id},{_csv(record.holder_name)},{record.qualification_id},"
                f"{record.expires.date().isoformat()}"
            )
    else:
        for record in records:
            print(
                f"{record.expires.date()}  {record.holder_name:30} {record.qualification_id:16} "
                f"{record.id}"
            )
        print(f"{len(records)} active certificates expire within {args.days} days")
    return 0


def _csv(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def cmd_audit_verify(args: argparse.Namespace) -> int:
    check = issuer(args, signs=False).audit_check()
    if not check.intact:
        for problem in check.problems:
            print(f"audit log: {problem}")
        print(f"AUDIT LOG BROKEN: {len(check.problems)} problems")
        return EXIT_INVALID
    print(f"audit log intact: {check.entries} entries, head {check.head}")
    return 0


def register(commands: Any) -> None:
    def command(
        parent: Any,
        name: str,
        help_text: str,
        handler: Any,
        *,
        signs: bool = True,
        actor: str | None = None,
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        config_option(parser)
        if signs:
            parser.add_argument(
                "--actor",
                required=actor is None,
                default=actor,
                help="who does this (audit log)" + (f"; default {actor}" if actor else ""),
            )
            passphrase_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    issue = command(commands, "issue", "issue a certificate and record it in the store", cmd_issue)
    issue.add_argument("--qualification", required=True, help="configured qualification id")
    issue.add_argument("--holder-name", required=True)
    issue.add_argument("--holder-id", help="holder DID or URN (optional)")
    issue.add_argument("--units", help="comma-separated unit ids for a unit credential")
    issue.add_argument("--awarded", help="award date (default: now)")
    issue.add_argument("--result", default="pass")
    issue.add_argument("--scope")
    issue.add_argument("--limitation", action="append")
    issue.add_argument("--reference", help="your id for this award; re-running is a no-op")
    issue.add_argument("-o", "--output", help="also write the signed credential here")

    batch = command(commands, "batch", "issue from a CSV of holders (see vcissue.batch)", cmd_batch)
    batch.add_argument("file")
    batch.add_argument("--output-dir", help="write each credential as <uuid>.json here")

    suspend = command(commands, "suspend", "suspend a certificate until a deadline", cmd_suspend)
    suspend.add_argument("id")
    suspend.add_argument("--reason", required=True)
    deadline = suspend.add_mutually_exclusive_group(required=True)
    deadline.add_argument("--until", help="deadline (ISO 8601)")
    deadline.add_argument("--days", type=int, help="deadline in days from now")

    reinstate = command(commands, "reinstate", "lift a suspension", cmd_reinstate)
    reinstate.add_argument("id")
    reinstate.add_argument("--reason")

    revoke = command(
        commands, "revoke", "approve (and, with enough approvers, do) a revocation", cmd_revoke
    )
    revoke.add_argument("id")
    revoke.add_argument("--reason", required=True)

    reduce = command(
        commands, "reduce-scope", "withdraw and reissue with fewer units", cmd_reduce_scope
    )
    reduce.add_argument("id")
    reduce.add_argument("--units", required=True, help="comma-separated unit ids to keep")
    reduce.add_argument("--reason", required=True)
    reduce.add_argument("-o", "--output")

    recertify = command(commands, "recertify", "issue a renewed certificate", cmd_recertify)
    recertify.add_argument("id")
    recertify.add_argument("-o", "--output")

    lifecycle = commands.add_parser("lifecycle", help="scheduled lifecycle work")
    lifecycle_commands = lifecycle.add_subparsers(
        dest="lifecycle_command", required=True, metavar="LIFECYCLE_COMMAND"
    )
    command(
        lifecycle_commands,
        "run",
        "withdraw overdue suspensions and republish lists (idempotent)",
        cmd_lifecycle_run,
        actor="lifecycle",
    )

    publish = command(
        commands,
        "publish",
        "renew status lists near their validUntil and republish every one to the publish "
        "directory (needs the key passphrase)",
        cmd_publish,
        signs=False,
    )
    passphrase_option(publish)

    status = command(
        commands,
        "status",
        "public answer: current and valid, for which scope?",
        cmd_status,
        signs=False,
    )
    status.add_argument("id")
    status.add_argument("--json", action="store_true")

    report = commands.add_parser("report", help="reports from the store")
    report_commands = report.add_subparsers(
        dest="report_command", required=True, metavar="REPORT_COMMAND"
    )
    command(
        report_commands,
        "counts",
        "certificates by qualification and state",
        cmd_report_counts,
        signs=False,
    )
    expiring = command(
        report_commands,
        "expiring",
        "active certificates expiring soon (renewal reminders)",
        cmd_report_expiring,
        signs=False,
    )
    expiring.add_argument("--days", type=int, default=90)
    expiring.add_argument("--csv", action="store_true")

    audit = commands.add_parser("audit", help="the audit log")
    audit_commands = audit.add_subparsers(
        dest="audit_command", required=True, metavar="AUDIT_COMMAND"
    )
    command(
        audit_commands,
        "verify",
        "check the hash chain; exit 1 if broken",
        cmd_audit_verify,
        signs=False,
    )
