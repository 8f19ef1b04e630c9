"""Benchmark: issuance across service instances on one PostgreSQL, and a large store.

    .venv/bin/python bench/bench_scale.py [--instances 1,2,4] [--seconds 20] [--clients 8]
                                          [--sizes 10000,1000000] [--postgres URL]
                                          [--large-store postgresql|sqlite]

For each N in --instances: a fresh PostgreSQL schema and deployment, N `vcissue serve
--workers 1` processes (as N instances behind a load balancer), and C keep-alive clients
per instance posting /credentials/issue for S seconds. Reports issued/s, p50/p99 latency,
the ratio to one instance measured in the same run, and the share of samples in which a
PostgreSQL backend of the deployment waited on a lock (pg_stat_activity, sampled every
50 ms): when the CPU and not a lock is the limit, that share stays near zero. The load
generator shares the machine's cores with the servers.

Then, for each size in --sizes: a synthetic store of that many credentials on PostgreSQL
(one real issuance as the template; the other rows, their status allocations, an audit
chain the store replays to exactly (issues, suspensions, revocations, withdrawals) and the
status bits and signed lists that go with it, written in bulk: states 90 % active, 5 %
suspended, 3 % revoked, 2 % withdrawn; expiry spread over ten years), then the first
checkpoint (its state digest replays the whole log once), ten real issues
after it, and the time of the body's reads at that size: `report counts`, `expiring`
within 90 days and `issued`, Issuer.counts, `audit verify` from the
checkpoint (the entries after it, and the store's sum) and `--full` (not with
--skip-audit), and 1,000 register lookups (Issuer.public_status, p50/p99). --keep keeps
the schema and the deployment directory. --large-store sqlite builds the large store in a
SQLite file instead (--instances '' skips the instances).

Each report is timed twice over. In a new process that opened the store as `vcissue
report` does: the first call ("cold": a new connection, so a new PostgreSQL backend with
no plan, catalog or relation cache; with --drop-caches the OS page cache dropped just
before, which needs root and affects the whole machine) and three more ("warm"). And as
`vcissue report ...` processes, wall time: the first cold, three more warm; these include
the interpreter's start and the CLI's imports, printed alone as a floor. PostgreSQL's own
shared buffers cannot be emptied without restarting it, which a shared server does not
allow: "cold" here means those stay as the run before left them.
`--time-reports CONFIG` times only the reports, of an existing deployment (a kept one).
Never asserted in tests.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    parser.add_argument("--sizes", default="10000,1000000", help="'' to skip the large store")
    parser.add_argument("--postgres", default=os.environ.get("VCISSUE_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--keep", action="store_true",
        help="keep the large store (its schema, and its deployment directory for the CLI)",
    )  # fmt: skip
    parser.add_argument(
        "--skip-audit", action="store_true",
        help="time no checkpoint and no audit verify (the reports and lookups only)",
    )  # fmt: skip
    parser.add_argument(
        "--drop-caches", action="store_true",
        help="drop the OS page cache before each cold report (needs root; machine-wide)",
    )  # fmt: skip
    parser.add_argument(
        "--large-store", choices=("postgresql", "sqlite"), default="postgresql",
        help="the back end of the large store (SQLite: a file in a temporary directory)",
    )  # fmt: skip
    parser.add_argument(
        "--spread-times", action="store_true",
        help="award and expiry times spread over the day (one second apart), as issuance "
        "times would be, not all at the same time of day: index entries no longer share keys",
    )  # fmt: skip
    parser.add_argument(
        "--time-reports", metavar="CONFIG",
        help="only time the reports of the deployment of this vcissue.toml (e.g. a --keep one)",
    )  # fmt: skip
    parser.add_argument("--report-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report_child:
        _report_child(*args.report_child, repeat=int(args.seconds))
        return
    if args.time_reports:
        time_reports(Path(args.time_reports), drop_caches=args.drop_caches)
        return
    if not args.postgres and (args.instances or args.large_store == "postgresql"):
        raise SystemExit("needs --postgres URL or $VCISSUE_TEST_POSTGRES_URL")
    load = os.getloadavg()
    print(
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
        f"issuance across instances on one PostgreSQL, {platform.machine()} "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{args.clients} clients per instance x {args.seconds:.0f} s"
    )
    base = None
    # --keep: the deployment directory outlives the run, so `vcissue report --config` works
    keep = tempfile.mkdtemp(prefix="vcissue-scale-") if args.keep else None
    with tempfile.TemporaryDirectory() as tmp:
        for count in (int(n) for n in args.instances.split(",") if n):
            result = run(count, args, Path(tmp))
            base = base or result["rps"]
            print(
                f"  {count} instance(s): {result['rps']:7.1f} issued/s  "
                f"x{result['rps'] / base:4.2f} of one  p50 {result['p50_ms']:7.1f} ms  "
                f"p99 {result['p99_ms']:7.1f} ms  errors {result['errors']}  "
                f"lock waits in {result['lock_wait_share']:.0%} of samples"
            )
        if args.sizes:
            large_store(args, Path(keep or tmp))


# --- a large store ------------------------------------------------------------------------

LIST_SIZE = 131_072


def _grow(conn: Any, template_id: str, size: int, start: int, *, spread: bool = False) -> None:
    """Rows ``start..size-1`` copied from the template credential, each with its own id,
    holder, number, state, dates and two never-shared status indices."""
    columns = [
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = 'credentials' AND is_generated = 'NEVER' "
            "ORDER BY ordinal_position"
        )
    ]
    lists = {
        purpose: conn.execute(
            "SELECT id FROM status_lists WHERE purpose = %s ORDER BY id LIMIT 1", (purpose,)
        ).fetchone()[0]
        for purpose in ("revocation", "suspension")
    }
    needed = size // LIST_SIZE + 2
    for first in lists.values():
        for n in range(needed):
            conn.execute(
                "INSERT INTO status_lists (id, purpose, size, bits, version, is_full, "
                "published_json, published_at, created_at) SELECT %s, purpose, size, bits, "
                "version, true, published_json, published_at, created_at FROM status_lists "
                "WHERE id = %s ON CONFLICT DO NOTHING",
                (f"{first}-bench-{n}", first),
            )
    n = "g.n"
    overrides = {
        "id": f"'urn:uuid:' || md5('bench' || {n})::uuid",
        "holder_name": f"'Holder ' || {n}",
        "number": f"'BENCH-' || {n}",
        "batch_key": "NULL",
        "previous_id": "NULL",
        "state": (
            f"CASE WHEN mod({n}, 100) < 90 THEN 'active' WHEN mod({n}, 100) < 95 THEN 'suspended' "
            f"WHEN mod({n}, 100) < 98 THEN 'revoked' ELSE 'withdrawn' END"
        ),
        "suspended_until": f"CASE WHEN mod({n}, 100) BETWEEN 90 AND 94 THEN now() + "
        "interval '30 days' ELSE NULL END",
        "awarded": f"now() - ((mod({n}, 3650)) || ' days')::interval"
        + (f" - (mod({n} * 7, 86400) || ' seconds')::interval" if spread else ""),
        "expires": f"now() + ((mod({n} * 7919, 3650) - 1825) || ' days')::interval"
        + (f" - (mod({n} * 7, 86400) || ' seconds')::interval" if spread else ""),
        "revocation_list": f"'{lists['revocation']}-bench-' || ({n} / {LIST_SIZE})",
        "revocation_index": f"mod({n}, {LIST_SIZE})",
        "suspension_list": f"'{lists['suspension']}-bench-' || ({n} / {LIST_SIZE})",
        "suspension_index": f"mod({n}, {LIST_SIZE})",
    }
    for purpose in ("revocation", "suspension"):
        conn.execute(
            "INSERT INTO allocations (list_id, idx, credential_id) "
            f"SELECT '{lists[purpose]}-bench-' || (n / {LIST_SIZE}), mod(n, {LIST_SIZE}), "
            "'urn:uuid:' || md5('bench' || n)::uuid "
            "FROM generate_series(%s::bigint, %s::bigint) AS n",
            (start, size - 1),
        )
    select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    conn.execute(
        f"INSERT INTO credentials ({', '.join(columns)}) SELECT {select} "
        "FROM generate_series(%s::bigint, %s::bigint) AS g(n), credentials t WHERE t.id = %s",
        (start, size - 1, template_id),
    )


@contextmanager
def _audit_sink(conn: Any) -> Iterator[Callable[[tuple[Any, ...]], None]]:
    """Where ``_extend_audit`` writes audit rows: COPY on PostgreSQL, batched inserts
    (datetimes as the store's ISO text) on SQLite."""
    if isinstance(conn, _Lite):
        from vcissue.store.audit import iso_utc

        batch: list[tuple[Any, ...]] = []

        def flush() -> None:
            conn.conn.executemany("INSERT INTO audit_log (seq, at, actor, action, credential_id, "
                                  "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                  batch)  # fmt: skip
            batch.clear()

        def write(row: tuple[Any, ...]) -> None:
            batch.append((row[0], iso_utc(row[1]), *row[2:]))
            if len(batch) >= 10_000:
                flush()

        yield write
        flush()
        return
    with conn.cursor().copy(
        "COPY audit_log (seq, at, actor, action, credential_id, details, prev_hash, hash) "
        "FROM STDIN"
    ) as copy:
        yield copy.write_row


class _Lite:
    """A sqlite3 connection that takes the PostgreSQL ``%s`` placeholders of the SQL here."""

    def __init__(self, path: str) -> None:
        import sqlite3

        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN")

    def execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(query.replace("%s", "?"), tuple(params))

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("VACUUM")
        self.conn.execute("ANALYZE")
        self.conn.close()


def _grow_sqlite(
    lite: _Lite, template_id: str, size: int, start: int, *, spread: bool = False
) -> None:
    """``_grow`` for SQLite, the rows made here (the same ids, states, dates and indices)."""
    from datetime import UTC, datetime, timedelta

    from vcissue.store.audit import iso_utc

    cursor = lite.execute("SELECT * FROM credentials WHERE id = %s", (template_id,))
    columns = [d[0] for d in cursor.description]
    template = cursor.fetchone()
    lists = {
        purpose: lite.execute(
            "SELECT id FROM status_lists WHERE purpose = %s ORDER BY id LIMIT 1", (purpose,)
        ).fetchone()[0]
        for purpose in ("revocation", "suspension")
    }
    for first in lists.values():
        for n in range(size // LIST_SIZE + 2):
            lite.execute(
                "INSERT OR IGNORE INTO status_lists (id, purpose, size, bits, version, is_full, "
                "published_json, published_at, created_at) SELECT %s, purpose, size, bits, "
                "version, 1, published_json, published_at, created_at FROM status_lists "
                "WHERE id = %s",
                (f"{first}-bench-{n}", first),
            )
    now = datetime.now(UTC)
    lite.conn.executemany(
        "INSERT INTO allocations (list_id, idx, credential_id) VALUES (?, ?, ?)",
        (
            (f"{lists[purpose]}-bench-{n // LIST_SIZE}", n % LIST_SIZE, _bench_id(n))
            for n in range(start, size)
            for purpose in ("revocation", "suspension")
        ),
    )

    def second(n: int) -> int:  # of the day, with --spread-times
        return n * 7 % 86400 if spread else 0

    def row(n: int) -> tuple[Any, ...]:
        state = next(name for bound, name, _ in _STATES if n % 100 < bound)
        overrides = {
            "id": _bench_id(n), "holder_name": f"Holder {n}", "number": f"BENCH-{n}",
            "batch_key": None, "previous_id": None, "state": state,
            "suspended_until": iso_utc(now + timedelta(days=30))
            if state == "suspended" else None,
            "awarded": iso_utc(now - timedelta(days=n % 3650, seconds=second(n))),
            "expires": iso_utc(now + timedelta(days=(n * 7919) % 3650 - 1825) - timedelta(
                seconds=second(n))),
            "revocation_list": f"{lists['revocation']}-bench-{n // LIST_SIZE}",
            "revocation_index": n % LIST_SIZE,
            "suspension_list": f"{lists['suspension']}-bench-{n // LIST_SIZE}",
            "suspension_index": n % LIST_SIZE,
        }  # fmt: skip
        return tuple(overrides.get(c, v) for c, v in zip(columns, template, strict=True))

    lite.conn.executemany(
        f"INSERT INTO credentials ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})",
        (row(n) for n in range(start, size)),
    )


def _bench_id(n: int) -> str:
    """The id the SQL above gives row n: md5('bench' || n) as a UUID."""
    return f"urn:uuid:{uuid.UUID(hashlib.md5(f'bench{n}'.encode()).hexdigest())}"


_STATES = (
    (90, "active", None),
    (95, "suspended", "suspend"),
    (98, "revoked", "revoke"),
    (100, "withdrawn", "withdraw"),
)  # fmt: skip  (mod(n, 100) below, as in _grow)


def _extend_audit(conn: Any, issuer: Any, template_id: str, start: int, size: int) -> None:
    """What the log says of each bench credential, chained from the current head: its
    issue (both status indices, the digest of its signed form) and, for the 10 % that
    are not active, the suspension, revocation or withdrawal; and the status bits and
    the re-signed lists that go with them. The store then replays to exactly its log."""
    from datetime import UTC, datetime

    from vcissue.model.scheme import DEFAULT_BODY
    from vcissue.status import Bitstring
    from vcissue.store.audit import canonical_details, entry_hash

    lists = {
        row[0]: (row[1], Bitstring.from_bytes(bytes(row[2]), min_bits=1))
        for row in conn.execute("SELECT id, purpose, bits FROM status_lists WHERE id LIKE %s",
                                ("%-bench-%",))
    }  # fmt: skip
    first = {
        purpose: conn.execute(
            "SELECT id FROM status_lists WHERE purpose = %s ORDER BY id LIMIT 1", (purpose,)
        ).fetchone()[0]
        for purpose in ("revocation", "suspension")
    }
    signed = conn.execute("SELECT signed_json FROM credentials WHERE id = %s",
                          (template_id,)).fetchone()[0]  # fmt: skip
    sha = hashlib.sha256(signed.encode("utf-8")).hexdigest()
    seq, prev = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    at = datetime.now(UTC).replace(microsecond=0)
    with _audit_sink(conn) as write_row:

        def append(action: str, credential_id: str, details: dict[str, Any]) -> None:
            nonlocal seq, prev
            seq += 1
            digest = entry_hash(
                seq=seq, at=at, actor="bench", action=action, credential_id=credential_id,
                details=details, prev_hash=prev,
            )  # fmt: skip
            write_row(
                (seq, at, "bench", action, credential_id, canonical_details(details), prev,
                 digest)
            )  # fmt: skip
            prev = digest

        for n in range(start, size):
            credential_id = _bench_id(n)
            index = n % LIST_SIZE
            revocation = f"{first['revocation']}-bench-{n // LIST_SIZE}"
            suspension = f"{first['suspension']}-bench-{n // LIST_SIZE}"
            append("issue", credential_id, {
                "qualification": "ecomentor", "number": f"BENCH-{n}",
                "revocation": [revocation, index], "suspension": [suspension, index],
                "sha256": sha,
            })  # fmt: skip
            action = next(action for bound, _, action in _STATES if n % 100 < bound)
            if action is not None:
                append(action, credential_id, {"reason": "bench"})
                lists[suspension if action == "suspend" else revocation][1].set(index, True)
    conn.execute("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1", (seq, prev))
    for list_id, (purpose, bits) in lists.items():
        conn.execute(
            "UPDATE status_lists SET bits = %s, published_json = %s WHERE id = %s",
            (bits.to_bytes(), issuer._sign_list(list_id, purpose, bits, at, DEFAULT_BODY), list_id),
        )


REPORT_COMMANDS = {
    "report counts": ("counts",),
    "report expiring (90 days)": ("expiring", "--days", "90"),
    "report issued": ("issued",),
}


def _drop_caches() -> bool:
    """Drop the OS page cache (the nearest to a cold start without restarting
    PostgreSQL: its shared buffers stay as they are). False where not allowed."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def cli_reports(config: Path, *, drop_caches: bool, warm: int = 3) -> dict[str, list[float]]:
    """Wall times of `vcissue report NAME --format csv` processes: the first "cold" (a new
    process, so a new connection and a new PostgreSQL backend: no plan, catalog or
    relation cache of its own; with ``drop_caches`` the OS page cache dropped too), then
    ``warm`` more right after. Each includes the interpreter's start and the store's
    opening: ``cli_floor`` times that alone."""
    env = {**os.environ, "VCISSUE_KEY_PASSPHRASE": PASSPHRASE}
    times: dict[str, list[float]] = {}
    for name, argv in REPORT_COMMANDS.items():
        runs = []
        for n in range(1 + warm):
            if n == 0 and drop_caches:
                _drop_caches()
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "vcissue.cli", "report", *argv, "--format", "csv",
                 "--config", str(config)],
                env=env, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            runs.append(time.perf_counter() - started)
        times[name] = runs
    return times


def _report_child(config: str, name: str, repeat: int) -> None:
    """In a new process: open the deployment as `vcissue report` does, then time
    ``report(name)`` ``repeat`` times (the first on the new connection); print them."""
    from vcissue.issuer.reports import report
    from vcissue.system import system_clock
    from vcissue.wiring import build_issuer

    issuer = build_issuer(load_settings(Path(config)), None, clock=system_clock,
                          rng=system_random)  # fmt: skip
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        report(issuer, name)
        times.append(time.perf_counter() - started)
    issuer.store.close()
    print(" ".join(f"{t:.6f}" for t in times))


def process_reports(config: Path, *, drop_caches: bool, warm: int = 3) -> dict[str, list[float]]:
    """Per report, in a new process that opened the store: the first call (cold: a new
    connection and PostgreSQL backend, after the OS page cache was dropped when
    ``drop_caches``), then ``warm`` more on the same connection."""
    times = {}
    for name, argv in REPORT_COMMANDS.items():
        if drop_caches:
            _drop_caches()
        out = subprocess.run(
            [sys.executable, __file__, "--report-child", str(config), argv[0],
             "--seconds", str(1 + warm)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        times[name] = [float(t) for t in out.split()]
    return times


def time_reports(config: Path, *, drop_caches: bool) -> None:
    """--time-reports: the reports of an existing deployment, as processes and in one."""
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {config}")
    inside = process_reports(config, drop_caches=drop_caches)
    load_inside = os.getloadavg()[0]
    processes = cli_reports(config, drop_caches=drop_caches)
    load = os.getloadavg()
    print(f"  report() in a new process (load {load_inside:.1f}): cold, then warm x3")
    _print_runs(inside)
    print(f"  `vcissue report` processes, wall time (load {load[0]:.1f}; a bare process "
          f"that imports the CLI: {cli_floor(config):.3f} s)")  # fmt: skip
    _print_runs(processes)


def _print_runs(runs_by_report: dict[str, list[float]]) -> None:
    """One line per report: its first (cold) run, then the range of the others (warm)."""
    for name, runs in runs_by_report.items():
        print(f"    {name:44} cold {runs[0]:6.3f} s  warm "
              f"{min(runs[1:]):6.3f}-{max(runs[1:]):6.3f} s")  # fmt: skip


def cli_floor(config: Path) -> float:
    """What each `vcissue report` process spends before it reads anything: the
    interpreter's start and the imports of the CLI (best of three)."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import vcissue.cli.reports, vcissue.wiring"], check=True
        )
        runs.append(time.perf_counter() - started)
    return min(runs)


def _timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def large_store(args: argparse.Namespace, tmp: Path) -> None:
    import random
    import statistics
    from datetime import UTC, datetime, timedelta

    import psycopg

    from vcissue.governance.principals import principal
    from vcissue.model import Award
    from vcissue.system import system_clock
    from vcissue.verify import TrustList
    from vcissue.wiring import build_issuer

    schema = f"vcissue_million_{uuid.uuid4().hex[:8]}"
    separator = "&" if "?" in (args.postgres or "") else "?"
    directory = tmp / schema
    directory.mkdir()
    lite = args.large_store == "sqlite"
    url = (
        f"sqlite:///{directory / 'vcissue.db'}"
        if lite
        else f"{args.postgres}{separator}schema={schema}"
    )
    config, _ = _deployment(directory, url, 8000)
    settings = load_settings(config, env={})
    issuer = build_issuer(settings, PASSPHRASE.encode(), clock=system_clock, rng=system_random)
    trust = TrustList.of(KeyStore(settings.keys_dir).trusted_issuer())
    by = principal(issuer.store, "bench")

    def award(name: str) -> Award:
        return Award.from_request(
            issuer.qualification("ecomentor"),
            holder_name=name,
            awarded=datetime.now(UTC) - timedelta(days=1),
        )

    template = issuer.issue(award("Template"), by=by).record.id
    print(f"\na large store ({'SQLite' if lite else f'PostgreSQL, schema {schema}'}):")
    grown = 1
    try:
        for size in (int(n) for n in args.sizes.split(",")):
            started = time.perf_counter()
            if lite:
                conn = _Lite(str(directory / "vcissue.db"))
                _grow_sqlite(conn, template, size, grown, spread=args.spread_times)
                _extend_audit(conn, issuer, template, grown, size)
                conn.commit()
            else:
                with psycopg.connect(args.postgres, autocommit=False) as conn:
                    conn.execute(f'SET search_path TO "{schema}"')
                    conn.execute("SET session_replication_role = replica")  # no triggers
                    _grow(conn, template, size, grown, spread=args.spread_times)
                    _extend_audit(conn, issuer, template, grown, size)
                    conn.commit()
                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'SET search_path TO "{schema}"')
                    conn.execute("VACUUM ANALYZE")
            grown = size
            built = time.perf_counter() - started
            load_cold = os.getloadavg()[0]
            inside = process_reports(config, drop_caches=args.drop_caches)
            reports = cli_reports(config, drop_caches=args.drop_caches)
            load_warm = os.getloadavg()[0]
            sample = random.Random(1).sample(range(1, size), min(1000, size - 1))
            ids = [_bench_id(n) for n in sample]
            timings: dict[str, float] = {}
            checks = {}
            steps: list[tuple[str, Callable[[], Any]]] = [("Issuer.counts", issuer.counts)]
            if not args.skip_audit:
                # the first checkpoint after a bulk load replays the whole log for its digest
                fold, kept = _timed(issuer.checkpoint)
                timings["first checkpoint after the load (whole log)"] = fold
                for n in range(10):  # after the checkpoint: what verify replays
                    issuer.issue(award(f"Later {n}"), by=by)
                steps += [
                    ("audit verify (from checkpoint)",
                     lambda kept=kept: issuer.audit_check(trust=trust, checkpoint=kept)),
                    ("audit verify --full", lambda: issuer.audit_check(trust=trust, full=True)),
                ]  # fmt: skip
            for name, fn in steps:
                timings[name], checks[name] = _timed(fn)
            for name, found in checks.items():
                if name.startswith("audit") and not found.intact:
                    print(f"    {name}: NOT INTACT {found.problems[:3]}")
            lookups = []
            for credential_id in ids:
                t0 = time.perf_counter()
                issuer.public_status(credential_id)
                lookups.append(time.perf_counter() - t0)
            lookups.sort()
            load = os.getloadavg()
            print(f"  {size:>9,} credentials (built in {built:.0f} s; load average "
                  f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}):")  # fmt: skip
            floor = cli_floor(config)
            print(f"    report() in a new process, then again x3 (from load {load_cold:.1f}):")
            _print_runs(inside)
            print(f"    `vcissue report` processes (to load {load_warm:.1f}; a bare process "
                  f"that imports the CLI takes {floor:.3f} s of each):")  # fmt: skip
            _print_runs(reports)
            for name, seconds in timings.items():
                print(f"    {name:44} {seconds:8.3f} s")
            print(
                f"    {'register lookup':44} p50 {statistics.median(lookups) * 1000:6.2f} ms  "
                f"p99 {lookups[int(len(lookups) * 0.99) - 1] * 1000:6.2f} ms"
            )
    finally:
        issuer.store.close()
        if not args.keep and not lite:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        elif args.keep:
            print(f"  kept: `vcissue report counts --config {config}`")


if __name__ == "__main__":
    main()
