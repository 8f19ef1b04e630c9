"""The status list options of ``vcissue verify``: where a verifier gets the lists."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta

from ..status_sources import CachedSource, DirectorySource, FetchPolicy, HttpSource
from ..verify import StatusListSource

DEFAULT_MAX_AGE = timedelta(minutes=5)  # the spec's default ttl for a status list (300,000 ms)
_DURATION = re.compile(r"(\d{1,9})([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 300, 90s, 5m, 2h, 1d)")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def add_status_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "status lists", "where to get the lists credentialStatus names (default: not checked)"
    )
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--status-dir", metavar="DIR", help="read lists from DIR (see --status-base)"
    )
    where.add_argument(
        "--status-http", action="store_true", help="fetch lists live (https, public hosts only)"
    )
    group.add_argument("--status-base", metavar="URL", help="the URL at which DIR is published")
    group.add_argument(
        "--allow-insecure-loopback",
        action="store_true",
        help="development only: let --status-http use http:// and loopback addresses",
    )
    group.add_argument(
        "--status-cache",
        metavar="DIR",
        help="keep the last good copy of each list in DIR; when a list cannot be fetched, "
        "use that copy and report its age",
    )
    group.add_argument(
        "--max-age",
        type=_duration,
        metavar="AGE",
        help="with --status-cache: use a copy younger than AGE without fetching "
        "(300, 90s, 5m, 2h, 1d; default 5m)",
    )
    parser.set_defaults(status_parser=parser)


def status_source(args: argparse.Namespace) -> StatusListSource | None:
    """The source the options ask for; a usage error (exit 2) for inconsistent options."""
    usage_error = args.status_parser.error
    if args.status_base and not args.status_dir:
        usage_error("--status-base goes with --status-dir")
    if args.allow_insecure_loopback and not args.status_http:
        usage_error("--allow-insecure-loopback goes with --status-http")
    if args.max_age is not None and not args.status_cache:
        usage_error("--max-age goes with --status-cache")
    source: StatusListSource
    if args.status_dir:
        if not args.status_base:
            usage_error("--status-dir needs --status-base URL")
        source = DirectorySource(args.status_dir, args.status_base)
    elif args.status_http:
        insecure = bool(args.allow_insecure_loopback)
        source = HttpSource(FetchPolicy(allow_http=insecure, allow_loopback=insecure))
    elif args.status_cache:
        usage_error("--status-cache needs --status-dir or --status-http")
    else:
        return None
    if args.status_cache:
        max_age = DEFAULT_MAX_AGE if args.max_age is None else args.max_age
        source = CachedSource(source, args.status_cache, max_age)
    return source
