"""``GET /V``: the verifier page a printed certificate's QR code opens, with a fresh bundle
(the body's DID, its signed status lists taken now, the scheme packs, its brand) and the
service worker, manifest and icon that make it work offline after a first visit."""

from __future__ import annotations

import base64
import io
import json
import re

from tests.service.conftest import Service, http


def bundle_of(html: str) -> dict:  # type: ignore[type-arg]
    match = re.search(r'id="vcissue-verifier-data">(.*?)</script>', html, re.DOTALL)
    assert match is not None
    data: dict = json.loads(match.group(1))  # type: ignore[type-arg]
    return data


def test_verifier_page_carries_packs_lists_and_its_worker(service: Service) -> None:
    issued = service.call(
        "POST", "/credentials/issue", {"qualification": "ecomentor", "holder": {"name": "Ana"}},
        key="issuer",
    )  # fmt: skip
    assert issued.status in (200, 201), issued.body
    page = http("GET", f"{service.base}/V")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    html = page.body.decode("utf-8")
    assert '<link rel="manifest" href="/verifier.webmanifest">' in html
    data = bundle_of(html)
    assert data["serviceWorker"] == {"script": "/verifier-sw.js", "scope": "/V"}
    assert data["maxSnapshotAgeDays"] == 30
    assert [issuer["id"] for issuer in data["trustList"]["issuers"]] == ["did:web:certs.example"]
    assert data["brand"]["name"] == "EcoMentor Certification Body"
    assert [pack["name"] for pack in data["schemePacks"]] == ["ecomentor 1.0"]
    assert {document["credentialSubject"]["statusPurpose"] for document in data["statusLists"]} \
        == {"revocation", "suspension"}  # fmt: skip

    worker = http("GET", f"{service.base}/verifier-sw.js")
    assert worker.status == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert b"caches.open" in worker.body
    manifest = http("GET", f"{service.base}/verifier.webmanifest").json()
    assert manifest["start_url"] == manifest["scope"] == "/V"
    assert [entry["sizes"] for entry in manifest["icons"]] == ["192x192", "512x512"]
    for entry in manifest["icons"]:  # data URIs: the page's CSP allows images from data: only
        header, encoded = entry["src"].split(",", 1)
        assert header == "data:image/png;base64" and entry["type"] == "image/png"
        from PIL import Image

        with Image.open(io.BytesIO(base64.b64decode(encoded))) as png:
            assert f"{png.width}x{png.height}" == entry["sizes"]
