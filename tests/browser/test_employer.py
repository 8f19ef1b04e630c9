"""As an employer would, with a printed EcoMentor certificate and a phone.

The demo deployment (``vcissue demo``: the body's keys, store, status lists, brand and the
certificates it issued, each with a revocation and a suspension entry) is served by
``vcissue``'s service on 127.0.0.1. Its certificate is rendered to PDF by the CLI,
rasterised at 300 dpi (pdftoppm), and its QR code decoded with zxing-cpp: what a phone
camera reads. That URL is opened in real headless Chromium (``verifier_web/test/phone.mjs``,
a phone-sized window, every host but 127.0.0.1 unresolvable): first with the service up,
where the page installs its service worker; then with the service stopped and the browser
offline, where the page still opens from the worker and verifies on the device. The same
in Croatian (the browser's language). A standalone bundle whose status snapshot is 40 days
old says STATUS UNKNOWN with "connect to refresh"; one without the scheme pack names the
pack it lacks; a pasted credential JSON is verified too. Every step is screenshotted to
``test-artifacts/employer/<language>/``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import segno
import uvicorn
import zxingcpp
from PIL import Image

from tests.browser.page_driver import CHROMIUM, ROOT, VERIFIER_WEB
from vcissue.cli.common import DEMO_PASSPHRASE
from vcissue.qr import make_qr
from vcissue.service import create_app
from vcissue.settings import load_settings

ARTEFACTS = ROOT / "test-artifacts" / "employer"
DPI = 300
# QR alphanumeric characters, the "#" (a byte) and Base43: what a printed link may hold
ALPHANUMERIC_LINK = re.compile(r"[0-9A-Z $%*+./:-]+#VC2:[0-9A-Z$*+./:-]+")
MESSAGES = {
    "en": {"VALID": "VALID", "REVOKED": "REVOKED", "FORGED": "FORGED",
           "STATUS_UNKNOWN": "STATUS UNKNOWN", "refresh": "Connect to refresh",
           "instructions": "scan the QR code with a phone camera"},
    "hr": {"VALID": "VAŽEĆE", "REVOKED": "OPOZVANO", "FORGED": "KRIVOTVORENO",
           "STATUS_UNKNOWN": "STATUS NEPOZNAT", "refresh": "Spojite se na mrežu za osvježavanje",
           "instructions": "skenirajte QR kôd kamerom telefona"},
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cli(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "vcissue.cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def deployment(browser_stack: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("employer") / "demo"
    _cli("demo", "--dir", str(directory), cwd=directory.parent)
    return directory


@contextmanager
def serving(deployment: Path, port: int) -> Iterator[str]:
    """``vcissue``'s service over the demo deployment, until the block ends."""
    settings = load_settings(deployment / "vcissue.toml", env={})
    app = create_app(settings, passphrase=DEMO_PASSPHRASE)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def printed_qr(deployment: Path, credential: str, url: str, language: str, out: Path) -> dict:
    """Render the certificate to PDF, rasterise it, read its QR code as a phone would."""
    pdf = out / f"{credential}-{language}.pdf"
    _cli("render", f"credentials/{credential}.json", "-o", str(pdf), "--config", "vcissue.toml",
         "--verifier-url", url, "--lang", language, cwd=deployment)  # fmt: skip
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(pdf),
                    str(pdf.with_suffix(""))], check=True, timeout=120)  # fmt: skip
    with Image.open(pdf.with_suffix(".png")) as page:
        barcodes = [b for b in zxingcpp.read_barcodes(page.convert("L"))
                    if b.format == zxingcpp.BarcodeFormat.QRCode and b.valid]  # fmt: skip
    [barcode] = barcodes
    version = int(barcode.extra["Version"])
    modules = 17 + 4 * version
    width_px = barcode.position.top_right.x - barcode.position.top_left.x + 1
    printed_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True, timeout=120).stdout  # fmt: skip
    return {
        "text": barcode.text,
        "version": version,
        "level": barcode.ec_level,
        "module_mm": width_px / modules * 25.4 / DPI,
        "pdf": pdf,
        "printed_text": " ".join(printed_text.split()),
    }


def assert_alphanumeric_link(qr: dict[str, Any], printed_url: str) -> None:
    """The QR text is the upper-case link and the symbol packs it as alphanumeric segments:
    the version read equals the smallest one make_qr finds with URL and payload in
    alphanumeric mode (in byte mode the same text needs a larger symbol)."""
    text = qr["text"]
    assert text.startswith(printed_url + "#VC2:"), text[:60]
    assert ALPHANUMERIC_LINK.fullmatch(text), text[:60]
    assert qr["version"] == make_qr(text).version, (qr["version"], make_qr(text).version)
    assert make_qr(text).version < segno.make_qr(text, error="M", mode="byte").version


def phone(job: dict[str, Any], work: Path) -> dict[str, Any]:
    job = {"chromium": str(CHROMIUM), **job}
    job_file = work / f"phone-{time.monotonic_ns()}.json"
    job_file.write_text(json.dumps(job), "utf-8")
    done = subprocess.run(
        ["node", "test/phone.mjs", str(job_file)],
        cwd=VERIFIER_WEB, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["errors"] == [], result["errors"]
    return result


def steps_by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in result["steps"]}


@pytest.mark.parametrize("language", ["en", "hr"])
def test_printed_certificate_opens_the_verifier_and_verifies_offline(
    deployment: Path, tmp_path: Path, language: str
) -> None:
    words = MESSAGES[language]
    shots = ARTEFACTS / language
    port = free_port()
    url = f"http://127.0.0.1:{port}/V"
    printed = {name: printed_qr(deployment, name, url, language, tmp_path)
               for name in ("marko", "lea", "marko-tampered")}  # fmt: skip
    for name, qr in printed.items():
        assert_alphanumeric_link(qr, f"HTTP://127.0.0.1:{port}/V")
        # the certificate prints where to verify and how (one line of instructions)
        assert url in qr["printed_text"], qr["printed_text"]
        assert words["instructions"] in qr["printed_text"], qr["printed_text"]
        assert qr["version"] <= 24, (name, qr["version"])
        assert qr["level"] in ("M", "Q", "H"), qr["level"]
        assert 0.5 <= qr["module_mm"] <= 0.85, qr["module_mm"]
    print({name: (len(qr["text"]), qr["version"], round(qr["module_mm"], 2))
           for name, qr in printed.items()})  # fmt: skip
    profile = tmp_path / "profile"  # a fresh --user-data-dir, kept across both visits
    with serving(deployment, port):
        first = phone({"userDataDir": str(profile), "locale": language,
                       "screenshotDir": str(shots / "online"), "steps": [
            {"name": "valid", "action": "open", "url": printed["marko"]["text"]},
            {"name": "worker", "action": "worker"},
            {"name": "installable", "action": "installable"},
            {"name": "revoked", "action": "open", "url": printed["lea"]["text"]},
            {"name": "paste-json", "action": "paste",
             "text": (deployment / "credentials" / "ivan-unit.json").read_text("utf-8")},
        ]}, tmp_path)  # fmt: skip
    online = steps_by_name(first)
    assert online["valid"]["verdict"] == "VALID", online["valid"]["text"]
    assert online["valid"]["label"].strip().endswith(words["VALID"])
    assert online["valid"]["lang"] == language
    assert "EcoMentor Certification Body" in online["valid"]["header"]
    assert online["valid"]["logo"]
    assert online["worker"]["cached"]
    installable = online["installable"]  # Chromium's own verdict on installing the app
    assert installable["manifestUrl"] == f"http://127.0.0.1:{port}/verifier.webmanifest"
    assert installable["manifestErrors"] == [], installable["manifestErrors"]
    assert installable["installabilityErrors"] == [], installable["installabilityErrors"]
    assert online["revoked"]["verdict"] == "REVOKED"
    assert online["paste-json"]["verdict"] == "VALID"
    assert "Ivan Jurić" in online["paste-json"]["details"]

    # The service is gone and the phone is offline: the page opens from its worker.
    second = phone({"userDataDir": str(profile), "locale": language,
                    "screenshotDir": str(shots / "offline"), "steps": [
        {"name": "go-offline", "action": "offline"},
        {"name": "valid", "action": "open", "url": printed["marko"]["text"]},
        {"name": "revoked", "action": "open", "url": printed["lea"]["text"]},
        {"name": "forged", "action": "open", "url": printed["marko-tampered"]["text"]},
    ]}, tmp_path)  # fmt: skip
    offline = steps_by_name(second)
    for name, verdict in (("valid", "VALID"), ("revoked", "REVOKED"), ("forged", "FORGED")):
        assert offline[name]["verdict"] == verdict, offline[name]["text"]
        assert offline[name]["label"].strip().endswith(words[verdict])
        assert offline[name]["controlled"], "the page did not come from the service worker"
        assert not offline[name]["online"]


@pytest.mark.parametrize("language", ["en", "hr"])
def test_stale_snapshot_says_status_unknown_and_a_missing_pack_is_named(
    deployment: Path, tmp_path: Path, language: str
) -> None:
    words = MESSAGES[language]
    taken = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    old = tmp_path / "old.html"
    _cli("verifier-bundle", "--trust", "trust.json", "--status-dir", "public/status-lists",
         "--config", "vcissue.toml", "--snapshot-time", taken, "-o", str(old),
         cwd=deployment)  # fmt: skip
    bare = tmp_path / "bare.html"
    _cli("verifier-bundle", "--trust", "trust.json", "--status-dir", "public/status-lists",
         "-o", str(bare), cwd=deployment)  # fmt: skip
    qr = printed_qr(deployment, "marko", "https://certification.example/V", language, tmp_path)
    assert_alphanumeric_link(qr, "HTTPS://CERTIFICATION.EXAMPLE/V")
    fragment = qr["text"].split("#", 1)[1]
    escaped = "VC2%3A" + fragment[4:]  # as a scanner app that escapes ":" would hand it on
    marko = (deployment / "credentials" / "marko.json").read_text("utf-8")
    result = phone({"userDataDir": str(tmp_path / "profile"), "locale": language,
                    "screenshotDir": str(ARTEFACTS / language / "standalone"), "steps": [
        {"name": "stale-snapshot", "action": "open", "url": f"{old.as_uri()}#{fragment}"},
        {"name": "paste-json-stale", "action": "paste", "text": marko},
        {"name": "escaped-fragment", "action": "open", "url": f"{old.as_uri()}#{escaped}"},
        {"name": "lower-case-fragment", "action": "open",
         "url": f"{old.as_uri()}#{fragment.lower()}"},
        {"name": "missing-pack", "action": "open", "url": f"{bare.as_uri()}#{fragment}"},
        {"name": "paste-json-fresh", "action": "paste", "text": marko},
    ]}, tmp_path)  # fmt: skip
    steps = steps_by_name(result)
    stale = steps["stale-snapshot"]
    assert stale["verdict"] == "STATUS_UNKNOWN", stale["text"]
    assert stale["label"].strip().endswith(words["STATUS_UNKNOWN"])
    assert words["refresh"] in stale["text"]
    # a pasted credential JSON is held to the same stale snapshot, not shown VALID
    assert steps["paste-json-stale"]["verdict"] == "STATUS_UNKNOWN", steps["paste-json-stale"]
    assert words["refresh"] in steps["paste-json-stale"]["text"]
    # the escaped fragment is read (and judged as the plain one); a lower-cased one is refused
    assert steps["escaped-fragment"]["verdict"] == "STATUS_UNKNOWN", steps["escaped-fragment"]
    assert steps["lower-case-fragment"]["verdict"] == "NOT_VCISSUE_QR"
    missing = steps["missing-pack"]
    assert missing["verdict"] == "MISSING_PACK", missing["text"]
    pack_id = next((deployment / "qr-packs").glob("*.json")).stem.rsplit("-", 1)[1]
    assert pack_id in missing["text"]
    # the bare page has a fresh snapshot: the pasted JSON (no pack needed) is VALID there
    assert steps["paste-json-fresh"]["verdict"] == "VALID"
    if os.environ.get("VCISSUE_SHOW_SIZES"):
        print(qr)
