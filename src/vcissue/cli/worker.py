"""``vcissue worker`` (the scheduler and delivery as one long-running process) and
``vcissue notices`` (the deliveries: list, put dead letters back in the queue).

The worker is restart-safe: the outbox and the deliveries in the store are its only
state. SIGTERM or Ctrl-C stop it after the current round; SIGKILL loses nothing either
(a delivery cut off mid-send is sent again after its lease: at least once).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from ..system import system_clock, system_random
from ..wiring import build_worker
from .common import config_option, issuer, passphrase_option, settings

__all__ = ["register"]


def _log(line: str) -> None:
    print(line, flush=True)


def cmd_worker(args: argparse.Namespace) -> int:
    found = settings(args)
    desk = issuer(args)
    try:
        worker = build_worker(found, desk, clock=system_clock, rng=system_random, log=_log)
        if args.once:
            done = worker.run_once()
            report = done.delivery
            print(
                f"worker round: {report.dispatched} events dispatched, {report.sent} sent, "
                f"{report.retrying} to retry, {report.dead} dead letters, "
                f"{done.reminders} reminders written"
            )
            return 0
        stop = threading.Event()

        def halt(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, halt)
        signal.signal(signal.SIGINT, halt)
        _log(f"worker started (polling every {found.notify.poll}); SIGTERM stops it")
        worker.run(stop)
        _log("worker stopped")
        return 0
    finally:
        desk.store.close()


def cmd_notices_list(args: argparse.Namespace) -> int:
    desk = issuer(args, signs=False)
    try:
        worker = build_worker(settings(args), desk, clock=system_clock, rng=system_random)
        rows = worker.deliverer.deliveries(state=args.state)
    finally:
        desk.store.close()
    for row in rows:
        error = f"  {row.last_error}" if row.last_error else ""
        print(
            f"{row.state:8} {row.attempts:3}  {row.next_at.isoformat()}  {row.event_id}  "
            f"{row.recipient}{error}"
        )
    print(f"{len(rows)} deliveries", file=sys.stderr)
    return 0


def cmd_notices_retry(args: argparse.Namespace) -> int:
    desk = issuer(args, signs=False)
    try:
        worker = build_worker(settings(args), desk, clock=system_clock, rng=system_random)
        count = worker.deliverer.retry_dead(args.event)
    finally:
        desk.store.close()
    print(f"{count} dead letters back in the queue (the worker sends them next)")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = commands.add_parser(
        "worker",
        help="run the scheduler (lifecycle deadlines, reminders) and notice delivery",
        description="One long-running process: every [notify] schedule_every the lifecycle "
        "run and the reminders; every [notify] poll, new events dispatched and due "
        "deliveries sent (e-mail, signed webhooks) with retries and dead letters. "
        "Restart-safe; SIGTERM stops it.",
    )
    worker.add_argument("--once", action="store_true", help="one round, then exit (cron)")
    config_option(worker)
    passphrase_option(worker)
    worker.set_defaults(handler=cmd_worker)

    notices = commands.add_parser("notices", help="deliveries of notices: list, retry")
    sub = notices.add_subparsers(dest="notices_command", required=True, metavar="NOTICES_COMMAND")
    listing = sub.add_parser("list", help="deliveries, soonest next attempt first")
    listing.add_argument("--state", choices=["pending", "sent", "dead"])
    config_option(listing)
    listing.set_defaults(handler=cmd_notices_list)
    retry = sub.add_parser("retry", help="put dead letters (of one event, or all) back")
    retry.add_argument("event", nargs="?", help="the event id (default: every dead letter)")
    config_option(retry)
    retry.set_defaults(handler=cmd_notices_retry)
