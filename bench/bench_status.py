"""Benchmark: flip one status bit and re-publish the list; decode and check it (verify side).

    .venv/bin/python bench/bench_status.py [--n 50] [--json OUT]

For lists of 131,072 and 1,048,576 entries with 1 % and 50 % of the bits set at random:
* republish = flip one random bit + encode (GZIP, base64url) + build the
  BitstringStatusListCredential + sign it, with eddsa-rdfc-2022 and with eddsa-jcs-2022;
  its parts (encode, build, sign) are timed on their own too;
* verify side = decode the encodedList + read one entry's bit
  (``read_status_list_credential`` + ``status_of``), and the whole check verify.py does
  per entry (strict parse, proof, decode, bit);
* raw Ed25519 signing of 64 bytes (what a proof signs), for the ratio.
Each figure is min / median / p95 of N runs after 3 warm-up runs, in one process.
The issue's target: republishing the 1,048,576-entry list in under 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import AWARDED, Body  # noqa: E402

from vcissue import proofs  # noqa: E402
from vcissue.status import (  # noqa: E402
    Bitstring,
    StatusEntry,
    StatusPurpose,
    compression_level_for,
    read_status_list_credential,
    status_list_credential,
    status_of,
)
from vcissue.verify import parse_credential  # noqa: E402

SIZES = (131_072, 1_048_576)
FILLS = (0.01, 0.5)
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")
URL = "https://certification.example/status/r1"
TARGET_MS = 50.0


def timings_ms(fn: Callable[[], Any], n: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    gc.collect()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "min": samples[0],
        "median": statistics.median(samples),
        "p95": samples[max(0, math.ceil(0.95 * n) - 1)],  # nearest rank
    }


def random_list(size: int, fill: float, rng: random.Random) -> Bitstring:
    """``size`` bits with ``fill`` of them set, at random positions."""
    bits = Bitstring(size)
    for index in rng.sample(range(size), round(size * fill)):
        bits.set(index, True)
    return bits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50, help="timed runs per figure")
    parser.add_argument("--json", help="write the figures as JSON here")
    args = parser.parse_args()
    n = args.n

    body = Body()
    rng = random.Random(20260302)
    message = os.urandom(64)  # the two SHA-256 hashes a Data Integrity proof signs
    rows: list[dict[str, Any]] = []

    def row(
        operation: str,
        size: int | None,
        fill: float | None,
        suite: str,
        t: dict[str, float],
        **extra: Any,
    ) -> None:
        rows.append(
            {"operation": operation, "bits": size, "fill": fill, "suite": suite, **t, **extra}
        )

    raw = timings_ms(lambda: body.key.sign(message), n * 20)
    row("raw Ed25519 sign (64 bytes)", None, None, "-", raw)

    for size in SIZES:
        for fill in FILLS:
            bits = random_list(size, fill, rng)
            encoded_chars = len(bits.encode())

            def flip(bits: Bitstring = bits, size: int = size) -> None:
                index = rng.randrange(size)
                bits.set(index, not bits.get(index))

            def build(bits: Bitstring = bits) -> dict[str, Any]:
                return status_list_credential(
                    URL, StatusPurpose.REVOCATION, bits, issuer=body.did, valid_from=AWARDED
                )

            level = compression_level_for(size)
            row(
                "encode (gzip + base64url)",
                size,
                fill,
                f"level {level}",
                timings_ms(bits.encode, n),
                encoded_chars=encoded_chars,
            )
            row("build list credential (incl. encode)", size, fill, "-", timings_ms(build, n))
            unsigned = build()
            for suite in SUITES:
                row(
                    "sign built credential",
                    size,
                    fill,
                    suite,
                    timings_ms(
                        lambda s=suite, u=unsigned: proofs.sign(  # type: ignore[misc]
                            u, body.key, created=AWARDED, suite=s
                        ),
                        n,
                    ),
                )

                def republish(suite: str = suite) -> dict[str, Any]:
                    flip()
                    return proofs.sign(build(), body.key, created=AWARDED, suite=suite)

                timed = timings_ms(republish, n)
                row(
                    "FLIP + REPUBLISH",
                    size,
                    fill,
                    suite,
                    timed,
                    vs_raw_sign=timed["median"] / raw["median"],
                )
                # Sanity, untimed: what was published is the list, and its proof verifies.
                signed = republish()
                listed = read_status_list_credential(signed, fetched_from=URL)
                assert listed.bitstring == bits
                proofs.verify_proof(signed, body.trust.resolve_key)

                entry = StatusEntry(URL, rng.randrange(size), StatusPurpose.REVOCATION)
                document = json.loads(json.dumps(signed))

                def decode_and_check(d: dict[str, Any] = document, e: StatusEntry = entry) -> bool:
                    return status_of(e, read_status_list_credential(d, fetched_from=URL))

                def full_check(d: dict[str, Any] = document, e: StatusEntry = entry) -> bool:
                    parsed = parse_credential(d)
                    proofs.verify_proof(parsed, body.trust.resolve_key)
                    return status_of(e, read_status_list_credential(parsed, fetched_from=URL))

                if suite == SUITES[0]:
                    row(
                        "verify side: decode + status check",
                        size,
                        fill,
                        "-",
                        timings_ms(decode_and_check, n),
                    )
                row(
                    "verify side: parse + proof + decode + check",
                    size,
                    fill,
                    suite,
                    timings_ms(full_check, n),
                )

    print(
        f"python {platform.python_version()}, zlib {zlib.ZLIB_RUNTIME_VERSION}, "
        f"{platform.machine()}, {os.cpu_count()} cores, n={n} (times in ms)"
    )
    header = (
        f"{'operation':<44} {'bits':>9} {'fill':>5} {'suite':<16} "
        f"{'min':>8} {'median':>8} {'p95':>8}  note"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        note = ""
        if "encoded_chars" in r:
            note = f"encodedList {r['encoded_chars']:,} chars"
        if "vs_raw_sign" in r:
            note = f"{r['vs_raw_sign']:,.0f} x raw sign"
            if r["bits"] == SIZES[-1]:
                verdict = "under" if r["median"] < TARGET_MS else "OVER"
                note += f"; {verdict} the {TARGET_MS:g} ms target"
        bits_text = f"{r['bits']:,}" if r["bits"] else ""
        fill_text = f"{r['fill']:.0%}" if r["fill"] is not None else ""
        print(
            f"{r['operation']:<44} {bits_text:>9} {fill_text:>5} {r['suite']:<16} "
            f"{r['min']:8.3f} {r['median']:8.3f} {r['p95']:8.3f}  {note}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"n": n, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
