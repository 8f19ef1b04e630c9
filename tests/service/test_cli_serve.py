"""``vcissue apikey create`` and ``vcissue serve --workers 2`` as an operator runs them:
subprocesses over a settings file, on SQLite and PostgreSQL, then real HTTP to the served
app with the key the command printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Ran, vcissue
from tests.integration.conftest import Backend, backend, pg_schemas  # noqa: F401
from tests.integration.test_cli import QUALIFICATION
from tests.service.conftest import free_port, http
from vcissue.cli.common import EXIT_ERROR

PASSPHRASE = "serve-s3cret"


def _store_url(backend: Backend) -> str:  # noqa: F811
    if backend.pg_schema is None:
        return backend.url
    return f"{backend.url}{'&' if '?' in backend.url else '?'}schema={backend.pg_schema}"


@pytest.fixture
def deployment(backend: Backend, tmp_path: Path) -> tuple[Path, int]:  # noqa: F811
    port = free_port()
    out = vcissue(
        "init",
        "--dir",
        str(tmp_path),
        "--name",
        "Body",
        "--did",
        "did:web:certs.example",
        "--status-base-url",
        f"http://127.0.0.1:{port}/status-lists",
        "--store-url",
        _store_url(backend),
        "--qualification",
        str(QUALIFICATION),
        cwd=tmp_path,
        passphrase=PASSPHRASE,
    )
    assert out.returncode == 0, out.stderr
    return tmp_path, port


def apikey(where: Path, role: str, name: str) -> Ran:
    config = str(where / "vcissue.toml")
    return vcissue(
        "apikey", "create", "--config", config, "--role", role, "--principal", name, cwd=where
    )


@pytest.fixture
def served(deployment: tuple[Path, int]) -> Iterator[tuple[Path, str]]:
    where, port = deployment
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "vcissue.cli", "serve"),
            *("--config", str(where / "vcissue.toml"), "--port", str(port)),
            *("--workers", "2", "--log-level", "warning"),
        ],
        cwd=where,
        env={**os.environ, "VCISSUE_KEY_PASSPHRASE": PASSPHRASE},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                if http("GET", base + "/health").status == 200:
                    break
            except (OSError, urllib.error.URLError):
                pass
            assert time.monotonic() < deadline, "vcissue serve did not answer in 60 s"
            time.sleep(0.2)
        yield where, base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_apikey_create_prints_the_key_once_and_stores_only_its_hash(
    deployment: tuple[Path, int],
    backend: Backend,  # noqa: F811
) -> None:
    where, _ = deployment
    out = apikey(where, "operator", "Olga")
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip()
    assert key.startswith("vci_") and "\n" not in key
    assert "shown once" in out.stderr and key not in out.stderr
    key_id, secret = key[4:].split("_", 1)
    rows = backend.raw("SELECT key_id, key_hash, principal_id FROM api_keys")
    assert [(r[0], r[2]) for r in rows] == [(key_id, "olga")]
    assert secret not in json.dumps([str(value) for value in rows[0]])
    roles = backend.raw("SELECT principal_id, role FROM principal_roles")
    assert roles == [("olga", "operator")]


@pytest.mark.parametrize(
    ("role", "name", "message"),
    [("wizard", "W", "invalid choice"), ("issuer", "  ", "needs a name")],
    ids=["unknown role", "blank principal"],
)
def test_apikey_create_refuses_bad_roles_and_names(
    deployment: tuple[Path, int], role: str, name: str, message: str
) -> None:
    out = apikey(deployment[0], role, name)
    assert out.returncode != 0 and message in out.stderr and "vci_" not in out.stdout


def test_serve_with_two_workers_issues_with_a_created_key(served: tuple[Path, str]) -> None:
    where, base = served
    issuer_key = apikey(where, "issuer", "registrar").stdout.strip()
    auditor_key = apikey(where, "auditor", "Audrey").stdout.strip()
    award = json.dumps({"qualification": "ecomentor", "holder": {"name": "Ana"}}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {issuer_key}"}
    # several requests, so both workers (separate processes, one store) are likely used
    ids = []
    for _ in range(6):
        reply = http("POST", base + "/credentials/issue", data=award, headers=headers)
        assert reply.status == 201, reply.body
        ids.append(reply.json()["verifiableCredential"]["id"])
    assert len(set(ids)) == 6
    audit = http("GET", base + "/audit", headers={"Authorization": f"Bearer {auditor_key}"})
    entries = audit.json()["entries"]
    assert audit.json()["intact"] is True
    assert [(e["action"], e["actor"], e["credentialId"]) for e in entries] == [
        ("principal-add", "cli:admin", None),
        ("apikey-create", "cli:admin", None),
        ("principal-add", "cli:admin", None),
        ("apikey-create", "cli:admin", None),
        *(("issue", "registrar", credential_id) for credential_id in ids),
    ]
    public = http("GET", f"{base}/register/{ids[0]}").json()
    assert public["current"] is True and public["holderName"] == "Ana"


@pytest.mark.parametrize(
    ("config", "passphrase", "error"),
    [
        ("vcissue.toml", "wrong", "[key-material]: cannot decrypt"),
        ("vcissue.toml", "", "[key-material]: the service needs the key passphrase"),
        ("missing.toml", PASSPHRASE, "[settings]: "),
    ],
)
def test_serve_refuses_to_start_on_a_wrong_passphrase_or_settings(
    deployment: tuple[Path, int], config: str, passphrase: str, error: str
) -> None:
    where, port = deployment
    out = vcissue(
        *("serve", "--config", str(where / config), "--port", str(port)),
        cwd=where,
        passphrase=passphrase or None,
    )
    assert out.returncode == EXIT_ERROR and f"vcissue: error {error}" in out.stderr, out.stderr


def _serve(where: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "vcissue.cli", "serve"),
            *("--config", str(where / "vcissue.toml"), "--port", str(port)),
            *("--workers", "1", "--log-level", "warning"),
        ],
        cwd=where,
        env={**os.environ, "VCISSUE_KEY_PASSPHRASE": PASSPHRASE},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_healthy(server: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.communicate()[0]
        try:
            if http("GET", base + "/health").status == 200:
                return
        except (OSError, urllib.error.URLError):
            pass
        assert time.monotonic() < deadline, "vcissue serve did not answer in 60 s"
        time.sleep(0.2)


def test_two_instances_on_one_store_issue_concurrently(
    deployment: tuple[Path, int],
    backend: Backend,  # noqa: F811
) -> None:
    """Two `vcissue serve` processes on one store (a load balancer's view): every request
    issues exactly one credential, no status index is given twice, the audit chain stays
    one unbroken chain."""
    where, port = deployment
    ports = [port, free_port()]
    servers = [_serve(where, p) for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    per_thread, threads_per_instance = 10, 2
    try:
        for server, base in zip(servers, bases, strict=True):
            _wait_healthy(server, base)
        key = apikey(where, "issuer", "registrar").stdout.strip()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
        ids: list[str] = []
        errors: list[str] = []
        lock = threading.Lock()

        def client(base: str, n: int) -> None:
            for i in range(per_thread):
                award = {"qualification": "ecomentor", "holder": {"name": f"H {base[-5:]} {n} {i}"}}
                try:
                    reply = http(
                        "POST", base + "/credentials/issue",
                        data=json.dumps(award).encode(), headers=headers,
                    )  # fmt: skip
                except Exception as error:  # reported below, with the others
                    with lock:
                        errors.append(repr(error))
                    continue
                with lock:
                    if reply.status == 201:
                        ids.append(reply.json()["verifiableCredential"]["id"])
                    else:
                        errors.append(f"{reply.status} {reply.body!r}")

        threads = [
            threading.Thread(target=client, args=(base, n))
            for base in bases
            for n in range(threads_per_instance)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    expected = len(bases) * threads_per_instance * per_thread
    assert errors == [] and len(ids) == expected and len(set(ids)) == expected
    stored = backend.raw("SELECT id, revocation_list, revocation_index FROM credentials")
    assert sorted(row[0] for row in stored) == sorted(ids)
    allocations = backend.raw("SELECT list_id, idx FROM allocations")
    assert len(allocations) == len(set(allocations)) == 2 * expected  # none lost, none twice
    audit = backend.raw("SELECT seq, action FROM audit_log ORDER BY seq")
    assert [row[0] for row in audit] == list(range(1, len(audit) + 1))
    assert sum(1 for row in audit if row[1] == "issue") == expected
