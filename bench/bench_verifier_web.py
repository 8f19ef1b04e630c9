"""Benchmark: the offline verifier page in headless Chromium, from QR payload to verdict.

    .venv/bin/python bench/bench_verifier_web.py [--n 50] [--warmup 5] [--json OUT]

For an EcoMentor full certificate (two credentialStatus entries, checked against the
page's snapshot lists, one signed with each suite) in each cryptosuite and both payload
forms (the printed ``VC2`` verifier link against the scheme pack, and the older ``VC1``),
the page's own clock times decode -> inflate -> parse -> proof -> issuer -> dates ->
status lists -> verdict on screen (``data-ms`` of the verdict box) N times on one page,
after W warm-up runs. The first run on a freshly loaded page (cold: JSON-LD contexts not
yet processed, code not yet optimised) is reported apart. Also the page's transfer size:
bytes of the single HTML file and gzipped (level 9), unbundled and with a bundle inside.
Target: a verdict in under 300 ms. Needs /usr/bin/chromium and verifier_web/node_modules.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import statistics
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.page_driver import PAGE, ensure_installed, missing_tools, run_job  # noqa: E402
from tests.browser.scenarios import STATUS_BASE, World, offline_payload  # noqa: E402
from tests.factories import ecomentor  # noqa: E402

from vcissue.qr import encode_payload, make_qr, verifier_link  # noqa: E402
from vcissue.qrpack import PackSet, build_pack  # noqa: E402
from vcissue.webapp.bundle import write_bundle  # noqa: E402

VERIFIER = "https://certification.example/V"

TARGET_MS = 300.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 50 values is the 48th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def sizes(path: Path) -> dict[str, int]:
    data = path.read_bytes()
    return {"bytes": len(data), "gzip_bytes": len(gzip.compress(data, 9, mtime=0))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    reason = missing_tools()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    ensure_installed()

    world = World()
    suites = ("eddsa-rdfc-2022", "eddsa-jcs-2022")
    packs = {
        suite: build_pack(ecomentor(), world.body.profile, status_base_url=STATUS_BASE, suite=suite)
        for suite in suites
    }
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "verifier.html"
        write_bundle(
            page,
            world.body.trust,
            world.status_lists(),
            snapshot_time=world.now - timedelta(hours=1),
            packs=PackSet(packs.values()),
        )
        steps = []
        payloads = {}
        for suite in suites:
            vc = world.certificate("valid", suite=suite)
            for form, payload in (
                ("VC2", verifier_link(VERIFIER, encode_payload(vc, packs[suite]))),
                ("VC1", offline_payload(vc)),
            ):
                name = f"{suite} {form}"
                payloads[name] = payload
                steps.append(
                    {
                        "name": name,
                        "action": "bench",
                        "text": payload,
                        "repeat": args.n,
                        "warmup": args.warmup,
                    }
                )
        # Each suite on its own freshly loaded page, offline (the snapshot decides status).
        result = run_job({"page": str(page), "steps": steps, "offline": True}, Path(tmp) / "job")
        bundled = sizes(page)

    report: dict[str, Any] = {
        "browser": f"Chromium {result['browser']} (headless)",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "n": args.n,
        "warmup": args.warmup,
        "page": {"unbundled": sizes(PAGE), "bundled_1_issuer_2_lists": bundled},
        "suites": {},
    }
    for step in result["steps"]:
        timings = [t["ms"] for t in step["timings"]]
        verdicts = {t["verdict"] for t in step["timings"]} | {step["first"]["verdict"]}
        if verdicts != {"VALID"}:
            print(f"unexpected verdicts {verdicts} for {step['name']}", file=sys.stderr)
            return 1
        symbol = make_qr(payloads[step["name"]])
        report["suites"][step["name"]] = {
            "cold_first_ms": step["first"]["ms"],
            "median_ms": statistics.median(timings),
            "p95_ms": percentile(timings, 0.95),
            "min_ms": min(timings),
            "max_ms": max(timings),
            "payload_chars": len(payloads[step["name"]]),
            "qr": f"version {symbol.version}-{symbol.error}",
        }

    print(f"{report['browser']} on {report['machine']}")
    for name, figures in report["page"].items():
        print(f"page {name:26} {figures['bytes']:>8,} bytes, {figures['gzip_bytes']:>7,} gzipped")
    print(f"decode-to-verdict, median and p95 of {args.n} after {args.warmup} warm-up runs:")
    for suite, figures in report["suites"].items():
        flag = "under" if figures["p95_ms"] < TARGET_MS else "OVER"
        print(
            f"  {suite:20} median {figures['median_ms']:6.1f} ms  p95 {figures['p95_ms']:6.1f} ms"
            f"  (min {figures['min_ms']:.1f}, max {figures['max_ms']:.1f}; cold first "
            f"{figures['cold_first_ms']:.1f} ms)  {flag} the {TARGET_MS:.0f} ms target; "
            f"payload {figures['payload_chars']} chars, QR {figures['qr']}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
