"""``vcissue principal``, ``decisions``, ``complaint`` and ``appeal``: who may act, the
decisions awaiting approval, the complaints register and appeals.

Principals are added by whoever administers the deployment (the settings and the store);
everything else is done by a principal authenticated with its API key.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..governance.principals import ROLES, add_principal, disable_principal, list_principals
from ..issuer import APPEALABLE, DecisionOutcome
from ..wiring import open_deployment_store
from .common import (
    acting,
    api_key_option,
    config_option,
    decision_line,
    issuer,
    now,
    parse_moment,
    passphrase_option,
    settings,
)

__all__ = ["register"]


def cmd_principal_add(args: argparse.Namespace) -> int:
    store = open_deployment_store(settings(args))
    try:
        found = add_principal(store, args.name, args.role or (), now=now(), by="cli:admin")
    finally:
        store.close()
    print(f"principal {found.id}: roles {', '.join(sorted(found.roles)) or 'none'}")
    return 0


def cmd_principal_disable(args: argparse.Namespace) -> int:
    store = open_deployment_store(settings(args))
    try:
        disable_principal(store, args.name, now=now(), by="cli:admin")
    finally:
        store.close()
    print(f"principal {args.name!r} disabled; its API keys no longer work")
    return 0


def cmd_principal_list(args: argparse.Namespace) -> int:
    store = open_deployment_store(settings(args))
    try:
        found = list_principals(store)
    finally:
        store.close()
    for record in found:
        state = "disabled" if record.disabled_at else "active"
        print(f"{record.id:30} {state:8} {', '.join(sorted(record.roles))}")
    return 0


def _print(outcome: DecisionOutcome, as_json: bool) -> None:
    print(json.dumps(outcome.to_json()) if as_json else decision_line(outcome))


def cmd_decisions_list(args: argparse.Namespace) -> int:
    for outcome in issuer(args, signs=False).decisions(state=args.state):
        line = f"{outcome.case_id}  {outcome.state:8} {outcome.kind:17} {outcome.subject or '-'}"
        print(json.dumps(outcome.to_json()) if args.json else line)
    return 0


def cmd_decisions_approve(args: argparse.Namespace) -> int:
    desk = issuer(args)
    _print(desk.approve(args.case, by=acting(args, desk), note=args.note or ""), False)
    return 0


def cmd_decisions_reject(args: argparse.Namespace) -> int:
    desk = issuer(args, signs=False)
    _print(desk.reject(args.case, by=acting(args, desk), reason=args.reason), False)
    return 0


def cmd_complaint_open(args: argparse.Namespace) -> int:
    desk = issuer(args)
    complaint = desk.open_complaint(
        about=args.about,
        complainant=args.complainant,
        by=acting(args, desk),
        handler=args.handled_by,
        subject=args.credential,
        received=parse_moment(args.received) if args.received else None,
        interim_suspension_until=parse_moment(args.interim_suspension_until)
        if args.interim_suspension_until
        else None,
    )
    print(f"complaint {complaint.id} registered; answer due {complaint.target.date()}")
    interim = complaint.data.get("interimSuspension")
    if interim:
        print(f"  interim suspension until {interim['until']}: {interim['state']}")
    return 0


def cmd_complaint_close(args: argparse.Namespace) -> int:
    desk = issuer(args)
    complaint = desk.close_complaint(
        args.case, outcome=args.outcome, by=acting(args, desk), note=args.note or ""
    )
    follow = complaint.data.get("followUp")
    print(
        f"complaint {complaint.id} {args.outcome}"
        + (f"; follow-up decision {follow}" if follow else "")
    )
    return 0


def cmd_complaint_list(args: argparse.Namespace) -> int:
    for complaint in issuer(args, signs=False).complaints(state=args.state):
        print(
            json.dumps(complaint.to_json())
            if args.json
            else (
                f"{complaint.id}  {complaint.state:6} due {complaint.target.date()}  "
                f"{complaint.subject or 'the body'}: {complaint.data.get('about')}"
            )
        )
    return 0


def cmd_appeal_lodge(args: argparse.Namespace) -> int:
    desk = issuer(args, signs=False)
    appeal = desk.lodge_appeal(
        against=args.against,
        subject=args.subject,
        appellant=args.appellant,
        grounds=args.grounds,
        by=acting(args, desk),
    )
    print(
        f"appeal {appeal.id} against the {appeal.against} of {appeal.subject} lodged; it may "
        f"not be decided by {', '.join(appeal.data['originalDeciders'])}"
    )
    return 0


def cmd_appeal_decide(args: argparse.Namespace) -> int:
    desk = issuer(args)
    appeal = desk.decide_appeal(
        args.case, outcome=args.outcome, by=acting(args, desk), note=args.note or ""
    )
    restored = appeal.data.get("restoredAs")
    print(f"appeal {appeal.id} {args.outcome}" + (f"; restored as {restored}" if restored else ""))
    return 0


def cmd_appeal_list(args: argparse.Namespace) -> int:
    for appeal in issuer(args, signs=False).appeals(state=args.state):
        print(
            json.dumps(appeal.to_json())
            if args.json
            else (f"{appeal.id}  {appeal.state:6} {appeal.against:15} {appeal.subject}")
        )
    return 0


def register(commands: Any) -> None:
    def sub(
        parent: Any, name: str, help_text: str, handler: Any, *, signs: bool, acts: bool
    ) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        config_option(parser)
        if signs:
            passphrase_option(parser)
        if acts:
            api_key_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    principal = commands.add_parser("principal", help="people and systems who act, and roles")
    p = principal.add_subparsers(dest="principal_command", required=True, metavar="COMMAND")
    add = sub(
        p, "add", "add a principal or give it roles", cmd_principal_add, signs=False, acts=False
    )
    add.add_argument("name", help="the principal's name (its identity is normalised)")
    add.add_argument("--role", action="append", choices=ROLES, help="a role (repeatable)")
    gone = sub(
        p,
        "disable",
        "disable a principal (its keys stop working; its history stays)",
        cmd_principal_disable,
        signs=False,
        acts=False,
    )
    gone.add_argument("name")
    sub(p, "list", "every principal and its roles", cmd_principal_list, signs=False, acts=False)

    decisions = commands.add_parser("decisions", help="decisions awaiting approval")
    d = decisions.add_subparsers(dest="decisions_command", required=True, metavar="COMMAND")
    listing = sub(
        d, "list", "decisions (default: pending)", cmd_decisions_list, signs=False, acts=False
    )
    listing.add_argument(
        "--state", default="pending", choices=["pending", "done", "rejected", "expired"]
    )
    listing.add_argument("--json", action="store_true")
    approve = sub(
        d, "approve", "approve a pending decision", cmd_decisions_approve, signs=True, acts=True
    )
    approve.add_argument("case")
    approve.add_argument("--note")
    reject = sub(
        d, "reject", "reject a pending decision", cmd_decisions_reject, signs=False, acts=True
    )
    reject.add_argument("case")
    reject.add_argument("--reason", required=True)

    complaint = commands.add_parser("complaint", help="the complaints register")
    c = complaint.add_subparsers(dest="complaint_command", required=True, metavar="COMMAND")
    opened = sub(c, "open", "register a complaint", cmd_complaint_open, signs=True, acts=True)
    opened.add_argument("--about", required=True, help="what the complaint is about")
    opened.add_argument("--complainant", required=True)
    opened.add_argument("--credential", help="the certificate it is about (else: the body)")
    opened.add_argument(
        "--handler", dest="handled_by", help="the principal who handles it (default: you)"
    )
    opened.add_argument("--received", help="when it was received (default: now)")
    opened.add_argument(
        "--interim-suspension-until",
        help="suspend the certificate until this date while it is handled",
    )
    closed = sub(
        c,
        "close",
        "close a complaint: dismissed or upheld",
        cmd_complaint_close,
        signs=True,
        acts=True,
    )
    closed.add_argument("case")
    closed.add_argument("--outcome", required=True, choices=["dismissed", "upheld"])
    closed.add_argument("--note")
    listed = sub(c, "list", "the complaints register", cmd_complaint_list, signs=False, acts=False)
    listed.add_argument("--state", choices=["open", "closed"])
    listed.add_argument("--json", action="store_true")

    appeal = commands.add_parser("appeal", help="appeals against decisions")
    a = appeal.add_subparsers(dest="appeal_command", required=True, metavar="COMMAND")
    lodge = sub(a, "lodge", "lodge an appeal", cmd_appeal_lodge, signs=False, acts=True)
    lodge.add_argument("--against", required=True, choices=sorted(APPEALABLE))
    lodge.add_argument(
        "--subject", required=True, help="the credential id (a refused award: its decision id)"
    )
    lodge.add_argument("--appellant", required=True)
    lodge.add_argument("--grounds", required=True)
    decide = sub(
        a,
        "decide",
        "decide an appeal (by someone not in the original decision)",
        cmd_appeal_decide,
        signs=True,
        acts=True,
    )
    decide.add_argument("case")
    decide.add_argument("--outcome", required=True, choices=["upheld", "dismissed"])
    decide.add_argument("--note")
    alist = sub(a, "list", "appeals", cmd_appeal_list, signs=False, acts=False)
    alist.add_argument("--state", choices=["open", "closed"])
    alist.add_argument("--json", action="store_true")
