"""Benchmark: issue and verify EcoMentor certificates, as ratios measured in one run.

    .venv/bin/python bench/bench_core.py [--n 200] [--no-js] [--json OUT]

Reports per-credential time for both cryptosuites and, from the same run,
ratios to raw Ed25519 signing/verification (pyca/cryptography) and to
Digital Bazaar's JavaScript stack (vc.issue / vc.verifyCredential with
eddsa-rdfc-2022) on the same credential and key. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import AWARDED, Body  # noqa: E402

from vcissue import proofs  # noqa: E402
from vcissue.jsonld import canonize  # noqa: E402
from vcissue.verify import verify_credential  # noqa: E402

JS_DIR = ROOT / "interop" / "js"


def per_op_ms(fn: Callable[[int], Any], n: int, warmup: int = 5) -> float:
    for i in range(warmup):
        fn(i)
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - started) / n * 1000


def run_js(credential: dict[str, Any], body: Body, n: int) -> dict[str, Any] | None:
    if not (JS_DIR / "node_modules").exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        unsigned = {k: v for k, v in credential.items() if k != "proof"}
        (Path(tmp) / "vc.json").write_text(json.dumps(unsigned))
        (Path(tmp) / "key.json").write_text(
            json.dumps(
                {
                    "publicKeyMultibase": body.key.public.multibase,
                    "secretKeyMultibase": body.key.private_multibase,
                    "controller": body.did,
                    "id": body.key.verification_method,
                }
            )
        )
        (Path(tmp) / "dids.json").write_text(json.dumps({body.did: body.did_document}))
        out = subprocess.run(
            [
                "node",
                str(JS_DIR / "bench.mjs"),
                "--credential",
                f"{tmp}/vc.json",
                "--key",
                f"{tmp}/key.json",
                "--n",
                str(n),
                "--did-documents",
                f"{tmp}/dids.json",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--no-js", action="store_true")
    parser.add_argument("--json", help="write the figures as JSON here")
    args = parser.parse_args()
    n = args.n

    body = Body()
    now = AWARDED + timedelta(days=1)
    holders = [f"Holder {i:05d}" for i in range(n + 10)]
    message = os.urandom(64)  # the size of the two SHA-256 hashes a proof signs
    raw_signature = body.key.sign(message)
    figures: dict[str, Any] = {
        "n": n,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "raw_ed25519_sign_ms": per_op_ms(lambda i: body.key.sign(message), n * 10),
        "raw_ed25519_verify_ms": per_op_ms(
            lambda i: body.key.public.verify(raw_signature, message), n * 10
        ),
    }
    unsigned = [body.unsigned(holders[i]) for i in range(n + 10)]
    figures["credential_bytes"] = len(json.dumps(body.issue()).encode())
    for suite in proofs.SUITES:
        signed = [proofs.sign(u, body.key, created=now, suite=suite) for u in unsigned]
        # Issue = sign a built credential, as vc.issue does on the JS side.
        figures[f"{suite}_issue_ms"] = per_op_ms(
            lambda i, s=suite: proofs.sign(unsigned[i], body.key, created=now, suite=s),  # type: ignore[misc]
            n,
        )
        figures[f"{suite}_verify_ms"] = per_op_ms(
            lambda i, v=signed: verify_credential(v[i], trust=body.trust, now=now),  # type: ignore[misc]
            n,
        )
        assert all(verify_credential(v, trust=body.trust, now=now).verified for v in signed[:5])
    sample = unsigned[0]
    figures["rdfc_canonize_cached_ms"] = per_op_ms(lambda i: canonize(sample), n)
    figures["rdfc_canonize_uncached_ms"] = per_op_ms(lambda i: canonize(sample, cached=False), n)
    # Building includes the OB 3.0 JSON Schema validation of every credential.
    figures["build_credential_ms"] = per_op_ms(lambda i: body.unsigned(holders[i]), n)

    for suite in proofs.SUITES:
        figures[f"{suite}_issue_vs_raw_sign"] = (
            figures[f"{suite}_issue_ms"] / figures["raw_ed25519_sign_ms"]
        )
        figures[f"{suite}_verify_vs_raw_verify"] = (
            figures[f"{suite}_verify_ms"] / figures["raw_ed25519_verify_ms"]
        )
    figures["context_cache_speedup"] = (
        figures["rdfc_canonize_uncached_ms"] / figures["rdfc_canonize_cached_ms"]
    )

    js = None if args.no_js else run_js(body.issue(), body, n)
    if js:
        figures["js"] = js
        figures["rdfc_issue_throughput_vs_js"] = (1000 / figures["eddsa-rdfc-2022_issue_ms"]) / js[
            "issue_per_s"
        ]
        figures["rdfc_verify_throughput_vs_js"] = (
            1000 / figures["eddsa-rdfc-2022_verify_ms"]
        ) / js["verify_per_s"]

    width = max(map(len, figures))
    for key, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else json.dumps(value)
        print(f"{key:<{width}}  {shown}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
