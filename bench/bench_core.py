"""Benchmark: sign and verify certificates, as ratios measured in one run.

    .venv/bin/python bench/bench_core.py [--n 200] [--rounds 5] [--no-js] [--json OUT]

For the EcoMentor certificate and for the same credential aligned to 80 learning
outcomes, per operation (median of ``--rounds`` rounds of ``--n`` operations,
wall-clock, plus CPU time for the Python figures):

* eddsa-rdfc-2022 sign: a batch (one ``created`` for all: the canonical proof
  configuration is reused) and one at a time (a new ``created`` each: it is not);
* eddsa-rdfc-2022 verify: the proof alone (``proofs.verify_proof``) and the whole
  ``verify_credential`` (OB schema, dates, trust, proof; status lists not reached);
* eddsa-jcs-2022 sign and verify the same ways;
* canonicalisation: the compiled walk (``jsonld.canonize``) and pyld's path;
* building the credential (``credential.build``: includes the OB JSON Schema check);

and, from the same run, raw Ed25519 sign/verify of 64 bytes (pyca/cryptography) and
Digital Bazaar's JavaScript stack (vc.issue / vc.verifyCredential with eddsa-rdfc-2022,
interop/js/bench.mjs) on the same credentials and key. Every figure is also given as a
ratio to raw Ed25519 (``_vs_ed25519``: to the floor timed at the start of the run) and the
JS figures as speed-ups of ours (``_vs_js``: JS time / our time). On a shared machine the
load moves during a run, so signing one by one and verifying a proof are also given as
``_paired_vs_ed25519``: the median of per-round ratios, each round timing the operation
and then the raw floor; the floor is timed again at the end (``raw_ed25519_*_end``).
The machine's load average is printed: it is shared, so read ratios, not absolute
times. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
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
from tests.unit.test_bounds import learning_outcomes_credential  # noqa: E402

from vcissue import jsonld, proofs  # noqa: E402
from vcissue.verify import verify_credential  # noqa: E402

JS_DIR = ROOT / "interop" / "js"


def timed(fn: Callable[[int], Any], n: int, rounds: int, warmup: int = 5) -> tuple[float, float]:
    """(wall ms, CPU ms) per operation: the medians over ``rounds`` rounds of ``n`` calls."""
    for i in range(warmup):
        fn(i)
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            fn(i)
        walls.append((time.perf_counter() - wall) / n * 1000)
        cpus.append((time.process_time() - cpu) / n * 1000)
    return statistics.median(walls), statistics.median(cpus)


def paired(
    fn: Callable[[int], Any], floor: Callable[[int], Any], n: int, rounds: int
) -> tuple[float, float]:
    """(wall, CPU) ratio of ``fn`` to ``floor``: the medians over ``rounds`` rounds, each
    timing ``n`` calls of one right after ``n`` of the other, so both see the same load."""
    walls, cpus = [], []
    for _ in range(rounds):
        (fn_wall, fn_cpu), (floor_wall, floor_cpu) = timed(fn, n, 1, 1), timed(floor, n, 1, 1)
        walls.append(fn_wall / floor_wall)
        cpus.append(fn_cpu / floor_cpu)
    return statistics.median(walls), statistics.median(cpus)


def run_js(credential: dict[str, Any], body: Body, n: int, rounds: int) -> dict[str, Any] | None:
    """bench.mjs ``rounds`` times; the medians of its issue and verify times."""
    if not (JS_DIR / "node_modules").exists():
        return None
    runs = []
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
        for _ in range(rounds):
            out = subprocess.run(
                [
                    "node",
                    str(JS_DIR / "bench.mjs"),
                    *("--credential", f"{tmp}/vc.json", "--key", f"{tmp}/key.json"),
                    *("--n", str(n), "--did-documents", f"{tmp}/dids.json"),
                ],
                capture_output=True,
                text=True,
                timeout=1200,
                check=True,
            )
            runs.append(json.loads(out.stdout))
    return {
        "issue_ms": statistics.median(run["issue_ms"] for run in runs),
        "verify_ms": statistics.median(run["verify_ms"] for run in runs),
        "versions": runs[0].get("versions"),
    }


def bench_credential(
    name: str, unsigned: dict[str, Any], body: Body, n: int, rounds: int
) -> dict[str, float]:
    figures: dict[str, float] = {}
    now = AWARDED + timedelta(days=1)
    key = body.key
    message = os.urandom(64)
    raw_signature = key.sign(message)

    def raw_sign(i: int) -> Any:
        return key.sign(message)

    def raw_verify(i: int) -> Any:
        return key.public.verify(raw_signature, message)

    def resolve(vm: str) -> Any:
        return key.public, body.did, True

    def record(label: str, result: tuple[float, float]) -> None:
        figures[f"{name}_{label}_ms"], figures[f"{name}_{label}_cpu_ms"] = result

    figures[f"{name}_bytes"] = len(json.dumps(unsigned).encode())
    for suite in proofs.SUITES:
        record(
            f"{suite}_sign_batch",
            timed(lambda i, s=suite: proofs.sign(unsigned, key, created=now, suite=s), n, rounds),  # type: ignore[misc]
        )
        moments = [now + timedelta(seconds=i) for i in range(n + 10)]
        record(
            f"{suite}_sign_one_by_one",
            timed(
                lambda i, s=suite, m=moments: proofs.sign(unsigned, key, created=m[i], suite=s),  # type: ignore[misc]
                n,
                rounds,
            ),
        )
        # signed at distinct moments: verifying them reuses no proof configuration
        signed = [proofs.sign(unsigned, key, created=m, suite=suite) for m in moments]
        assert all(verify_credential(v, trust=body.trust, now=now).verified for v in signed[:3])
        record(
            f"{suite}_verify_proof",
            timed(lambda i, v=signed: proofs.verify_proof(v[i], resolve, now=now), n, rounds),  # type: ignore[misc]
        )
        # the same ratios with the floor timed next to each round (the machine is shared)
        (
            figures[f"{name}_{suite}_sign_one_by_one_paired_vs_ed25519"],
            figures[f"{name}_{suite}_sign_one_by_one_paired_cpu_vs_ed25519"],
        ) = paired(
            lambda i, s=suite, m=moments: proofs.sign(unsigned, key, created=m[i], suite=s),  # type: ignore[misc]
            raw_sign,
            n,
            rounds,
        )
        (
            figures[f"{name}_{suite}_verify_proof_paired_vs_ed25519"],
            figures[f"{name}_{suite}_verify_proof_paired_cpu_vs_ed25519"],
        ) = paired(
            lambda i, v=signed: proofs.verify_proof(v[i], resolve, now=now),  # type: ignore[misc]
            raw_verify,
            n,
            rounds,
        )
        record(
            f"{suite}_verify_credential",
            timed(
                lambda i, v=signed: verify_credential(v[i], trust=body.trust, now=now),  # type: ignore[misc]
                n,
                rounds,
            ),
        )
    record("canonize_compiled", timed(lambda i: jsonld.canonize(unsigned), n, rounds))
    record(
        "canonize_pyld",
        timed(
            lambda i: jsonld.canonicalize(
                jsonld._reference_quads(
                    unsigned, jsonld.ContextSet.bundled(), cached=True, limits=jsonld.DEFAULT_LIMITS
                )
            ),
            max(1, n // 4),
            rounds,
        ),
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-js", action="store_true")
    parser.add_argument("--json", help="write the figures as JSON here")
    args = parser.parse_args()
    n, rounds = args.n, args.rounds

    body = Body()
    message = os.urandom(64)  # the size of the two SHA-256 hashes a proof signs
    raw_signature = body.key.sign(message)
    figures: dict[str, Any] = {
        "n": n,
        "rounds": rounds,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": os.getloadavg(),
    }
    sign = timed(lambda i: body.key.sign(message), n * 10, rounds)
    verify = timed(lambda i: body.key.public.verify(raw_signature, message), n * 10, rounds)
    figures["raw_ed25519_sign_ms"], figures["raw_ed25519_sign_cpu_ms"] = sign
    figures["raw_ed25519_verify_ms"], figures["raw_ed25519_verify_cpu_ms"] = verify

    credentials = {
        "ecomentor": body.unsigned(),
        "outcomes80": learning_outcomes_credential(body, 80),
    }
    holders = [f"Holder {i:05d}" for i in range(n + 10)]
    build = timed(lambda i: body.unsigned(holders[i]), n, rounds)
    figures["ecomentor_build_ms"], figures["ecomentor_build_cpu_ms"] = build
    for name, unsigned in credentials.items():
        count = n if name == "ecomentor" else max(1, n // 10)
        figures.update(bench_credential(name, unsigned, body, count, rounds))

    # the floor again at the end: how far the load moved it during the run
    sign = timed(lambda i: body.key.sign(message), n * 10, rounds)
    verify = timed(lambda i: body.key.public.verify(raw_signature, message), n * 10, rounds)
    figures["raw_ed25519_sign_end_ms"], figures["raw_ed25519_sign_end_cpu_ms"] = sign
    figures["raw_ed25519_verify_end_ms"], figures["raw_ed25519_verify_end_cpu_ms"] = verify

    # ratios to raw Ed25519 (wall to wall, measured in this run)
    for key in [k for k in figures if k.endswith("_ms") and not k.startswith("raw_")]:
        clock = "_cpu_ms" if key.endswith("_cpu_ms") else "_ms"  # wall to wall, CPU to CPU
        floor = f"raw_ed25519_{'verify' if 'verify' in key else 'sign'}{clock}"
        figures[key[: -len("_ms")] + "_vs_ed25519"] = figures[key] / figures[floor]

    if not args.no_js:
        for name, unsigned in credentials.items():
            count = n if name == "ecomentor" else max(1, n // 10)
            js = run_js(unsigned, body, count, rounds)
            if js is None:
                continue
            figures[f"js_{name}"] = js
            rdfc = f"{name}_eddsa-rdfc-2022"
            figures[f"{rdfc}_sign_batch_vs_js"] = js["issue_ms"] / figures[f"{rdfc}_sign_batch_ms"]
            figures[f"{rdfc}_sign_one_by_one_vs_js"] = (
                js["issue_ms"] / figures[f"{rdfc}_sign_one_by_one_ms"]
            )
            figures[f"{rdfc}_verify_credential_vs_js"] = (
                js["verify_ms"] / figures[f"{rdfc}_verify_credential_ms"]
            )
            figures[f"{rdfc}_verify_proof_vs_js"] = (
                js["verify_ms"] / figures[f"{rdfc}_verify_proof_ms"]
            )
    figures["load_average_after"] = os.getloadavg()

    width = max(map(len, figures))
    for key, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) else json.dumps(value)
        print(f"{key:<{width}}  {shown}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
