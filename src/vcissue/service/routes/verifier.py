"""The verifier page a printed certificate's QR code opens: ``GET /V`` (the path of
``[verifier] url``), its service worker, web app manifest and icon.

The QR code holds ``HTTPS://HOST/V#VC2:...``: the phone's camera opens this page, and the
page verifies the fragment (never sent here) on the device. Each request gets the page
with a fresh bundle: the body's own DID as the trust list, its signed status lists as the
snapshot (taken now), every scheme pack, and its brand. The service worker keeps the last
copy so the page works with no network after a first visit (the page itself says STATUS
UNKNOWN once that copy's snapshot is older than ``[verifier] max_snapshot_age_days``).
"""

from __future__ import annotations

import base64
import io
import json
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ...errors import VcissueError
from ...qrpack import PackSet
from ...webapp.bundle import (
    bundle_data,
    embed,
    latest_snapshots,
    verifier_page,
    worker_script,
)
from . import Desk

__all__ = ["MANIFEST_PATH", "WORKER_PATH", "router", "verifier_path"]

WORKER_PATH = "/verifier-sw.js"
MANIFEST_PATH = "/verifier.webmanifest"
ICON_SIZES = (192, 512)
DEFAULT_PATH = "/V"
NO_STORE = {"Cache-Control": "no-cache"}

router = APIRouter(tags=["verifier"])


def verifier_path(url: str | None) -> str:
    """The path the printed verifier URL names (``/V`` by default)."""
    return (urlsplit(url).path or DEFAULT_PATH) if url else DEFAULT_PATH


def _snapshots(request: Request, issuer: Any) -> list[dict[str, Any]]:
    """The body's published lists that pass the bundle's checks now (others are left out:
    the page then says STATUS UNKNOWN for the certificates on them)."""
    usable = []
    for record in issuer.status_lists():
        if record.published_json is None:
            continue
        document = json.loads(record.published_json)
        try:
            latest_snapshots([document], request.app.state.trust, snapshot_time=issuer.now())
        except VcissueError:
            continue
        usable.append(document)
    return usable


def page(request: Request, issuer: Desk) -> HTMLResponse:
    state = request.app.state
    packs: PackSet = state.packs
    data = bundle_data(
        state.trust,
        _snapshots(request, issuer),
        snapshot_time=issuer.now(),
        packs=packs,
        brand=state.brand,
        max_snapshot_age_days=state.settings.max_snapshot_age_days,
        service_worker={"script": WORKER_PATH, "scope": state.verifier_path},
    )
    referrer = '<meta name="referrer" content="no-referrer">'
    manifest = f'<link rel="manifest" href="{MANIFEST_PATH}">'
    html = embed(verifier_page(), data).replace(referrer, f"{referrer}\n{manifest}", 1)
    return HTMLResponse(html, headers=NO_STORE)


@router.get(WORKER_PATH, include_in_schema=False)
def worker() -> Response:
    return Response(worker_script(), media_type="text/javascript", headers=NO_STORE)


@router.get(MANIFEST_PATH, include_in_schema=False)
def manifest(request: Request) -> Response:
    state = request.app.state
    name = state.brand.name or state.trust_name
    document = {
        "name": f"{name}: certificate verifier",
        "short_name": "Verifier",
        "start_url": state.verifier_path,
        "scope": state.verifier_path,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": state.brand.colour,
        "icons": [
            {
                "src": _png_icon(state.brand.rgb(), size),
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in ICON_SIZES
        ],
    }
    return Response(json.dumps(document), media_type="application/manifest+json")


@lru_cache(maxsize=8)
def _png_icon(colour: tuple[int, int, int], size: int) -> str:
    """The app icon (a white tick on the body's colour) as a PNG data URI. Data, not a
    route: the page's CSP allows images from data: only, and Chromium applies it to the
    manifest's icons (and installs an app only with a raster icon of 144 px or more)."""
    from PIL import Image, ImageDraw  # fpdf2's dependency, declared in ours too

    scale = size / 96
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=round(18 * scale), fill=colour)
    tick = [(26 * scale, 50 * scale), (40 * scale, 64 * scale), (70 * scale, 32 * scale)]
    draw.line(tick, fill="white", width=round(10 * scale), joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def install(app: Any, path: str) -> None:
    """Mount the page at ``path`` (from the printed URL) and the fixed companions."""
    app.state.verifier_path = path
    app.add_api_route(path, page, methods=["GET"], include_in_schema=False,
                      response_class=HTMLResponse)  # fmt: skip
    app.include_router(router)
