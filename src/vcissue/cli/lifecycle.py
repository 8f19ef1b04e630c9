"""Store-backed commands: issue, batch, suspend, reinstate, revoke, reduce-scope, recertify,
lifecycle run, publish, status, audit verify (reports: ``reports.py``).

Each finds the deployment's settings by the rule (``--config``, ``$VCISSUE_CONFIG``,
``./vcissue.toml``; see ``vcissue.settings``) and opens its store; none creates a store
(that is ``vcissue init``). Commands that sign need the key passphrase (the settings'
passphrase file, ``$VCISSUE_KEY_PASSPHRASE`` or a prompt); read-only ones do not. Every
change is a decision of the principal whose API key is given (``--api-key`` or
``$VCISSUE_API_KEY``) under the deployment's policies; a decision short of its approvers
is pending (``vcissue decisions``). Every status change republishes the signed lists.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..batch import parse_batch_csv
from ..checkpoint import CHECKPOINT_NAME, Checkpoint
from ..errors import CredentialError
from ..governance.principals import identity
from ..issuer import DecisionOutcome, IssuedCredential
from ..model import Award, EvidenceRef
from ..status_sources import DirectorySource, FetchPolicy, HttpSource
from ..strictjson import parse_object
from ..wiring import deployment_trust
from .common import (
    EXIT_INVALID,
    acting,
    api_key_option,
    config_option,
    decision_line,
    issuer,
    parse_moment,
    passphrase_option,
    read_text,
    settings,
    write_json,
)

__all__ = ["register"]

ID_HELP = "credential id (urn:uuid:...) or certificate number"


def evidence_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--evidence",
        action="append",
        metavar="FILE",
        help="an evidence document (CPD record, assessment report): its SHA-256 is signed",
    )
    parser.add_argument(
        "--evidence-url",
        action="append",
        metavar="URL",
        help="where the matching --evidence FILE is published (one per --evidence, in order)",
    )


def _split(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _evidence(args: argparse.Namespace) -> tuple[EvidenceRef, ...]:
    """``--evidence FILE`` with the ``--evidence-url`` it is published at, in order: each
    file's SHA-256 goes into the credential (``digestMultibase``), never its content."""
    files, urls = args.evidence or [], args.evidence_url or []
    if len(files) != len(urls):
        raise CredentialError(
            f"each --evidence FILE needs the --evidence-url it is published at "
            f"({len(files)} files, {len(urls)} URLs)"
        )
    return tuple(
        EvidenceRef.of_document(url, Path(file).read_bytes(), name=Path(file).name)
        for file, url in zip(files, urls, strict=True)
    )


def _rpl(args: argparse.Namespace) -> list[str] | str:
    return "all" if args.rpl == "all" else _split(args.rpl)


def cmd_issue(args: argparse.Namespace) -> int:
    desk = issuer(args)
    by = acting(args, desk)
    award = Award.from_request(
        desk.qualification(args.qualification),
        holder_name=args.holder_name,
        holder_id=args.holder_id,
        holder_email=args.holder_email,
        holder_language=args.holder_language,
        awarded=parse_moment(args.awarded) if args.awarded else desk.now(),
        units=_split(args.units),
        scope=args.scope,
        limitations=args.limitation or (),
        result=args.result,
        evidence=_evidence(args),
        rpl=_rpl(args),
    )
    assessors = [identity(name) for name in args.assessor or ()]
    if args.request:
        outcome = desk.request_award(award, by=by, assessors=assessors)
        if not outcome.done:
            print(decision_line(outcome))
            return 0
        issued = outcome.result
    else:
        issued = desk.issue(award, by=by, batch_key=args.reference, assessors=assessors)
    if args.output:
        write_json(Path(args.output), issued.credential)
    verb = "issued" if issued.created else "already issued (same --reference)"
    number = f" number {issued.record.number}" if issued.record.number else ""
    print(f"{verb} {issued.record.id}{number}" + (f" to {args.output}" if args.output else ""))
    return 0


class Progress:
    """A progress bar on a terminal, a line per 10% otherwise (logs stay readable)."""

    def __init__(self, total: int, label: str = "batch") -> None:
        self.total = max(total, 1)
        self.label = label
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, row: object) -> None:
        del row
        if self.tty:
            filled = 30 * done // self.total
            bar = "#" * filled + "-" * (30 - filled)
            print(f"\r[{bar}] {done}/{self.total}", end="", file=sys.stderr, flush=True)
            if done == self.total:
                print(file=sys.stderr)
        elif (tenth := 10 * done // self.total) != self.shown:
            self.shown = tenth
            print(f"{self.label}: {done}/{self.total} rows", file=sys.stderr, flush=True)


def cmd_batch(args: argparse.Namespace) -> int:
    desk = issuer(args)
    by = acting(args, desk)
    text = read_text(args.file, "batch file")
    rows = list(parse_batch_csv(text, desk.qualifications, now=desk.now()))
    report = desk.issue_batch(rows, by=by, progress=Progress(len(rows)), workers=args.workers)
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


def _report(outcome: DecisionOutcome, args: argparse.Namespace) -> int:
    print(decision_line(outcome))
    result = outcome.result
    if isinstance(result, IssuedCredential):
        number = f" number {result.record.number}" if result.record.number else ""
        print(f"  new credential {result.record.id}{number} until {result.record.expires.date()}")
        if getattr(args, "output", None):
            write_json(Path(args.output), result.credential)
    return 0


def cmd_suspend(args: argparse.Namespace) -> int:
    desk = issuer(args)
    until = parse_moment(args.until) if args.until else desk.now() + timedelta(days=args.days)
    outcome = desk.suspend(args.id, reason=args.reason, until=until, by=acting(args, desk))
    return _report(outcome, args)


def cmd_extend(args: argparse.Namespace) -> int:
    desk = issuer(args)
    if args.until:
        until = parse_moment(args.until)
    else:  # days past the current deadline (a credential not suspended is refused below)
        current = desk.get(args.id).suspended_until or desk.now()
        until = current + timedelta(days=args.days)
    outcome = desk.extend_suspension(
        args.id, until=until, reason=args.reason, by=acting(args, desk)
    )
    return _report(outcome, args)


def cmd_reinstate(args: argparse.Namespace) -> int:
    desk = issuer(args)
    return _report(desk.reinstate(args.id, reason=args.reason, by=acting(args, desk)), args)


def cmd_revoke(args: argparse.Namespace) -> int:
    desk = issuer(args)
    return _report(desk.revoke(args.id, reason=args.reason, by=acting(args, desk)), args)


def cmd_withdraw(args: argparse.Namespace) -> int:
    desk = issuer(args)
    return _report(desk.withdraw(args.id, reason=args.reason, by=acting(args, desk)), args)


def cmd_reduce_scope(args: argparse.Namespace) -> int:
    desk = issuer(args)
    outcome = desk.reduce_scope(
        args.id, units=_split(args.units), reason=args.reason, by=acting(args, desk)
    )
    return _report(outcome, args)


def cmd_expand_scope(args: argparse.Namespace) -> int:
    desk = issuer(args)
    outcome = desk.expand_scope(
        args.id, units=_split(args.units), reason=args.reason, by=acting(args, desk)
    )
    return _report(outcome, args)


def cmd_recertify(args: argparse.Namespace) -> int:
    desk = issuer(args)
    outcome = desk.recertify(args.id, by=acting(args, desk), evidence=_evidence(args))
    return _report(outcome, args)


def cmd_rename(args: argparse.Namespace) -> int:
    desk = issuer(args)
    outcome = desk.rename(args.id, name=args.name, reason=args.reason, by=acting(args, desk))
    return _report(outcome, args)


def cmd_lifecycle_run(args: argparse.Namespace) -> int:
    report = issuer(args).run_lifecycle()
    for credential_id in report.withdrawn:
        print(f"withdrawn (suspension deadline passed): {credential_id}")
    for case_id in report.expired_decisions:
        print(f"expired (not approved in time): decision {case_id}")
    print(
        f"lifecycle run: {len(report.withdrawn)} withdrawn, {len(report.expired_decisions)} "
        "decisions expired; status lists republished"
    )
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    count = issuer(args).publish()  # signs: lists near their validUntil are renewed first
    print(f"republished {count} status lists (renewing those near their validUntil)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    desk = issuer(args, signs=False)
    if args.name:  # "is this person certified?": yes or no, nothing else
        confirmed = desk.confirms(args.id, args.name)
        print("yes" if confirmed else "no")
        return 0 if confirmed else EXIT_INVALID
    answer = desk.public_status(args.id)
    data: dict[str, Any] = answer.to_json()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(f"{answer.holder_name} {data['statement']}.")
        if answer.number:
            print(f"  certificate number: {answer.number}")
        if answer.replaced_by:
            print(f"  superseded by: {answer.replaced_by_number or answer.replaced_by}")
        if answer.current:
            print(f"  qualification: {answer.qualification_title or answer.qualification_id}")
            print(f"  scope: {answer.scope}")
            print(f"  valid until: {answer.expires.date().isoformat()}")
    return 0 if answer.current else EXIT_INVALID


def _checkpoint(where: str, insecure: bool) -> Checkpoint:
    """A checkpoint a third party kept: a file, or an https URL fetched under the SSRF
    policy (``--allow-insecure-loopback``: http on loopback, for development)."""
    if where.startswith(("https://", "http://")):
        fetch = HttpSource(FetchPolicy(allow_http=insecure, allow_loopback=insecure))
        return Checkpoint.from_json(fetch(where))
    return Checkpoint.from_json(parse_object(read_text(where, "checkpoint"), what="checkpoint"))


def cmd_audit_verify(args: argparse.Namespace) -> int:
    found = settings(args)
    desk = issuer(args, signs=False)
    trust = deployment_trust(found)
    published = None
    if found.publish_dir is not None and found.publish_dir.is_dir():
        published = DirectorySource(found.publish_dir, found.status_base_url)
    kept = _checkpoint(args.checkpoint, args.allow_insecure_loopback) if args.checkpoint else None
    start = kept
    if start is None and found.publish_dir is not None:  # the body's last signed checkpoint
        last = found.publish_dir / CHECKPOINT_NAME
        if last.is_file():
            start = Checkpoint.from_json(parse_object(read_text(str(last), "checkpoint")))
    check = desk.audit_check(trust=trust, published=published, checkpoint=start, full=args.full)
    if not check.intact:
        for problem in check.problems:
            print(f"audit log: {problem}")
        print(f"AUDIT LOG BROKEN: {len(check.problems)} problems")
        return EXIT_INVALID
    replayed = (
        f"the {check.entries - check.replayed_after} entries after the signed checkpoint of "
        f"entry {check.replayed_after}, replayed onto the state it commits to,"
        if check.replayed_after
        else "replayed from the first entry, it"
    )
    print(
        f"audit log intact: {check.entries} entries, head {check.head}; {replayed} matches "
        "every credential's state and status bits in the store and the signed lists"
        + (f"; it extends the checkpoint of entry {start.seq}" if start else "")
    )
    return 0


def register(commands: Any) -> None:
    def command(
        parent: Any,
        name: str,
        help_text: str,
        handler: Any,
        *,
        signs: bool = True,
        decides: bool = True,
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        config_option(parser)
        if signs:
            passphrase_option(parser)
        if signs and decides:
            api_key_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    issue = command(commands, "issue", "issue a certificate and record it in the store", cmd_issue)
    issue.add_argument("--qualification", required=True, help="configured qualification id")
    issue.add_argument("--holder-name", required=True)
    issue.add_argument("--holder-id", help="holder DID or URN (optional)")
    issue.add_argument(
        "--holder-email", help="where the holder's notices go (kept, not in the credential)"
    )
    issue.add_argument(
        "--holder-language", help="the holder's language: certificates print in it (en, hr)"
    )
    issue.add_argument("--units", help="comma-separated unit ids for a unit credential")
    issue.add_argument("--awarded", help="award date (default: now)")
    issue.add_argument("--result", default="pass")
    issue.add_argument("--scope")
    issue.add_argument("--limitation", action="append")
    issue.add_argument("--reference", help="your id for this award; re-running is a no-op")
    issue.add_argument(
        "--assessor", action="append", help="who assessed the candidate (may not decide)"
    )
    issue.add_argument(
        "--request",
        action="store_true",
        help="request the award under the scheme's award policy (a panel approves it)",
    )
    evidence_options(issue)
    issue.add_argument(
        "--rpl",
        nargs="?",
        const="all",
        metavar="UNITS",
        help="recognised through prior learning: comma-separated unit ids, or every "
        "awarded unit when given alone",
    )
    issue.add_argument("-o", "--output", help="also write the signed credential here")

    batch = command(commands, "batch", "issue from a CSV of holders (see vcissue.batch)", cmd_batch)
    batch.add_argument("file")
    batch.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes that sign while the store is written (default: one per CPU)",
    )
    batch.add_argument("--output-dir", help="write each credential as <uuid>.json here")

    suspend = command(commands, "suspend", "suspend a certificate until a deadline", cmd_suspend)
    suspend.add_argument("id", help=ID_HELP)
    suspend.add_argument("--reason", required=True)
    deadline = suspend.add_mutually_exclusive_group(required=True)
    deadline.add_argument("--until", help="deadline (ISO 8601)")
    deadline.add_argument("--days", type=int, help="deadline in days from now")

    extend = command(commands, "extend-suspension", "move a suspension's deadline", cmd_extend)
    extend.add_argument("id", help=ID_HELP)
    extend.add_argument("--reason", required=True)
    later = extend.add_mutually_exclusive_group(required=True)
    later.add_argument("--until", help="the new deadline (ISO 8601)")
    later.add_argument("--days", type=int, help="days past the current deadline")

    reinstate = command(commands, "reinstate", "lift a suspension", cmd_reinstate)
    reinstate.add_argument("id", help=ID_HELP)
    reinstate.add_argument("--reason", required=True)

    revoke = command(
        commands, "revoke", "request or approve a revocation (final; two approvers)", cmd_revoke
    )
    revoke.add_argument("id", help=ID_HELP)
    revoke.add_argument("--reason", required=True)

    withdraw = command(commands, "withdraw", "request or approve a withdrawal", cmd_withdraw)
    withdraw.add_argument("id", help=ID_HELP)
    withdraw.add_argument("--reason", required=True)

    reduce = command(
        commands, "reduce-scope", "withdraw and reissue with fewer units", cmd_reduce_scope
    )
    reduce.add_argument("id", help=ID_HELP)
    reduce.add_argument("--units", required=True, help="comma-separated unit ids to keep")
    reduce.add_argument("--reason", required=True)
    reduce.add_argument("-o", "--output")

    expand = command(
        commands, "expand-scope", "supersede with a credential for more units", cmd_expand_scope
    )
    expand.add_argument("id", help=ID_HELP)
    expand.add_argument("--units", required=True, help="comma-separated unit ids to hold")
    expand.add_argument("--reason", required=True)
    expand.add_argument("-o", "--output")

    recertify = command(commands, "recertify", "issue a renewed certificate", cmd_recertify)
    recertify.add_argument("id", help=ID_HELP)
    evidence_options(recertify)
    recertify.add_argument("-o", "--output")

    rename = command(
        commands, "rename", "reissue under the holder's new name (the old is superseded)",
        cmd_rename,
    )  # fmt: skip
    rename.add_argument("id", help=ID_HELP)
    rename.add_argument("--name", required=True, help="the holder's new name")
    rename.add_argument("--reason", default="name change")
    rename.add_argument("-o", "--output")

    lifecycle = commands.add_parser("lifecycle", help="scheduled lifecycle work")
    lifecycle_commands = lifecycle.add_subparsers(
        dest="lifecycle_command", required=True, metavar="LIFECYCLE_COMMAND"
    )
    command(
        lifecycle_commands,
        "run",
        "withdraw overdue suspensions and republish lists (idempotent)",
        cmd_lifecycle_run,
        decides=False,
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
    status.add_argument("id", help=ID_HELP)
    status.add_argument("--json", action="store_true")
    status.add_argument("--name", help="answer only yes or no: does this person hold it?")

    audit = commands.add_parser("audit", help="the audit log")
    audit_commands = audit.add_subparsers(
        dest="audit_command", required=True, metavar="AUDIT_COMMAND"
    )
    verify = command(
        audit_commands,
        "verify",
        "from the last signed checkpoint (--checkpoint's, else publish_dir's): check that the "
        "log extends it, hash and replay the entries after it onto the state it signs, and "
        "set that against the store's states, status bits and signed lists; exit 1 if not",
        cmd_audit_verify,
        signs=False,
    )
    verify.add_argument(
        "--checkpoint",
        metavar="FILE|URL",
        help="a signed checkpoint a third party kept (the audit-checkpoint file published "
        "beside the status lists)",
    )
    verify.add_argument(
        "--full",
        action="store_true",
        help="hash and replay the whole log from its first entry (by default only the entries "
        "after the checkpoint, whose signature vouches for those before it: an entry before "
        "it edited in place changes no state the store is held to, and only --full finds it)",
    )
    verify.add_argument(
        "--allow-insecure-loopback",
        action="store_true",
        help="development only: fetch a --checkpoint URL over http:// from loopback",
    )
