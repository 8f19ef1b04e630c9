"""Benchmark: batch issuance throughput through the Issuer, per store back end, as a ratio
to raw Ed25519 signing and to bare credential signing measured in the same run.

    .venv/bin/python bench/bench_issuer.py [--n 500] [--postgres URL]

Each credential is one transaction: allocate two random status indices, build, sign
(eddsa-rdfc-2022), store, append the hash-chained audit entry, commit (SQLite:
synchronous=FULL, i.e. an fsync per commit; also shown with synchronous=NORMAL).
PostgreSQL runs when --postgres or $VCISSUE_TEST_POSTGRES_URL is given (a fresh schema,
dropped afterwards). Never asserted in tests.
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


def batch_rate(url: str, n: int, body: Body, tmp: Path, pg_schema: str | None = None) -> float:
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
    csv = "holder_name,qualification,reference\n" + "".join(
        f"Holder {i},ecomentor,R{i}\n" for i in range(n + 1)
    )
    rows = list(parse_batch_csv(csv, issuer.qualifications, now=datetime.now(UTC)))
    issuer.issue_batch(rows[:1], by=BENCH)  # first list creation outside the timing
    started = time.perf_counter()
    report = issuer.issue_batch(rows[1:], by=BENCH)
    elapsed = time.perf_counter() - started
    assert len(report.issued) == n and not report.errors
    store.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("VCISSUE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    n = args.n
    body = Body()

    raw_key = Ed25519PrivateKey.generate()
    raw = per_second(lambda i: raw_key.sign(b"x" * 32 + i.to_bytes(4, "big")), n * 10)
    award = Award(Holder("Bench Holder"), ecomentor(), awarded=datetime.now(UTC))
    unsigned = build(award, body.profile, credential_id=new_credential_id(bytes(16)))
    now = datetime.now(UTC)
    bare = per_second(lambda i: proofs.sign(unsigned, body.key, created=now), n)

    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        rows.append(
            (
                "SQLite (synchronous=FULL)",
                batch_rate(f"sqlite:///{tmp_path}/a.db", n, body, tmp_path),
            )
        )
        rows.append(
            (
                "SQLite (synchronous=NORMAL)",
                batch_rate(f"sqlite:///{tmp_path}/b.db?synchronous=normal", n, body, tmp_path),
            )
        )
        if args.postgres:
            schema = f"vcissue_bench_{uuid.uuid4().hex[:8]}"
            try:
                rows.append(("PostgreSQL", batch_rate(args.postgres, n, body, tmp_path, schema)))
            finally:
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    print(
        f"batch issuance, n={n}, {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"  raw Ed25519 sign          {raw:10.0f} /s")
    print(f"  proofs.sign (rdfc) alone  {bare:10.0f} /s   = 1/{raw / bare:.0f} of raw")
    for name, rate in rows:
        print(
            f"  batch {name:28} {rate:8.0f} /s   = 1/{raw / rate:.0f} of raw, "
            f"{rate / bare:.0%} of bare signing"
        )


if __name__ == "__main__":
    main()
