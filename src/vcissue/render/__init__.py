"""Printable certificates from a signed credential: HTML (inline SVG QR) and PDF (A4).

``certificate_view`` reads what a certificate shows from the credential JSON itself;
``template.certificate`` turns it into the blocks of the one certificate template, in the
body's brand and the holder's language; ``render_html`` and ``render_pdf`` draw those
blocks; ``write_certificate`` writes the file the suffix asks for (adapter: files).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..brand import Brand
from ..errors import VcissueError
from ..model.scheme import Accreditation
from ..qrpack import SchemePack
from .html import render_html
from .pdf import FONT_DIR_ENV, find_font_dir, render_pdf
from .template import Certificate, OfferLink, certificate
from .view import CertificateView, Unit, certificate_view, long_date

__all__ = [
    "FONT_DIR_ENV",
    "Certificate",
    "CertificateView",
    "OfferLink",
    "Unit",
    "certificate",
    "certificate_view",
    "find_font_dir",
    "long_date",
    "render_html",
    "render_pdf",
    "write_certificate",
]

FORMATS = (".pdf", ".html", ".htm")


def write_certificate(
    vc: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    font_dir: str | os.PathLike[str] | None = None,
    brand: Brand | None = None,
    language: str = "en",
    verifier_url: str | None = None,
    pack: SchemePack | None = None,
    accreditation: Accreditation | None = None,
    offer: OfferLink | None = None,
) -> CertificateView:
    """Write ``vc`` as a certificate to ``path`` (``.pdf`` or ``.html``); returns the view.
    ``accreditation`` is the qualification's, printed with the signatory; the holder's
    wallet ``offer``, when given, is printed as a second QR code."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise VcissueError(f"certificate must be written as .pdf or .html, not {target.name!r}")
    view = certificate_view(vc, pack=pack, verifier_url=verifier_url)
    document = certificate(
        view, brand=brand, language=language, accreditation=accreditation, offer=offer
    )
    data = (
        render_pdf(view, document, font_dir=font_dir)
        if suffix == ".pdf"
        else render_html(document).encode("utf-8")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return view
