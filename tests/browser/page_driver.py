"""Run the verifier page in real headless Chromium from the Python tests and benchmark.

``verifier_web/test/driver.mjs`` drives Debian's ``/usr/bin/chromium`` with playwright-core
(installed by ``npm ci`` in ``verifier_web/``; no browser is downloaded). This module
writes its job file, runs it and returns the parsed results; it also makes the inputs a
camera or a scanner would see: QR pictures (PNG) and camera footage (YUV4MPEG2).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import segno

from vcissue.qr import make_qr

ROOT = Path(__file__).resolve().parents[2]
VERIFIER_WEB = ROOT / "verifier_web"
DRIVER = VERIFIER_WEB / "test" / "driver.mjs"
PAGE = ROOT / "src" / "vcissue" / "webapp" / "verifier.html"
CHROMIUM = Path(os.environ.get("VCISSUE_CHROMIUM", "/usr/bin/chromium"))
JOB_TIMEOUT_S = 300
NPM_CI_TIMEOUT_S = 600


class BrowserStackError(RuntimeError):
    """The browser, node or the driver failed (stderr is in the message)."""


def browser_required() -> bool:
    """On CI (or when asked) a missing browser fails the tests instead of skipping them."""
    return os.environ.get("VCISSUE_REQUIRE_BROWSER") == "1" or bool(os.environ.get("CI"))


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if shutil.which("node") is None:
        return "node is not on PATH"
    installed = (VERIFIER_WEB / "node_modules" / ".package-lock.json").is_file()
    if not installed and shutil.which("npm") is None:
        return "verifier_web/node_modules is missing and npm is not on PATH"
    return None


def _installed() -> bool:
    lock = VERIFIER_WEB / "node_modules" / ".package-lock.json"
    if not lock.is_file():
        return False
    wanted = json.loads((VERIFIER_WEB / "package-lock.json").read_text("utf-8"))["packages"]
    found = json.loads(lock.read_text("utf-8"))["packages"]
    return all(
        found.get(name, {}).get("version") == entry.get("version")
        for name, entry in wanted.items()
        if name
    )


def ensure_installed() -> None:
    """``npm ci`` in verifier_web/ unless node_modules already matches the lock file."""
    if _installed():
        return
    with (Path(tempfile.gettempdir()) / "vcissue-verifier-web-npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed():
            return
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=VERIFIER_WEB,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise BrowserStackError(f"npm ci in verifier_web failed:\n{done.stderr}")


def run_job(job: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one driver job (see driver.mjs); returns {browser, requests, steps}."""
    job = {"chromium": str(CHROMIUM), **job}
    workdir.mkdir(parents=True, exist_ok=True)
    job_file = workdir / "job.json"
    job_file.write_text(json.dumps(job), "utf-8")
    done = subprocess.run(
        ["node", str(DRIVER), str(job_file)],
        cwd=VERIFIER_WEB,
        capture_output=True,
        text=True,
        timeout=JOB_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise BrowserStackError(f"driver failed ({done.returncode}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def qr_symbol(payload: str) -> segno.QRCode:
    """The QR symbol a printed certificate carries (``vcissue.qr.make_qr``)."""
    return make_qr(payload)


def write_qr_png(payload: str, path: Path, *, scale: int = 4) -> Path:
    qr_symbol(payload).save(str(path), kind="png", scale=scale, border=4)
    return path


def write_qr_y4m(
    payload: str, path: Path, *, width: int = 1280, height: int = 720, frames: int = 2
) -> Path:
    """Camera footage of the QR code: YUV4MPEG2 header, then FRAMEs of planar I420.

    The code sits centred on a light background, as large as whole pixels per module
    allow; Chromium's fake camera plays the file in a loop.
    """
    matrix = [list(row) for row in qr_symbol(payload).matrix]
    border = 4
    modules = len(matrix) + 2 * border
    scale = min(width, height) // modules
    if scale < 2:
        raise ValueError(f"a {modules}-module code does not fit {width}x{height}")
    luma = bytearray([235]) * (width * height)  # video-range white
    left = (width - modules * scale) // 2 + border * scale
    top = (height - modules * scale) // 2 + border * scale
    dark_row = bytes([16]) * scale  # video-range black
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for line in range(scale):
                    start = (top + y * scale + line) * width + left + x * scale
                    luma[start : start + scale] = dark_row
    chroma = bytes([128]) * ((width // 2) * (height // 2))  # no colour
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode("ascii")
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(header + frame * frames)
    return path


MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal-size text


def run_checked(
    name: str,
    page: Path,
    steps: list[dict[str, Any]],
    artefacts: Path,
    workdir: Path,
    *,
    failed_loads_expected: bool = False,
    **job: Any,
) -> dict[str, Any]:
    """``run_job`` on one page, screenshots to ``artefacts/name``, and the checks every
    step must pass: no console error (a CSP violation would be one), no dialog, a
    screenshot, and readable verdict colours. Chromium logs every failed fetch as a
    console error; ``failed_loads_expected`` lets those (and only those) through."""
    job = {"samePage": True, **job}
    result = run_job(
        {"page": str(page), "steps": steps, "screenshotDir": str(artefacts / name), **job},
        workdir,
    )
    for step in result["steps"]:
        errors = [
            error
            for error in step["consoleErrors"]
            if not (failed_loads_expected and error.startswith("Failed to load resource: "))
        ]
        assert errors == [], (step["name"], errors)
        assert step["dialogs"] == [], (step["name"], step["dialogs"])
        assert Path(step["screenshot"]).stat().st_size > 0
        if step.get("verdict"):
            assert step["contrast"] >= MIN_CONTRAST, (step["name"], step["contrast"])
    return result


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in result["steps"]}
