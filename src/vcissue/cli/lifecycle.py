"""Store-backed commands: award, batch, suspend, reinstate, revoke, reduce-scope,
recertify, lifecycle run, publish, status, report, audit verify.

All read the deployment settings (``--config`` / ``$VCISSUE_CONFIG``, see
``vcissue.settings``). Commands that sign need the key passphrase (settings'
passphrase file, ``$VCISSUE_KEY_PASSPHRASE`` or a prompt); read-only ones do not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..batch import BatchRow, RowError, parse_batch_csv
from ..errors import VcissueError
from ..issuer import Issuer
from ..model import Award, Holder
from ..settings import Settings, build_issuer, load_settings, read_passphrase
from ..store import Store, open_store
from . import EXIT_INVALID, _now, _parse_moment, _passphrase, _write_json

__all__ = ["register"]


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def _issuer(args: argparse.Namespace) -> Issuer:
    settings = _settings(args)
    passphrase = read_passphrase(settings) or _passphrase(args)
    return build_issuer(settings, passphrase, now=_now())


def _store(args: argparse.Namespace) -> Store:
    return open_store(_settings(args).store_url)


def _actor(args: argparse.Namespace) -> str:
    actor: str = args.actor
    if not actor.strip():
        raise VcissueError("--actor must name who is acting")
    return actor


def cmd_award(args: argparse.Namespace) -> int:
    issuer = _issuer(args)
    qualification = issuer.qualification(args.qualification)
    award = Award(
        holder=Holder(args.holder_name, args.holder_id, qualification.subject_kind),
        qualification=qualification,
        awarded=_parse_moment(args.awarded) if args.awarded else issuer.now(),
        units=tuple(args.units.split(",")) if args.units else None,
        scope=args.scope or "",
        limitations=tuple(args.limitation or ()),
    )
    issued = issuer.issue(award, actor=_actor(args), batch_key=args.reference)
    if args.output:
        _write_json(Path(args.output), issued.credential)
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
    issuer = _issuer(args)
    text = Path(args.file).read_text("utf-8")
    rows = list(parse_batch_csv(text, issuer.qualifications, now=issuer.now()))
    report = issuer.issue_batch(rows, actor=_actor(args), progress=_Progress(len(rows)))
    for error in report.errors:
        print(f"{args.file}:{error.line}: skipped: {error.message}", file=sys.stderr)
    print(
        f"batch {args.file}: {len(report.issued)} issued, "
        f"{len(report.already_issued)} already issued earlier, {len(report.errors)} skipped"
    )
    if args.output_dir:
        for _, credential_id in report.issued + report.already_issued:
            record = issuer.get(credential_id)
            name = credential_id.removeprefix("urn:uuid:") + ".json"
            _write_json(Path(args.output_dir) / name, json.loads(record.signed_json))
    return EXIT_INVALID if report.errors else 0


def cmd_suspend(args: argparse.Namespace) -> int:
    issuer = _issuer(args)
    until = _parse_moment(args.until) if args.until else issuer.now() + timedelta(days=args.days)
    record = issuer.suspend(args.id, reason=args.reason, until=until, actor=_actor(args))
    print(f"suspended {record.id} until {until.isoformat()}")
    return 0


def cmd_reinstate(args: argparse.Namespace) -> int:
    record = _issuer(args).reinstate(args.id, actor=_actor(args), reason=args.reason or "")
    print(f"reinstated {record.id}")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    outcome = _issuer(args).revoke(args.id, reason=args.reason, actor=_actor(args))
    if outcome.state == "pending":
        print(
            f"revocation of {args.id} pending: {len(outcome.approvals)} of "
            f"{outcome.required} approvals ({', '.join(outcome.approvals)})"
        )
    else:
        print(f"revoked {args.id} (approved by {', '.join(outcome.approvals)})")
    return 0


def cmd_reduce_scope(args: argparse.Namespace) -> int:
    issued = _issuer(args).reduce_scope(
        args.id, units=args.units.split(","), reason=args.reason, actor=_actor(args)
    )
    if args.output:
        _write_json(Path(args.output), issued.credential)
    print(f"withdrew {args.id}; issued {issued.record.id} for {', '.join(issued.record.units)}")
    return 0


def cmd_recertify(args: argparse.Namespace) -> int:
    issued = _issuer(args).recertify(args.id, actor=_actor(args))
    if args.output:
        _write_json(Path(args.output), issued.credential)
    print(f"recertified {args.id} as {issued.record.id} until {issued.record.expires.date()}")
    return 0


def cmd_lifecycle_run(args: argparse.Namespace) -> int:
    withdrawn = _issuer(args).run_lifecycle(actor=_actor(args))
    for credential_id in withdrawn:
        print(f"withdrawn (suspension deadline passed): {credential_id}")
    print(f"lifecycle run: {len(withdrawn)} withdrawn; status lists republished")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    issuer = _issuer(args)
    written = issuer.publish()
    print(f"published {len(written)} status lists to {issuer.settings.publish_dir}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = open_store(settings.store_url)
    record = store.read(lambda tx: tx.get_credential(args.id))
    if record is None:
        print(f"{args.id}: no such certificate was issued by this body")
        return EXIT_INVALID
    titles = {q.id: q.title for q in settings.qualifications()}
    current = record.state == "active" and _now() < record.expires
    answer: dict[str, Any] = {
        "credentialId": record.id,
        "holderName": record.holder_name,
        "qualification": titles.get(record.qualification_id, record.qualification_id),
        "units": list(record.units) or "all",
        "scope": record.terms.get("scope", ""),
        "expires": record.expires.date().isoformat(),
        "current": current,
    }
    if args.json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        verdict = (
            "holds a current, valid certification"
            if current
            else ("does not hold a current, valid certification under this credential")
        )
        print(f"{record.holder_name} {verdict}.")
        if current:
            print(f"  qualification: {answer['qualification']}")
            print(f"  scope: {answer['scope']}")
            print(f"  valid until: {answer['expires']}")
    return 0 if current else EXIT_INVALID


def cmd_report_counts(args: argparse.Namespace) -> int:
    store = _store(args)
    counts = store.read(lambda tx: tx.count_by_qualification_and_state())
    now = _now()
    expired = Counter(
        record.qualification_id
        for record in store.read(
            lambda tx: tx.list_credentials(state="active", expiring_before=now)
        )
    )
    states = ["active", "suspended", "revoked", "withdrawn", "superseded"]
    print(f"{'qualification':24} " + " ".join(f"{s:>10}" for s in states) + f" {'(expired)':>10}")
    for qualification in sorted({q for q, _ in counts}):
        cells = " ".join(f"{counts.get((qualification, s), 0):>10}" for s in states)
        print(f"{qualification:24} {cells} {expired.get(qualification, 0):>10}")
    print("(expired: active but past validUntil; renew by recertification)")
    return 0


def cmd_report_expiring(args: argparse.Namespace) -> int:
    now = _now()
    horizon = now + timedelta(days=args.days)
    records = [
        record
        for record in _store(args).read(
            lambda tx: tx.list_credentials(state="active", expiring_before=horizon)
        )
        if record.expires >= now
    ]
    records.sort(key=lambda record: record.expires)
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
    store = _store(args)
    problems = store.read(lambda tx: tx.verify_audit())
    seq, head = store.read(lambda tx: tx.audit_head())
    if problems:
        for problem in problems:
            print(f"audit log: {problem}")
        print(f"AUDIT LOG BROKEN: {len(problems)} problems")
        return EXIT_INVALID
    print(f"audit log intact: {seq} entries, head {head}")
    return 0


def register(commands: Any) -> None:
    from . import passphrase_option

    def command(name: str, help_text: str, handler: Any, *, signs: bool = True) -> Any:
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("--config", help="settings file (default: $VCISSUE_CONFIG)")
        if signs:
            parser.add_argument("--actor", required=True, help="who does this (audit log)")
            passphrase_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    award = command("award", "issue a certificate and record it in the store", cmd_award)
    award.add_argument("--qualification", required=True, help="configured qualification id")
    award.add_argument("--holder-name", required=True)
    award.add_argument("--holder-id")
    award.add_argument("--units", help="comma-separated unit ids for a unit credential")
    award.add_argument("--awarded")
    award.add_argument("--scope")
    award.add_argument("--limitation", action="append")
    award.add_argument("--reference", help="your id for this award; re-running is a no-op")
    award.add_argument("-o", "--output")

    batch = command("batch", "issue from a CSV of holders (see vcissue.batch)", cmd_batch)
    batch.add_argument("file")
    batch.add_argument("--output-dir", help="write each credential as <uuid>.json here")

    suspend = command("suspend", "suspend a certificate until a deadline", cmd_suspend)
    suspend.add_argument("id")
    suspend.add_argument("--reason", required=True)
    deadline = suspend.add_mutually_exclusive_group(required=True)
    deadline.add_argument("--until", help="deadline (ISO 8601)")
    deadline.add_argument("--days", type=int, help="deadline in days from now")

    reinstate = command("reinstate", "lift a suspension", cmd_reinstate)
    reinstate.add_argument("id")
    reinstate.add_argument("--reason")

    revoke = command("revoke", "approve (and, with enough approvers, do) a revocation", cmd_revoke)
    revoke.add_argument("id")
    revoke.add_argument("--reason", required=True)

    reduce = command("reduce-scope", "withdraw and reissue with fewer units", cmd_reduce_scope)
    reduce.add_argument("id")
    reduce.add_argument("--units", required=True, help="comma-separated unit ids to keep")
    reduce.add_argument("--reason", required=True)
    reduce.add_argument("-o", "--output")

    recertify = command("recertify", "issue a renewed certificate", cmd_recertify)
    recertify.add_argument("id")
    recertify.add_argument("-o", "--output")

    lifecycle = commands.add_parser("lifecycle", help="scheduled lifecycle work")
    lifecycle_commands = lifecycle.add_subparsers(dest="lifecycle_command", required=True)
    run = lifecycle_commands.add_parser(
        "run", help="withdraw overdue suspensions and republish lists (idempotent)"
    )
    run.add_argument("--config")
    run.add_argument("--actor", default="lifecycle")
    passphrase_option(run)
    run.set_defaults(handler=cmd_lifecycle_run)

    passphrase_option(
        command(
            "publish",
            "write every signed status list to the publish directory",
            cmd_publish,
            signs=False,
        )
    )

    status = command(
        "status", "public answer: current and valid, for which scope?", cmd_status, signs=False
    )
    status.add_argument("id")
    status.add_argument("--json", action="store_true")

    report = commands.add_parser("report", help="reports from the store")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    counts = report_commands.add_parser("counts", help="certificates by qualification and state")
    counts.add_argument("--config")
    counts.set_defaults(handler=cmd_report_counts)
    expiring = report_commands.add_parser(
        "expiring", help="active certificates expiring soon (renewal reminders)"
    )
    expiring.add_argument("--config")
    expiring.add_argument("--days", type=int, default=90)
    expiring.add_argument("--csv", action="store_true")
    expiring.set_defaults(handler=cmd_report_expiring)

    audit = commands.add_parser("audit", help="the audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="check the hash chain; exit 1 if broken")
    verify.add_argument("--config")
    verify.set_defaults(handler=cmd_audit_verify)
