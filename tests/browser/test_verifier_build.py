"""The committed page is honest: a fresh build from verifier_web/ reproduces it byte for
byte, and it is one self-contained file whose Content-Security-Policy admits exactly its
own inline script and style."""

from __future__ import annotations

import base64
import hashlib
import html.parser
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.browser.page_driver import PAGE, VERIFIER_WEB
from vcissue.webapp.bundle import EMPTY_DATA_ELEMENT

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.usefixtures("build_tools")
def test_rebuilding_from_source_reproduces_the_committed_page(tmp_path: Path) -> None:
    out = tmp_path / "verifier.html"
    done = subprocess.run(
        ["node", "build.mjs", "--out", str(out)],
        cwd=VERIFIER_WEB,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == PAGE.read_bytes(), "run: cd verifier_web && node build.mjs"


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[int, str] = {}  # tag index -> the text directly inside it
        self._inside: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._inside = len(self.tags) - 1

    def handle_endtag(self, tag: str) -> None:
        self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside is not None:
            self.text[self._inside] = self.text.get(self._inside, "") + data


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_page_is_one_self_contained_file_with_a_strict_policy() -> None:
    source = PAGE.read_text("utf-8")
    page = _Page()
    page.feed(source)
    # Nothing loads from anywhere: no src, no href, no stylesheet link.
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert "href" not in attrs, tag
        # The one <img> is the body's logo: empty here, a data: URI from the bundle.
        assert tag not in ("link", "iframe", "object", "embed"), tag
        assert tag != "img" or attrs.get("id") == "body-logo", attrs
    scripts = [(i, a) for i, (tag, a) in enumerate(page.tags) if tag == "script"]
    app = [page.text[i] for i, attrs in scripts if "type" not in attrs]
    assert len(app) == 1
    style = [page.text[i] for i, (tag, _) in enumerate(page.tags) if tag == "style"]
    assert len(style) == 1
    policy = next(
        attrs["content"]
        for tag, attrs in page.tags
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy is not None
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == _csp_hash(app[0])
    assert directives["style-src"] == _csp_hash(style[0])
    assert directives["connect-src"] == "https:"  # live status lists only
    assert source.count(EMPTY_DATA_ELEMENT) == 1
    # The bundled JSON-LD contexts are vcissue's own copies, byte for byte in meaning.
    index = json.loads((ROOT / "src" / "vcissue" / "contexts" / "index.json").read_text())
    for url in index:
        assert json.dumps(url) in app[0]
    # The licences of the bundled packages travel with them.
    licences = page.text[next(i for i, a in scripts if a.get("id") == "third-party-licenses")]
    for package in ("jsonld", "rdf-canonize", "@noble/ed25519", "jsqr", "canonicalize"):
        assert re.search(rf"^{re.escape(package)} \d+\.\d+\.\d+ \(", licences, re.M), package
