"""Every file the package needs at run time is in the wheel: each non-Python file under
``src/vcissue`` matches a ``[tool.setuptools.package-data]`` pattern. (The demo's brand
images were once left out, and only the wheel install in ``.ci/run`` noticed.)"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "vcissue"


def test_every_data_file_is_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["vcissue"]
    data_files = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    ]
    assert data_files, "no data files found: the test would prove nothing"
    missing = [f for f in data_files if not any(fnmatchcase(f, p) for p in patterns)]
    assert missing == [], f"not in package-data, so not in the wheel: {missing}"
