"""Store fixtures: every store test runs on SQLite and, when configured, on PostgreSQL.

SQLite uses a fresh file under ``tmp_path``. PostgreSQL runs only when
``VCISSUE_TEST_POSTGRES_URL`` is set (otherwise those cases are skipped); each test
gets a fresh schema named ``vcissue_test_<run>_<n>``, and every schema a test module
created is dropped when the module finishes.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vcissue.store import Store, open_store

POSTGRES_URL = os.environ.get("VCISSUE_TEST_POSTGRES_URL", "")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="VCISSUE_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


@dataclass
class Backend:
    """Where one test's store lives, and raw access to it behind the store's back."""

    name: str
    url: str
    pg_schema: str | None = None
    path: Path | None = None
    opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        store = open_store(self.url, pg_schema=self.pg_schema, create=True)
        self.opened.append(store)
        return store

    def open_with(self, migrations: Sequence[Any]) -> Store:
        """Open with a different migration list (to test upgrades and refusals)."""
        if self.name == "sqlite":
            from vcissue.store.sqlite import SqliteStore

            assert self.path is not None
            store: Store = SqliteStore(str(self.path), migrations=migrations, create=True)
        else:
            from vcissue.store.postgres import PostgresStore

            store = PostgresStore(
                self.url, schema=self.pg_schema, migrations=migrations, create=True
            )
        self.opened.append(store)
        return store

    def raw(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement on a separate connection, committed at once (``?`` params)."""
        if self.name == "sqlite":
            assert self.path is not None
            conn = sqlite3.connect(self.path, isolation_level=None)
            try:
                return list(conn.execute(sql, tuple(params)).fetchall())
            finally:
                conn.close()
        import psycopg
        from psycopg import sql as pgsql

        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(
                pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self.pg_schema))
            )
            cur = conn.execute(sql.replace("?", "%s"), tuple(params))  # type: ignore[arg-type]
            return list(cur.fetchall()) if cur.description else []

    def drop_append_only_guards(self) -> None:
        """What an attacker with database access does first: remove the triggers."""
        if self.name == "sqlite":
            self.raw("DROP TRIGGER audit_log_no_update")
            self.raw("DROP TRIGGER audit_log_no_delete")
        else:
            self.raw("ALTER TABLE audit_log DISABLE TRIGGER USER")

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(scope="module")
def pg_schemas() -> Iterator[list[str]]:
    """Names of the schemas this module created; all dropped at module end."""
    names: list[str] = []
    yield names
    if not names:
        return
    import psycopg
    from psycopg import sql as pgsql

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        for name in names:
            conn.execute(
                pgsql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(pgsql.Identifier(name))
            )


_RUN = uuid.uuid4().hex[:8]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        found = Backend("sqlite", f"sqlite:///{path}", path=path)
    else:
        schemas: list[str] = request.getfixturevalue("pg_schemas")
        name = f"vcissue_test_{_RUN}_{len(schemas)}"
        schemas.append(name)
        found = Backend("postgresql", POSTGRES_URL, pg_schema=name)
    yield found
    found.close_all()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()
