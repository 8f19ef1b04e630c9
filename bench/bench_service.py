"""Benchmark: the issuer service under load on loopback, as ratios to the library in-process.

    .venv/bin/python bench/bench_service.py [--seconds 30] [--clients 50] [--workers 2]
                                            [--postgres URL]

Starts ``vcissue serve --workers N`` (uvicorn) on 127.0.0.1 over a fresh SQLite store (and
a fresh PostgreSQL schema when --postgres or $VCISSUE_TEST_POSTGRES_URL is given), then
for each of GET /status-lists/{id}, GET /register/{id} and POST /credentials/issue runs
C concurrent keep-alive clients (asyncio, raw HTTP/1.1) for S seconds: requests/s, p50 and
p99 latency. In the same run it measures the library doing the same work in-process, one
call at a time (store read of the signed list, Issuer.public_status, Issuer.issue), and
prints each HTTP figure as a ratio to it. The load generator shares the machine's cores
with the server. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vcissue.governance.principals import create_api_key, principal  # noqa: E402
from vcissue.keystore import KeyStore  # noqa: E402
from vcissue.model import Award, Holder  # noqa: E402
from vcissue.settings import load_settings  # noqa: E402
from vcissue.system import system_clock, system_random  # noqa: E402
from vcissue.wiring import build_issuer, open_deployment_store  # noqa: E402

PASSPHRASE = "bench-passphrase"
QUALIFICATION = ROOT / "examples" / "ecomentor" / "qualification.json"


async def _client(
    port: int, request: bytes, stop_at: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            status = int(status_line.split()[1])
            if status >= 400:
                errors.append(status)
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


def load(port: int, request: bytes, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> None:
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(
            *(_client(port, request, stop_at, latencies, errors) for _ in range(clients))
        )

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000,
        "requests": len(latencies),
        "errors": len(errors),
    }


def in_process(fn: Callable[[int], Any], seconds: float) -> float:
    fn(0)
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        count += 1
        fn(count)
    return count / (time.perf_counter() - started)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _request(method: str, path: str, body: bytes = b"", key: str | None = None) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if key:
        head.append(f"Authorization: Bearer {key}")
    if body:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def run_backend(name: str, store_url: str, args: argparse.Namespace, tmp: Path) -> None:
    port = _free_port()  # a fresh one per back end: the last server's sockets may linger
    directory = tmp / name
    keys = KeyStore(directory / "keys")
    now = datetime.now(UTC) - timedelta(minutes=1)
    keys.generate(PASSPHRASE.encode(), now=now, name="Bench Body", did="did:web:bench.example")
    config = directory / "vcissue.toml"
    config.write_text(
        f'[store]\nurl = "{store_url}"\n[keys]\ndir = "keys"\n'
        f'[status]\nbase_url = "http://127.0.0.1:{port}/status-lists"\n'
        f"[qualifications]\nfiles = [{json.dumps(str(QUALIFICATION))}]\n"
    )
    settings = load_settings(config, env={})
    open_deployment_store(settings, create=True).close()
    issuer = build_issuer(settings, PASSPHRASE.encode(), clock=system_clock, rng=system_random)
    key = create_api_key(
        issuer.store,
        role="issuer",
        principal_name="bench",
        now=datetime.now(UTC),
        rng=system_random,
    )
    bench = principal(issuer.store, "bench")
    qualification = issuer.qualification("ecomentor")
    first = issuer.issue(
        Award.from_request(qualification, holder_name="Bench Holder", awarded=now), by=bench
    )
    credential_id = first.record.id
    list_id = first.record.revocation_list

    library = {
        "GET /status-lists/{id}": in_process(
            lambda i: issuer.store.read(lambda tx: tx.get_list(list_id)), 3
        ),
        "GET /register/{id}": in_process(lambda i: issuer.public_status(credential_id), 3),
        "POST /credentials/issue": in_process(
            lambda i: issuer.issue(Award(Holder(f"H{i}"), qualification, awarded=now), by=bench),
            3,
        ),
    }
    issuer.store.close()

    env = {**os.environ, "VCISSUE_KEY_PASSPHRASE": PASSPHRASE}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vcissue.cli",
            "serve",
            "--config",
            str(config),
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit(f"vcissue serve exited with {server.returncode}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        name_of_list = list_id.rsplit("/", 1)[1]
        body = json.dumps({"qualification": "ecomentor", "holder": {"name": "Load"}}).encode()
        requests = {
            "GET /status-lists/{id}": _request("GET", f"/status-lists/{name_of_list}"),
            "GET /register/{id}": _request("GET", f"/register/{credential_id}"),
            "POST /credentials/issue": _request("POST", "/credentials/issue", body, key),
        }
        print(
            f"\n{name}: {args.clients} clients x {args.seconds:.0f} s each, "
            f"uvicorn --workers {args.workers}"
        )
        for route, raw in requests.items():
            result = load(port, raw, args.clients, args.seconds)
            ratio = result["rps"] / library[route]
            print(
                f"  {route:26} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:7.1f} ms  "
                f"p99 {result['p99_ms']:7.1f} ms  errors {result['errors']}   "
                f"library in-process {library[route]:8.0f}/s  ratio {ratio:.2f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default=os.environ.get("VCISSUE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(
        f"service load, {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        run_backend("SQLite", f"sqlite:///{tmp_path}/bench.db", args, tmp_path)
        if args.postgres:
            schema = f"vcissue_bench_{uuid.uuid4().hex[:8]}"
            separator = "&" if "?" in args.postgres else "?"
            try:
                run_backend(
                    "PostgreSQL", f"{args.postgres}{separator}schema={schema}", args, tmp_path
                )
            finally:
                import psycopg

                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()
