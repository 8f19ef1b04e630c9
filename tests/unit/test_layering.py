"""The layers of docs/architecture.md hold: the pure core does no I/O, reads no clock and
draws no randomness of its own; faces never import the store; the CLI starts without the
optional extras; pyld lives in jsonld.py alone; there are no import cycles.

Imports are resolved as Python resolves them (``from . import x``, ``from ..store import y``);
imports under ``if TYPE_CHECKING:`` are annotations, not dependencies.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "vcissue"

CORE = [
    "vcissue.model",
    "vcissue.credential",
    "vcissue.jsonld",
    "vcissue.rdfc",
    "vcissue.expansion",
    "vcissue.proofs",
    "vcissue.keys",
    "vcissue.dids",
    "vcissue.status",
    "vcissue.verify",
    "vcissue.qr",
    "vcissue.qrpack",
    "vcissue.brand",
    "vcissue.i18n",
    "vcissue.strictjson",
    "vcissue.errors",
    "vcissue.ports",
    "vcissue.batch",
    "vcissue.bulk",
    "vcissue.imports",
    "vcissue.csvrows",
    "vcissue.jose",
    "vcissue.holder",
]
ADAPTERS = [
    "vcissue.store",
    "vcissue.keystore",
    "vcissue.status_sources",
    "vcissue.settings",
    "vcissue.files",
    "vcissue.system",
    "vcissue.wiring",
]
APPLICATION = ["vcissue.issuer", "vcissue.governance", "vcissue.wallet", "vcissue.notify"]
FACES = ["vcissue.cli", "vcissue.service", "vcissue.render", "vcissue.webapp"]
# What the core must not touch: storage, network, processes, the web framework.
IO_MODULES = {
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
    "random",
    "secrets",
    "time",
}
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "urandom"}
FILE_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "unlink", "mkdir"}
# Core modules whose job includes reading packaged data or the one file asked for.
LOADS_FILES = {
    "vcissue.model.loading": "reads the qualification file it is given, and the packaged schema",
    "vcissue.jsonld": "reads the bundled contexts from the package",
    "vcissue.credential": "reads the packaged OB 3.0 JSON Schema",
    "vcissue.i18n": "reads its packaged translation catalogues",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node not inside an ``if TYPE_CHECKING:`` block."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    return [node for node in ast.walk(tree) if id(node) not in skipped]


def imports(path: Path) -> set[str]:
    """Fully qualified names this module imports at run time, relative imports resolved."""
    name = module_name(path)
    package = name if is_package(path) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                anchor = ".".join(base + ([node.module] if node.module else []))
            else:
                anchor = node.module or ""
            found.add(anchor)
            # `from . import x` / `from .pkg import module`: x may itself be a module
            for alias in node.names:
                candidate = f"{anchor}.{alias.name}"
                if module_path(candidate) is not None:
                    found.add(candidate)
    return found


def module_path(name: str) -> Path | None:
    relative = Path(*name.split("."))
    for candidate in (SRC / relative.with_suffix(".py"), SRC / relative / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def modules_under(prefixes: list[str]) -> list[Path]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            found.append(path)
    return found


def within(name: str, prefixes: list[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_resolver_sees_relative_imports() -> None:
    found = imports(PACKAGE / "cli" / "demo.py")
    assert "vcissue.wiring" in found and "vcissue.cli.common" in found
    assert "vcissue.store.records" in imports(PACKAGE / "issuer" / "core.py")


@pytest.mark.parametrize("path", modules_under(CORE), ids=module_name)
def test_core_imports_no_adapter_application_or_face(path: Path) -> None:
    for imported in imports(path):
        top = imported.split(".")[0]
        assert imported not in IO_MODULES and top not in IO_MODULES, f"imports {imported}"
        assert not within(imported, ADAPTERS + APPLICATION + FACES), f"imports {imported}"


@pytest.mark.parametrize("path", modules_under(CORE), ids=module_name)
def test_core_reads_no_clock_no_randomness_and_no_files(path: Path) -> None:
    name = module_name(path)
    for node in runtime_nodes(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        called = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        assert called not in CLOCK_CALLS, f"{name} calls {called}() (take time as an argument)"
        if called in FILE_CALLS:
            assert name in LOADS_FILES, f"{name} calls {called}() (files are adapters' work)"


@pytest.mark.parametrize("path", modules_under(FACES), ids=module_name)
def test_faces_never_import_the_store(path: Path) -> None:
    for imported in imports(path):
        assert not within(imported, ["vcissue.store"]), f"{module_name(path)} imports {imported}"


def test_no_import_cycles_between_packages() -> None:
    """Between the top-level modules/packages of vcissue, the import graph is acyclic."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        source = ".".join(module_name(path).split(".")[:2])
        for imported in imports(path):
            if imported.startswith("vcissue.") and imported.count(".") >= 1:
                target = ".".join(imported.split(".")[:2])
                if target != source:
                    graph.setdefault(source, set()).add(target)
    # errors.py names VerificationResult for an annotation only (TYPE_CHECKING)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*trail, nxt])
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_pyld_lives_in_jsonld_alone() -> None:
    users = [p.name for p in PACKAGE.rglob("*.py") if any(i.startswith("pyld") for i in imports(p))]
    assert users == ["jsonld.py"]


def test_the_cli_and_the_service_package_import_without_the_extras() -> None:
    probe = (
        "import sys\n"
        "for name in ('fastapi', 'uvicorn', 'starlette', 'pydantic', 'psycopg'):\n"
        "    sys.modules[name] = None\n"
        "import vcissue.cli, vcissue.service, vcissue.governance.principals\n"
        "vcissue.cli.parser()\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)


def test_building_the_cli_parser_does_not_import_the_pdf_renderer() -> None:
    """Every command builds the whole parser; fpdf is imported by the commands that print
    (it was a quarter of `vcissue report`'s start). The font variable the help names is
    the renderer's."""
    probe = (
        "import sys\n"
        "import vcissue.cli\n"
        "vcissue.cli.parser()\n"
        "assert 'fpdf' not in sys.modules, 'the parser imported fpdf'\n"
        "from vcissue.cli import render\n"
        "from vcissue.render import FONT_DIR_ENV\n"
        "assert render.FONT_DIR_ENV == FONT_DIR_ENV\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)
