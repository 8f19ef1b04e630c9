"""Where ``vcissue verify`` gets the status lists a credential names.

By default it fetches them live over https (public hosts only: the SSRF policy of
``status_sources``), keeping the last good copy of each in a cache directory: a copy
younger than ``--max-age`` is used without fetching, and one up to ``--max-stale`` old is
used (its age reported) when the list cannot be fetched. ``--status-dir`` reads a
published directory instead; ``--no-status`` skips the check (verdict STATUS UNKNOWN).
"""

from __future__ import annotations

import argparse
import os
import re
from datetime import timedelta
from pathlib import Path

from ..ports import StatusListSource
from ..status_sources import CachedSource, DirectorySource, FetchPolicy, HttpSource

DEFAULT_MAX_AGE = timedelta(minutes=5)  # the spec's default ttl for a status list (300,000 ms)
DEFAULT_MAX_STALE = timedelta(days=1)
_DURATION = re.compile(r"(\d{1,9})([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 300, 90s, 5m, 2h, 1d)")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vcissue" / "status-lists"


def add_status_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "status lists",
        "where to get the lists credentialStatus names (default: fetched live over https, "
        f"cached in {default_cache_dir()})",
    )
    where = group.add_mutually_exclusive_group()
    where.add_argument(
        "--status-dir", metavar="DIR", help="read lists from DIR (with --status-base)"
    )
    where.add_argument(
        "--status-http", action="store_true", help="fetch lists live (the default; https only)"
    )
    where.add_argument(
        "--bundle",
        metavar="FILE",
        help="judge as the offline page holding this bundle (verifier.html or its JSON): "
        "its trust list, its status snapshots and their maximum age; no network",
    )
    where.add_argument(
        "--no-status",
        action="store_true",
        help="do not check the status (the verdict is then STATUS UNKNOWN, exit 4)",
    )
    group.add_argument("--status-base", metavar="URL", help="the URL at which DIR is published")
    group.add_argument(
        "--allow-insecure-loopback",
        action="store_true",
        help="development only: let the live fetch use http:// and loopback addresses",
    )
    group.add_argument(
        "--status-cache", metavar="DIR", help="cache directory for live lists (default above)"
    )
    group.add_argument(
        "--no-status-cache", action="store_true", help="fetch every list, keep no copy"
    )
    group.add_argument(
        "--max-age",
        type=_duration,
        metavar="AGE",
        help="use a cached copy younger than AGE without fetching (300, 90s, 5m, 2h, 1d; "
        "default 5m)",
    )
    group.add_argument(
        "--max-stale",
        type=_duration,
        metavar="AGE",
        help="when a list cannot be fetched, a cached copy up to AGE old still counts "
        "(default 1d); older: status unknown. A list past its own validUntil never counts",
    )
    parser.set_defaults(status_parser=parser)


def max_status_age(args: argparse.Namespace) -> timedelta:
    """How old a kept copy of a list may be and still count: ``--max-stale`` (default 1d),
    for the cache and for the verification alike."""
    return DEFAULT_MAX_STALE if args.max_stale is None else args.max_stale


def status_source(args: argparse.Namespace) -> StatusListSource | None:
    """The source the options ask for; a usage error (exit 2) for inconsistent options."""
    usage_error = args.status_parser.error
    if args.status_base and not args.status_dir:
        usage_error("--status-base goes with --status-dir")
    if args.no_status:
        return None
    if args.status_dir:
        if not args.status_base:
            usage_error("--status-dir needs --status-base URL")
        return DirectorySource(args.status_dir, args.status_base)
    insecure = bool(args.allow_insecure_loopback)
    source: StatusListSource = HttpSource(FetchPolicy(allow_http=insecure, allow_loopback=insecure))
    if args.no_status_cache:
        return source
    max_age = DEFAULT_MAX_AGE if args.max_age is None else args.max_age
    max_stale = DEFAULT_MAX_STALE if args.max_stale is None else args.max_stale
    if max_stale < max_age:
        usage_error("--max-stale must be at least --max-age")
    cache = Path(args.status_cache) if args.status_cache else default_cache_dir()
    return CachedSource(source, cache, max_age, max_stale=max_stale)
