"""Benchmark: batch issuance throughput through the Issuer, per store back end and number of
signing workers, as a ratio to raw Ed25519 signing and to bare credential signing measured
in the same run.

    .venv/bin/python bench/bench_issuer.py [--n 500] [--workers 1,2] [--stores sqlite,postgres]
    .venv/bin/python bench/bench_issuer.py --n 100000 --workers 2 --stores sqlite   # the target

``Issuer.issue_batch`` reserves, signs and stores 256 rows at a time (one transaction
each way, one checkpoint per chunk; ``issuer/batching.py``); with workers > 1 the signing
runs in forked processes while the chunk before is stored. SQLite runs with
synchronous=FULL (an fsync per commit). PostgreSQL runs when --postgres or
$VCISSUE_TEST_POSTGRES_URL is given (a fresh schema, dropped afterwards). The CPU time of
this process and its workers is reported beside the wall time. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import Body, ecomentor  # noqa: E402

from vcissue import proofs  # noqa: E402
from vcissue.batch import parse_batch_csv  # noqa: E402
from vcissue.credential import build, new_credential_id  # noqa: E402
from vcissue.files import DirectoryPublisher  # noqa: E402
from vcissue.governance.principals import Principal  # noqa: E402
from vcissue.issuer import Issuer, IssuerSettings  # noqa: E402
from vcissue.model import Award, Holder  # noqa: E402
from vcissue.store import open_store  # noqa: E402
from vcissue.system import system_clock, system_random  # noqa: E402

BASE = "https://certification.example/status-lists"


BENCH = Principal("bench", "bench", frozenset({"issuer"}))


def per_second(fn: object, n: int) -> float:
    assert callable(fn)
    fn(0)  # warm caches (contexts, schema validator)
    started = time.perf_counter()
    for i in range(n):
        fn(i + 1)
    return n / (time.perf_counter() - started)


def batch_rate(
    url: str, n: int, body: Body, tmp: Path, workers: int, pg_schema: str | None = None
) -> tuple[float, float]:
    """(credentials per second of wall time, CPU seconds per credential, all processes)."""
    store = open_store(url, pg_schema=pg_schema, create=True)
    issuer = Issuer(
        store,
        body.key,
        body.profile,
        [ecomentor()],
        IssuerSettings(BASE),
        clock=system_clock,
        rng=system_random,
        publisher=DirectoryPublisher(tmp / "pub", BASE),
    )
    now = datetime.now(UTC)
    warm = "holder_name,qualification,reference\nWarm Up,ecomentor,W0\n"
    issuer.issue_batch(parse_batch_csv(warm, issuer.qualifications, now=now), by=BENCH)
    # n rows, one batch file (the CSV reader takes 100,000 rows at most)
    csv = "holder_name,qualification,reference\n" + "".join(
        f"Holder {i},ecomentor,R{i}\n" for i in range(n)
    )
    rows = list(parse_batch_csv(csv, issuer.qualifications, now=now))
    cpu_before = _cpu()
    started = time.perf_counter()
    report = issuer.issue_batch(rows, by=BENCH, workers=workers)
    elapsed = time.perf_counter() - started
    cpu = _cpu() - cpu_before
    assert len(report.issued) == n and not report.errors, (len(report.issued), report.errors[:3])
    store.close()
    return n / elapsed, cpu / n


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the signing workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--workers", default=f"1,{os.cpu_count() or 1}")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--postgres", default=os.environ.get("VCISSUE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    n = args.n
    body = Body()
    worker_counts = sorted({int(w) for w in args.workers.split(",")})
    stores = set(args.stores.split(","))

    raw_key = Ed25519PrivateKey.generate()
    raw = per_second(lambda i: raw_key.sign(b"x" * 32 + i.to_bytes(4, "big")), 5000)
    award = Award(Holder("Bench Holder"), ecomentor(), awarded=datetime.now(UTC))
    unsigned = build(award, body.profile, credential_id=new_credential_id(bytes(16)))
    now = datetime.now(UTC)
    bare = per_second(lambda i: proofs.sign(unsigned, body.key, created=now), 500)

    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for workers in worker_counts:
            if "sqlite" in stores:
                url = f"sqlite:///{tmp_path}/w{workers}.db"
                rate, cpu = batch_rate(url, n, body, tmp_path, workers)
                rows.append((f"SQLite, {workers} signing", rate, cpu))
            if "postgres" in stores and args.postgres:
                schema = f"vcissue_bench_{uuid.uuid4().hex[:8]}"
                try:
                    rate, cpu = batch_rate(args.postgres, n, body, tmp_path, workers, schema)
                    rows.append((f"PostgreSQL, {workers} signing", rate, cpu))
                finally:
                    import psycopg

                    with psycopg.connect(args.postgres, autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    print(
        f"batch issuance, n={n}, {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  raw Ed25519 sign          {raw:10.0f} /s")
    print(f"  proofs.sign (rdfc) alone  {bare:10.0f} /s   = 1/{raw / bare:.0f} of raw")
    for name, rate, cpu in rows:
        print(
            f"  batch {name:24} {rate:8.0f} /s   = 1/{raw / rate:.0f} of raw, "
            f"{rate / bare:.0%} of bare signing; {cpu * 1e3:.2f} ms CPU a credential; "
            f"{n:,} in {n / rate:.1f} s"
        )


if __name__ == "__main__":
    main()
