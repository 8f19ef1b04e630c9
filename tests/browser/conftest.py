"""Browser tests: skipped only when Chromium (or node) is absent and this is not CI.

With ``VCISSUE_REQUIRE_BROWSER=1`` (``.ci/run`` sets it) or ``CI`` set, a missing browser
fails instead. Screenshots of every verdict go to ``artifacts/verifier/`` (git-ignored).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.page_driver import ROOT, browser_required, ensure_installed, missing_tools
from tests.browser.scenarios import World, bundle_with_cli

ARTEFACTS = ROOT / "artifacts" / "verifier"


@pytest.fixture(scope="session")
def browser_stack() -> None:
    reason = missing_tools()
    if reason is not None:
        if browser_required():
            pytest.fail(f"the browser tests must run here but cannot: {reason}")
        pytest.skip(reason)
    ensure_installed()


@pytest.fixture(scope="session")
def build_tools() -> None:
    """node and verifier_web/node_modules (esbuild), for rebuilding the page."""
    if shutil.which("node") is None:
        if browser_required():
            pytest.fail("node is needed to rebuild the verifier page")
        pytest.skip("node is not on PATH")
    ensure_installed()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    print(f"verifier screenshots: {ARTEFACTS}")
    return ARTEFACTS


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.fixture(scope="module")
def page(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page ``vcissue verifier-bundle`` wrote for ``world``."""
    return bundle_with_cli(world, tmp_path_factory.mktemp("bundle"))
