"""The issuer service, live: uvicorn on 127.0.0.1 (a free port) in a thread, per test, over
the store fixtures of tests/integration (SQLite always; PostgreSQL when
``VCISSUE_TEST_POSTGRES_URL`` is set), with one API key per role. Requests go over real
HTTP (urllib); nothing is called in-process."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from tests.factories import ROOT
from tests.integration.conftest import Backend, backend, pg_schemas, store  # noqa: F401
from vcissue.governance.principals import create_api_key
from vcissue.keystore import KeyStore
from vcissue.service import create_app
from vcissue.settings import Settings
from vcissue.system import system_random

PASSPHRASE = b"service-test"
QUALIFICATION = ROOT / "examples" / "ecomentor" / "qualification.json"
KCS = tuple(ROOT / "examples" / "kcs" / f"level{level}.json" for level in (1, 2))
# Principal names: the audit log's actors. The role is the part before any "-".
PRINCIPALS = ("issuer", "operator", "approver-1", "approver-2", "auditor")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> Reply:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:  # loopback
            items = response.headers.items()
            return Reply(response.status, {k.lower(): v for k, v in items}, response.read())
    except urllib.error.HTTPError as error:
        items = error.headers.items()
        return Reply(error.code, {k.lower(): v for k, v in items}, error.read())


@dataclass
class Service:
    base: str
    keys: dict[str, str]  # principal name -> API key
    keystore: KeyStore
    backend: Backend
    context: ssl.SSLContext | None = None  # trusts the test certificate when served over TLS

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """``key`` is a principal name from PRINCIPALS, or any other text sent as the key."""
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        sent = dict(headers or {})
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        if key is not None:
            sent["Authorization"] = f"Bearer {self.keys.get(key, key)}"
        return http(method, self.base + path, data=data, headers=sent, context=self.context)


@contextmanager
def running_service(
    backend: Backend,  # noqa: F811
    tmp_path: Path,
    extend: Callable[[FastAPI], None] | None = None,
    *,
    tls: tuple[Path, Path] | None = None,
    worker: bool = False,
    **overrides: Any,
) -> Iterator[Service]:
    """The service on a free port until the block ends; ``extend`` may add routes first;
    ``tls`` (certificate file, key file) serves https; ``overrides`` are further
    ``Settings`` fields."""
    port = free_port()
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    keystore = KeyStore(tmp_path / "keys")
    keystore.generate(
        PASSPHRASE,
        now=datetime.now(UTC) - timedelta(minutes=1),
        name="EcoMentor Certification Body",
        did="did:web:certs.example",
    )
    settings = Settings(
        store_url=backend.url,
        keys_dir=tmp_path / "keys",
        status_base_url=f"{base}/status-lists",
        **{"qualification_files": (QUALIFICATION,), "revocation_approvers": 2, **overrides},
    )
    opened = backend.open()
    app = create_app(settings, store=opened, passphrase=PASSPHRASE, worker=worker)
    if extend is not None:
        extend(app)
    now = datetime.now(UTC)
    keys = {
        name: create_api_key(
            opened, principal_name=name, role=name.split("-")[0], now=now, rng=system_random
        )
        for name in PRINCIPALS
    }
    certificate, key = (str(tls[0]), str(tls[1])) if tls else (None, None)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=certificate,
            ssl_keyfile=key,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        context = ssl.create_default_context(cafile=str(tls[0])) if tls else None
        yield Service(base, keys, keystore, backend, context)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def service(backend: Backend, tmp_path: Path) -> Iterator[Service]:  # noqa: F811
    with running_service(backend, tmp_path) as running:
        yield running
