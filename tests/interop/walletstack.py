"""Drive the wallet-side JavaScript (interop/wallet: @openid4vc/openid4vci, Digital Bazaar's
@digitalbazaar/vc) from the Python tests, as an outside process over real HTTP(S).

Skips when node/npm are absent, fails instead when ``VCISSUE_REQUIRE_INTEROP=1`` (CI), as
the interop/js tests do; ``scripts/test`` runs ``npm ci`` here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

WALLET_DIR = Path(__file__).resolve().parents[2] / "interop" / "wallet"
TIMEOUT_S = 120


def require() -> None:
    """Skip (or, under VCISSUE_REQUIRE_INTEROP=1, fail) unless the wallet stack is there."""
    if shutil.which("node") is None or not (WALLET_DIR / "node_modules").exists():
        if os.environ.get("VCISSUE_REQUIRE_INTEROP") == "1":
            pytest.fail("node or interop/wallet/node_modules missing (scripts/test runs npm ci)")
        pytest.skip("node or interop/wallet/node_modules not available")


def run(script: str, *, ca_file: Path | None = None, **options: str) -> dict[str, Any]:
    """``node script --name value ...`` -> the one JSON line it prints."""
    argv = ["node", str(WALLET_DIR / script)]
    for name, value in options.items():
        argv += [f"--{name.replace('_', '-')}", value]
    env = dict(os.environ)
    if ca_file is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(ca_file)  # trust the test's self-signed certificate
    out = subprocess.run(
        argv,
        cwd=WALLET_DIR,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
        check=False,
    )
    assert out.returncode == 0, f"node {script} failed:\n{out.stderr}"
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer
