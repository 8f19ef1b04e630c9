"""``vcissue verifier-bundle``: the offline verifier page with trust list and status snapshots."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..qrpack import PackSet
from ..settings import load_settings
from ..webapp.bundle import (
    DEFAULT_MAX_SNAPSHOT_AGE_DAYS,
    deployment_packs,
    load_packs,
    load_status_lists,
    load_trust_list,
    pack_files,
    status_list_files,
    write_bundle,
)
from .common import now as _now
from .common import parse_moment as _parse_moment


def cmd_verifier_bundle(args: argparse.Namespace) -> int:
    trust = load_trust_list([Path(path) for path in args.trust])
    files = status_list_files(
        [Path(path) for path in args.status_list], [Path(path) for path in args.status_dir]
    )
    snapshot_time = _parse_moment(args.snapshot_time) if args.snapshot_time else _now()
    output = Path(args.output)
    packs = list(load_packs([Path(p) for p in args.pack]))
    packs += load_packs(pack_files(Path(args.packs_dir)) if args.packs_dir else [])
    brand, max_age = None, DEFAULT_MAX_SNAPSHOT_AGE_DAYS
    if args.config:
        settings = load_settings(args.config)
        packs += deployment_packs(settings)[0]
        brand, max_age = settings.brand(), settings.max_snapshot_age_days
    if args.max_snapshot_age_days is not None:
        max_age = args.max_snapshot_age_days
    size = write_bundle(
        output,
        trust,
        load_status_lists(files),
        snapshot_time=snapshot_time,
        packs=PackSet(packs),
        brand=brand,
        max_snapshot_age_days=max_age,
    )
    print(
        f"wrote {output} ({size} bytes): {len(trust.issuers)} trusted issuer(s), "
        f"{len(files)} status list file(s) read, snapshot time {snapshot_time.isoformat()} "
        f"(used for {max_age} days), {len(PackSet(packs))} scheme pack(s)"
    )
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bundle = commands.add_parser(
        "verifier-bundle",
        help="write the standalone offline verifier page (one HTML file) with a trust list "
        "and status list snapshots inside",
    )
    bundle.add_argument(
        "--trust",
        action="append",
        required=True,
        metavar="TRUST.json",
        help="trust list file (repeatable; see vcissue keys trust-list)",
    )
    bundle.add_argument(
        "--status-list",
        action="append",
        default=[],
        metavar="FILE",
        help="a signed status list credential to embed as a snapshot (repeatable)",
    )
    bundle.add_argument(
        "--status-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="embed every status list in DIR (e.g. the issuer's publish directory; hidden "
        "files are skipped, any other file must be a status list)",
    )
    bundle.add_argument(
        "--snapshot-time",
        metavar="ISO",
        help="when the status lists were taken (default: now); the page shows their age",
    )
    bundle.add_argument(
        "--pack", action="append", default=[], metavar="PACK.json",
        help="a scheme pack the page needs to read compact QR codes (repeatable)",
    )  # fmt: skip
    bundle.add_argument("--packs-dir", metavar="DIR", help="every scheme pack in DIR")
    bundle.add_argument(
        "--config", metavar="FILE",
        help="a deployment's vcissue.toml: its scheme packs, brand and maximum snapshot age",
    )  # fmt: skip
    bundle.add_argument(
        "--max-snapshot-age-days", type=int, metavar="DAYS",
        help=f"older snapshots give STATUS UNKNOWN (default {DEFAULT_MAX_SNAPSHOT_AGE_DAYS})",
    )  # fmt: skip
    bundle.add_argument("-o", "--output", required=True, help="the HTML file to write")
    bundle.set_defaults(handler=cmd_verifier_bundle)
