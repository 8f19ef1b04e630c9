"""The pure core does no I/O of its own: adapters alone touch storage, network and processes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "vcissue"
CORE = [
    "model",
    "credential",
    "jsonld",
    "keys",
    "dids",
    "verify",
    "errors",
    "proofs",
    "status",
    "qr",
    "batch",
]
FORBIDDEN = {
    "sqlite3",
    "psycopg",
    "fastapi",
    "uvicorn",
    "starlette",
    "httpx",
    "requests",
    "socket",
    "urllib.request",
    "http.client",
    "subprocess",
    "tempfile",
    "shutil",
}
ADAPTERS = {
    "vcissue.keystore",
    "vcissue.cli",
    "vcissue.store",
    "vcissue.service",
    "vcissue.issuer",
    "vcissue.status_sources",
    "vcissue.settings",
    "vcissue.render",
    "vcissue.webapp",
}


def _core_files() -> list[Path]:
    files = []
    for name in CORE:
        module, package = SRC / f"{name}.py", SRC / name
        files += [module] if module.exists() else sorted(package.glob("*.py"))
    return files


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            prefix = "vcissue." if node.level else ""
            found.add(prefix + node.module.lstrip("."))
    return found


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: p.stem)
def test_core_module_imports_no_adapter(path: Path) -> None:
    for imported in _imports(path):
        top = imported.split(".")[0]
        assert imported not in FORBIDDEN and top not in FORBIDDEN, f"{path.name} imports {imported}"
        assert not any(
            imported == a or imported.startswith(a + ".") or imported == a.split(".")[1]
            for a in ADAPTERS
        ), f"{path.name} imports adapter {imported}"


def test_pyld_lives_in_jsonld_alone() -> None:
    users = [p.name for p in SRC.rglob("*.py") if any(i.startswith("pyld") for i in _imports(p))]
    assert users == ["jsonld.py"]
