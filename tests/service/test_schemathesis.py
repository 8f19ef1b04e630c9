"""Schemathesis against the live service's /openapi.json, on SQLite and PostgreSQL.

Every operation is called with the key of a role allowed to use it, with generated valid
and invalid inputs, and in the stateful phase along the documented links (issue, then
look up, suspend, ask the register): no 5xx, every status code, content
type and body as the OpenAPI document says (error bodies: the Problem schema). A planted
500 and a planted schema violation show the checks can fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tests.integration.conftest import Backend
from tests.service.conftest import Service, running_service

SCHEMATHESIS = shutil.which("st", path=str(Path(sys.executable).parent))
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
MAX_EXAMPLES = 50  # per operation: bounded, so the suite stays fast

# Each operation is called with the key of a role allowed to use it; public ones with none.
KEYS_BY_OPERATION = {
    "issueCredential": "issuer",
    "updateCredentialStatus": "operator",
    "getCredential": "auditor",
    "getAuditLog": "auditor",
}


def config_file(service: Service, directory: Path) -> Path:
    """A schemathesis.toml giving each operation its role's key."""
    blocks = [
        f'[[operations]]\ninclude-operation-id = "{operation}"\n'
        f'headers = {{ Authorization = "Bearer {service.keys[role]}" }}\n'
        for operation, role in KEYS_BY_OPERATION.items()
    ]
    path = directory / "schemathesis.toml"
    path.write_text("\n".join(blocks))
    return path


def schemathesis(service: Service, cwd: Path, *, paths: str = ".*") -> tuple[int, str]:
    assert SCHEMATHESIS, "schemathesis is in the dev extra"
    out = subprocess.run(
        [
            SCHEMATHESIS,
            "--config-file",
            str(config_file(service, cwd)),
            "run",
            f"{service.base}/openapi.json",
            "--checks",
            CHECKS,
            "--include-path-regex",
            paths,
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "1",
            "--no-color",
            "--phases",
            "examples,coverage,fuzzing,stateful",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=cwd,
    )
    output = out.stdout + out.stderr
    (cwd / "schemathesis.txt").write_text(output)  # kept in pytest's tmp dir for reading
    return out.returncode, output


def generated(output: str) -> int:
    counts = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counts and counts[1] == counts[2], output[-3000:]
    return int(counts[1])


def test_no_server_error_and_no_schema_violation(service: Service, tmp_path: Path) -> None:
    code, output = schemathesis(service, tmp_path)
    assert code == 0, output[-6000:]
    assert generated(output) >= 500, output[-3000:]


def _planted(app: FastAPI) -> None:
    @app.get("/planted/crash/{n}", responses={"404": {"description": "never"}})
    def crash(n: int) -> dict[str, int]:
        if n > 1000:
            raise RuntimeError("a bug")
        return {"n": n}

    @app.get(
        "/planted/shape",
        response_class=JSONResponse,
        responses={
            200: {
                "content": {
                    "application/json": {"schema": {"type": "object", "required": ["promised"]}}
                }
            }
        },
    )
    def shape() -> JSONResponse:
        return JSONResponse({"delivered": True})


@pytest.mark.parametrize(
    ("path", "failure"),
    [
        ("^/planted/crash", "Server error"),
        ("^/planted/shape", "Response violates schema"),
    ],
)
def test_the_run_fails_on_a_planted_bug(tmp_path: Path, path: str, failure: str) -> None:
    backend = Backend("sqlite", f"sqlite:///{tmp_path / 'store.db'}", path=tmp_path / "store.db")
    try:
        with running_service(backend, tmp_path, extend=_planted) as service:
            code, output = schemathesis(service, tmp_path, paths=path)
    finally:
        backend.close_all()
    assert code != 0 and failure in output, output[-3000:]
