"""Benchmark: issuance across service instances on one PostgreSQL.

    .venv/bin/python bench/bench_scale.py [--instances 1,2,4] [--seconds 20] [--clients 8]
                                          [--postgres URL]

For each N in --instances: a fresh PostgreSQL schema and deployment, N `vcissue serve
--workers 1` processes (as N instances behind a load balancer), and C keep-alive clients
per instance posting /credentials/issue for S seconds. Reports issued/s, p50/p99 latency,
the ratio to one instance measured in the same run, and the share of samples in which a
PostgreSQL backend of the deployment waited on a lock (pg_stat_activity, sampled every
50 ms): when the CPU and not a lock is the limit, that share stays near zero. The load
generator shares the machine's cores with the servers. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_service import PASSPHRASE, QUALIFICATION, _free_port, _request, load
from vcissue.governance.principals import create_api_key
from vcissue.keystore import KeyStore
from vcissue.settings import load_settings
from vcissue.system import system_random
from vcissue.wiring import open_deployment_store


def _deployment(directory: Path, store_url: str, port: int) -> tuple[Path, str]:
    from datetime import UTC, datetime, timedelta

    keys = KeyStore(directory / "keys")
    now = datetime.now(UTC) - timedelta(minutes=1)
    keys.generate(PASSPHRASE.encode(), now=now, name="Bench Body", did="did:web:bench.example")
    config = directory / "vcissue.toml"
    config.write_text(
        f'[store]\nurl = "{store_url}"\n[keys]\ndir = "keys"\n'
        f'[status]\nbase_url = "http://127.0.0.1:{port}/status-lists"\n'
        f'[qualifications]\nfiles = ["{QUALIFICATION}"]\n'
    )
    store = open_deployment_store(load_settings(config, env={}), create=True)
    key = create_api_key(
        store, role="issuer", principal_name="bench", now=datetime.now(UTC), rng=system_random
    )
    store.close()
    return config, key


def _lock_waits(postgres: str, schema: str, stop: threading.Event, out: list[int]) -> None:
    """1 per sample in which a backend of this deployment (one holding locks on its
    schema's tables) waits on a lock, else 0."""
    import psycopg

    query = (
        "SELECT count(DISTINCT a.pid) FROM pg_stat_activity a "
        "JOIN pg_locks l ON l.pid = a.pid JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND a.wait_event_type = 'Lock'"
    )
    with psycopg.connect(postgres, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(query, (schema,)).fetchone()
            out.append(1 if row and row[0] else 0)
            time.sleep(0.05)


def run(instances: int, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    schema = f"vcissue_scale_{uuid.uuid4().hex[:8]}"
    separator = "&" if "?" in args.postgres else "?"
    ports = [_free_port() for _ in range(instances)]
    directory = tmp / schema
    directory.mkdir()
    config, key = _deployment(directory, f"{args.postgres}{separator}schema={schema}", ports[0])
    env = {**os.environ, "VCISSUE_KEY_PASSPHRASE": PASSPHRASE}
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "vcissue.cli", "serve", "--config", str(config),
             "--port", str(port), "--workers", "1", "--log-level", "warning"],
            env=env,
        )
        for port in ports
    ]  # fmt: skip
    try:
        for port, server in zip(ports, servers, strict=True):
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("vcissue serve did not start") from None
                    time.sleep(0.2)
        body = b'{"qualification": "ecomentor", "holder": {"name": "Load"}}'
        raw = _request("POST", "/credentials/issue", body, key)
        load(ports[0], raw, 1, 1)  # warm up: the first issue opens the lists
        results: list[dict[str, float]] = []
        stop, samples = threading.Event(), []
        sampler = threading.Thread(target=_lock_waits, args=(args.postgres, schema, stop, samples))
        sampler.start()
        threads = [
            threading.Thread(
                target=lambda p=port: results.append(load(p, raw, args.clients, args.seconds))
            )
            for port in ports
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        sampler.join()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return {
        "rps": sum(r["rps"] for r in results),
        "p50_ms": max(r["p50_ms"] for r in results),
        "p99_ms": max(r["p99_ms"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "lock_wait_share": sum(samples) / max(1, len(samples)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", default="1,2,4")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8, help="per instance")
    parser.add_argument("--postgres", default=os.environ.get("VCISSUE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres:
        raise SystemExit("needs --postgres URL or $VCISSUE_TEST_POSTGRES_URL")
    print(
        f"issuance across instances on one PostgreSQL, {platform.machine()} "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{args.clients} clients per instance x {args.seconds:.0f} s"
    )
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for count in (int(n) for n in args.instances.split(",")):
            result = run(count, args, Path(tmp))
            base = base or result["rps"]
            print(
                f"  {count} instance(s): {result['rps']:7.1f} issued/s  "
                f"x{result['rps'] / base:4.2f} of one  p50 {result['p50_ms']:7.1f} ms  "
                f"p99 {result['p99_ms']:7.1f} ms  errors {result['errors']}  "
                f"lock waits in {result['lock_wait_share']:.0%} of samples"
            )


if __name__ == "__main__":
    main()
