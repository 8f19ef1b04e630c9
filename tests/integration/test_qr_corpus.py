"""One corpus of QR texts through both decoders, ``vcissue.qr`` and the page's
``payload.js`` (run by node): every valid case decodes to the same object in both, every
hostile or fuzzed case is refused by both (tests/qr_corpus.py lists them)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.page_driver import VERIFIER_WEB, browser_required
from tests.qr_corpus import build_corpus, corpus_json
from vcissue.errors import QrPayloadError
from vcissue.qr import RegisterLink, read_payload


def python_outcome(text: str, packs: Any) -> dict[str, Any]:
    try:
        value = read_payload(text, packs)
    except QrPayloadError as error:
        return {"ok": False, "error": str(error)}
    if isinstance(value, RegisterLink):
        return {"ok": True, "value": {"online": value.url}}
    return {"ok": True, "value": value}


def missing_pack(error: str) -> bool:
    return "which this verifier does not have" in error


def test_python_and_page_decoders_agree_on_every_case(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        if browser_required():
            pytest.fail("node is needed to run the page's decoder")
        pytest.skip("node is not on PATH")
    packs, cases = build_corpus()
    corpus = tmp_path / "corpus.json"
    corpus.write_text(corpus_json(packs, cases), "utf-8")
    done = subprocess.run(
        ["node", "test/corpus.mjs", str(corpus)],
        cwd=VERIFIER_WEB,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page = {outcome["name"]: outcome for outcome in json.loads(done.stdout)}
    disagreements = []
    accepted = refused = 0
    for name, text, compare_value in cases:
        python = python_outcome(text, packs)
        browser = page[name]
        if python["ok"] != browser["ok"]:
            disagreements.append((name, python.get("error"), browser.get("error")))
        elif not python["ok"] and missing_pack(python["error"]) != browser["error"].startswith(
            "MissingPackError"
        ):
            # the page says "cannot read this certificate here" only for a pack it lacks
            disagreements.append((name, python["error"], browser["error"]))
        elif python["ok"] and compare_value and python["value"] != browser["value"]:
            disagreements.append((name, "decoded values differ", ""))
        if name.startswith("valid") and not python["ok"]:
            disagreements.append((name, "a valid case was refused", python["error"]))
        if name.startswith("hostile") and python["ok"]:
            disagreements.append((name, "a hostile case was accepted", ""))
        accepted += python["ok"]
        refused += not python["ok"]
    assert disagreements == []
    assert accepted >= 15 and refused >= 50, (accepted, refused)
