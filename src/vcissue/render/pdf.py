"""The certificate as an A4 portrait PDF (fpdf2): ``template.Certificate``'s blocks drawn
in order, the QR code as vector rectangles.

Fonts: DejaVu Serif and Sans (Latin, Greek, Cyrillic and more, so "Zoë Ørsted-Łukasiewicz"
and Croatian "ožujka" print as written), read from the system: Debian's
``fonts-dejavu-core`` puts them in ``/usr/share/fonts/truetype/dejavu``. fpdf2 embeds only
the glyphs used.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from datetime import UTC, datetime, time
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .. import __version__
from ..errors import VcissueError
from .template import (
    QUIET_ZONE,
    Certificate,
    Dates,
    Facts,
    Header,
    Line,
    Signatures,
    Units,
    Verification,
    WalletOffer,
    qr_module_mm,
)
from .view import CertificateView

__all__ = ["FONT_DIR_ENV", "QUIET_ZONE", "find_font_dir", "qr_module_mm", "render_pdf"]

FONT_DIR_ENV = "VCISSUE_FONT_DIR"
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu",  # Fedora, Arch
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
)
FONTS = {
    ("serif", ""): "DejaVuSerif.ttf",
    ("serif", "B"): "DejaVuSerif-Bold.ttf",
    ("sans", ""): "DejaVuSans.ttf",
    ("sans", "B"): "DejaVuSans-Bold.ttf",
    ("mono", ""): "DejaVuSansMono.ttf",
}

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, mm
MARGIN = 20.0
GREY = (90, 90, 90)
LINES = {  # role -> (family, style, size pt, line height mm, colour is the brand's)
    "kind": ("serif", "B", 26, 12, True),
    "lead": ("serif", "", 11.5, 6.5, False),
    "holder": ("serif", "B", 24, 11, False),
    "title": ("serif", "B", 16, 8, True),
    "note": ("sans", "", 8.5, 4.5, False),
}


def find_font_dir(font_dir: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding the DejaVu fonts, or VcissueError saying how to get them."""
    candidates = [font_dir] if font_dir else [os.environ.get(FONT_DIR_ENV), *FONT_DIRS]
    for candidate in candidates:
        if candidate and all((Path(candidate) / name).is_file() for name in FONTS.values()):
            return Path(candidate)
    raise VcissueError(
        "DejaVu fonts not found (looked in "
        + ", ".join(str(c) for c in candidates if c)
        + f"): install fonts-dejavu-core, or set {FONT_DIR_ENV} / --font-dir"
    )


def render_pdf(
    view: CertificateView,
    document: Certificate,
    *,
    font_dir: str | os.PathLike[str] | None = None,
) -> bytes:
    fonts = find_font_dir(font_dir)
    # Lay out once to measure, then spread the spare height over the gaps between the
    # blocks, so a short unit credential does not leave a hole above the QR code.
    measured = _layout(view, document, fonts, spread=0)
    spare = measured.qr_top - measured.body_end - 4 if measured.page_no() == 1 else 0
    gaps = max(1, len(document.blocks) - 2)
    pdf = _layout(view, document, fonts, spread=min(spare / gaps, 8)) if spare > 0 else measured
    return bytes(pdf.output())


class _Sheet(FPDF):
    def __init__(self, fonts: Path, document: Certificate) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.ink = document.brand.rgb("colour")
        self.accent = document.brand.rgb("accent")
        self.body_end = 0.0
        self.qr_top = 0.0
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        for (family, style), name in FONTS.items():
            self.add_font(family, style, str(fonts / name))

    def header(self) -> None:  # fpdf2 calls it on every new page, automatic breaks too
        self.set_draw_color(*self.ink)
        self.set_line_width(1.4)
        self.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
        self.set_draw_color(*self.accent)
        self.set_line_width(0.35)
        self.rect(11.5, 11.5, PAGE_W - 23, PAGE_H - 23)

    @property
    def text_width(self) -> float:
        return PAGE_W - 2 * MARGIN

    def centred(self, text: str, family: str, style: str, size: float, height: float,
                color: Sequence[int]) -> None:  # fmt: skip
        self.set_font(family, style, size)
        self.set_text_color(*color)
        self.multi_cell(
            self.text_width, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )


def _layout(view: CertificateView, document: Certificate, fonts: Path, *, spread: float) -> _Sheet:
    pdf = _Sheet(fonts, document)
    pdf.set_title(document.title)
    pdf.set_author(document.blocks[0].body_name if isinstance(document.blocks[0], Header) else "")
    pdf.set_subject(view.credential_id)
    pdf.set_creator(f"vcissue {__version__}")
    pdf.set_lang(document.language)
    # The award date, not the wall clock: the same credential gives the same file.
    pdf.set_creation_date(datetime.combine(view.awarded, time(), UTC))
    pdf.add_page()
    pdf.set_y(18)
    for block in document.blocks:
        if isinstance(block, Verification):
            pdf.body_end = pdf.get_y()
            _verification(pdf, block)
            continue
        _draw(pdf, block, spread)
    return pdf


def _image(pdf: _Sheet, image: object, x: float, y: float, *, h: float, w: float = 0) -> None:
    data = getattr(image, "data", None)
    if data:
        pdf.image(io.BytesIO(data), x=x, y=y, h=h, w=w, keep_aspect_ratio=bool(w))


def _draw(pdf: _Sheet, block: object, spread: float) -> None:
    if isinstance(block, Header):
        top = pdf.get_y()
        _image(pdf, block.logo, MARGIN, top, h=18, w=40)
        _image(pdf, block.mark, PAGE_W - MARGIN - 22, top, h=18, w=22)
        pdf.set_xy(MARGIN, top + (20 if block.logo or block.mark else 2))
        pdf.centred(block.body_name.upper(), "sans", "B", 12, 6, pdf.ink)
        pdf.ln(4 + spread)
    elif isinstance(block, Line):
        family, style, size, height, branded = LINES[block.role]
        if block.role == "kind":
            pdf.set_char_spacing(2.5)
        pdf.centred(block.text, family, style, size, height, pdf.ink if branded else (0, 0, 0))
        pdf.set_char_spacing(0)
        if block.role == "kind":
            _rule(pdf, 70)
        elif block.role == "title":
            pdf.ln(4 + spread)
        else:
            pdf.ln(1)
    elif isinstance(block, Units):
        pdf.set_font("sans", "B", 9.5)
        pdf.set_text_color(*pdf.ink)
        pdf.cell(pdf.text_width, 6, block.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*pdf.ink)
        pdf.set_line_width(0.2)
        for code, title in block.rows:
            pdf.line(MARGIN, pdf.get_y(), PAGE_W - MARGIN, pdf.get_y())
            pdf.set_font("sans", "B", 10)
            pdf.set_text_color(0, 0, 0)
            pdf.cell(22, 6.5, code)
            pdf.set_font("sans", "", 10)
            pdf.multi_cell(
                pdf.text_width - 22, 6.5, title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        pdf.line(MARGIN, pdf.get_y(), PAGE_W - MARGIN, pdf.get_y())
        pdf.ln(3 + spread / 2)
    elif isinstance(block, Facts):
        for label, text in block.rows:
            pdf.set_font("sans", "B", 9.5)
            pdf.set_text_color(*pdf.ink)
            pdf.cell(30, 4.8, label)
            pdf.set_font("sans", "", 9.5)
            pdf.set_text_color(0, 0, 0)
            pdf.multi_cell(
                pdf.text_width - 30, 4.8, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            pdf.ln(1.2)
        pdf.ln(2 + spread)
    elif isinstance(block, Dates):
        width = pdf.text_width / len(block.columns)
        top = pdf.get_y()
        for index, (label, spoken) in enumerate(block.columns):
            pdf.set_xy(MARGIN + index * width, top)
            pdf.set_font("sans", "B", 8.5)
            pdf.set_text_color(*pdf.ink)
            pdf.cell(width, 5, label, align="C")
            pdf.set_xy(MARGIN + index * width, top + 5)
            pdf.set_font("serif", "B", 13)
            pdf.set_text_color(0, 0, 0)
            pdf.cell(width, 6, spoken, align="C")
        pdf.set_y(top + 13 + spread)
    elif isinstance(block, Signatures):
        _signatures(pdf, block)
        pdf.ln(spread)
    elif isinstance(block, WalletOffer):
        _wallet_offer(pdf, block)
        pdf.ln(spread)


def _rule(pdf: _Sheet, width: float) -> None:
    pdf.ln(2)
    pdf.set_draw_color(*pdf.accent)
    pdf.set_line_width(0.5)
    pdf.line((PAGE_W - width) / 2, pdf.get_y(), (PAGE_W + width) / 2, pdf.get_y())
    pdf.ln(4)


def _signatures(pdf: _Sheet, block: Signatures) -> None:
    top = pdf.get_y()
    half = pdf.text_width / 2
    # left: the signature over a line, the signatory's name and title under it
    _image(pdf, block.signature, MARGIN + 8, top, h=14, w=half - 16)
    line_y = top + 15
    if block.signatory_name:
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.2)
        pdf.line(MARGIN + 4, line_y, MARGIN + half - 4, line_y)
        for text, style, size, y in (
            (block.signatory_name, "B", 9.5, line_y + 1),
            (block.signatory_title, "", 8.5, line_y + 5.5),
        ):
            pdf.set_xy(MARGIN, y)
            pdf.set_font("sans", style, size)
            pdf.set_text_color(0, 0, 0)
            pdf.cell(half, 4.5, text, align="C")
    # right: the accreditation mark, number and statement
    x = MARGIN + half + 4
    _image(pdf, block.mark, x, top, h=16, w=16)
    text_x = x + (19 if block.mark else 0)
    pdf.set_xy(text_x, top)
    pdf.set_font("sans", "B", 8.5)
    pdf.set_text_color(*pdf.ink)
    width = PAGE_W - MARGIN - text_x
    pdf.multi_cell(width, 4, block.accreditation, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("sans", "", 7.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(width, 3.5, block.statement, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(MARGIN, max(pdf.get_y(), line_y + 11))


def _symbol(pdf: _Sheet, rows: tuple[tuple[bool, ...], ...], module: float, left: float,
            top: float) -> None:  # fmt: skip
    pdf.set_fill_color(0, 0, 0)
    for y, row in enumerate(rows):
        run_start = None
        for x, dark in enumerate([*row, False]):
            if dark and run_start is None:
                run_start = x
            elif not dark and run_start is not None:
                pdf.rect(
                    left + run_start * module, top + y * module, (x - run_start) * module, module,
                    style="F",
                )  # fmt: skip
                run_start = None


def _wallet_offer(pdf: _Sheet, block: WalletOffer) -> None:
    module = block.module_mm
    side = module * len(block.rows)
    if pdf.get_y() + side > PAGE_H - MARGIN:
        pdf.add_page()
    top = pdf.get_y()
    left = MARGIN - QUIET_ZONE * module + 2
    _symbol(pdf, block.rows, module, left, top)
    text_x = left + side + 3
    width = PAGE_W - MARGIN - text_x
    pdf.set_xy(text_x, top + QUIET_ZONE * module)
    pdf.set_font("sans", "B", 9)
    pdf.set_text_color(*pdf.ink)
    pdf.multi_cell(width, 4.4, block.instruction, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("sans", "", 8.5)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(width, 4.4, block.expiry, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(MARGIN, max(pdf.get_y(), top + side))


def _verification(pdf: _Sheet, block: Verification) -> None:
    module = block.module_mm
    side = module * len(block.rows)
    top = PAGE_H - MARGIN - side + QUIET_ZONE * module - 2
    pdf.qr_top = top
    if pdf.get_y() > top - 2:  # a long unit list: the QR gets a page of its own
        pdf.add_page()
    pdf.set_auto_page_break(False)  # this block is placed, not flowed: it ends in the margin
    left = MARGIN - QUIET_ZONE * module + 2  # the quiet zone may overlap the margin
    _symbol(pdf, block.rows, module, left, top)
    text_x = left + side + 3
    width = PAGE_W - MARGIN - text_x
    pdf.set_xy(text_x, top + QUIET_ZONE * module)
    if block.instruction:
        pdf.set_font("sans", "B", 9.5)
        pdf.set_text_color(*pdf.ink)
        pdf.multi_cell(width, 4.6, block.instruction, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(3)
    pdf.set_x(text_x)
    pdf.set_font("sans", "B", 7)
    pdf.set_text_color(*GREY)
    pdf.cell(width, 3.5, block.technical_heading, new_x=XPos.LEFT, new_y=YPos.NEXT)
    for label, text in block.technical:
        pdf.set_x(text_x)
        pdf.set_font("sans", "B", 6)
        pdf.cell(24, 3, label)
        pdf.set_font("mono" if label != block.technical[-1][0] else "sans", "", 6)
        pdf.multi_cell(width - 24, 3, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_x(text_x)
