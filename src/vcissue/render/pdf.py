"""The certificate as an A4 portrait PDF (fpdf2), with the QR code drawn as vectors.

Fonts: DejaVu Serif and Sans (Latin, Greek, Cyrillic and more, so "Zoë Ørsted-Łukasiewicz"
prints as written), read from the system: Debian's ``fonts-dejavu-core`` puts them in
``/usr/share/fonts/truetype/dejavu``. fpdf2 embeds only the glyphs used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .. import __version__
from ..errors import VcissueError
from ..qr import make_qr
from .view import CertificateView, long_date

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
MARGIN = 18.0
QR_MODULE_MM = 0.5  # phone-readable from an A4 sheet (docs/qr.md)
QR_MAX_MM = 75.0  # the box the symbol must fit: a version 40 symbol drops to 0.42 mm
QUIET_ZONE = 4  # modules
INK = (29, 53, 87)  # a dark blue for rules and headings
GREY = (90, 90, 90)


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


def qr_module_mm(modules: int) -> float:
    """Module size for a symbol of ``modules`` a side (quiet zone included)."""
    return min(QR_MODULE_MM, QR_MAX_MM / modules)


def render_pdf(view: CertificateView, *, font_dir: str | os.PathLike[str] | None = None) -> bytes:
    fonts = find_font_dir(font_dir)
    # Lay out once to measure, then spread the spare height over the gaps between the
    # sections, so a short unit credential does not leave a hole above the QR code.
    measured = _layout(view, fonts, spread=0)
    spare = measured.qr_top - measured.body_end - 6 if measured.page_no() == 1 else 0
    pdf = _layout(view, fonts, spread=min(spare / 4, 12)) if spare > 0 else measured
    return bytes(pdf.output())


def _layout(view: CertificateView, fonts: Path, *, spread: float) -> _Certificate:
    pdf = _Certificate(fonts)
    pdf.set_title(f"{view.kind}: {view.title} - {view.holder_name}")
    pdf.set_author(view.issuer_name or view.issuer_id)
    pdf.set_subject(view.credential_id)
    pdf.set_creator(f"vcissue {__version__}")
    # The award date, not the wall clock: the same credential gives the same file.
    pdf.set_creation_date(datetime.combine(view.awarded, time(), UTC))
    pdf.add_page()
    _body(pdf, view, spread)
    pdf.body_end = pdf.get_y()
    _verification_block(pdf, view)
    return pdf


class _Certificate(FPDF):
    def __init__(self, fonts: Path) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.body_end = 0.0  # where the text ends and the QR block starts (mm from the top)
        self.qr_top = 0.0
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        for (family, style), name in FONTS.items():
            self.add_font(family, style, str(fonts / name))

    def header(self) -> None:  # fpdf2 calls it on every new page, automatic breaks too
        _frame(self)

    @property
    def text_width(self) -> float:
        return PAGE_W - 2 * MARGIN

    def line_of(self, text: str, size: float, *, family: str = "sans", style: str = "",
                color: Sequence[int] = (0, 0, 0), height: float | None = None,
                align: str = "C", spacing: float = 0) -> None:  # fmt: skip
        self.set_font(family, style, size)
        self.set_text_color(*color)
        self.set_char_spacing(spacing)
        self.multi_cell(
            self.text_width,
            height or size * 0.5,
            text,
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_char_spacing(0)

    def rule(self, width: float = 60, gap: float = 4) -> None:
        self.ln(gap / 2)
        self.set_draw_color(*INK)
        self.set_line_width(0.3)
        self.line((PAGE_W - width) / 2, self.get_y(), (PAGE_W + width) / 2, self.get_y())
        self.ln(gap / 2)

    def labelled(self, label: str, text: str, *, size: float = 9.5) -> None:
        self.set_x(MARGIN)
        self.set_font("sans", "B", size)
        self.set_text_color(*INK)
        self.cell(30, size * 0.5, label)
        self.set_font("sans", "", size)
        self.set_text_color(0, 0, 0)
        self.multi_cell(
            self.text_width - 30, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(1.5)


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*INK)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.25)
    pdf.rect(11, 11, PAGE_W - 22, PAGE_H - 22)


def _body(pdf: _Certificate, view: CertificateView, spread: float) -> None:
    pdf.set_y(20)
    pdf.line_of(view.issuer_name.upper() or view.issuer_id, 12, style="B", color=INK, spacing=1)
    if view.issuer_name:
        pdf.line_of(view.issuer_id, 7.5, color=GREY)
    pdf.ln(7)
    pdf.ln(spread)
    pdf.line_of(view.kind.upper(), 28, family="serif", style="B", color=INK, spacing=2.5)
    pdf.rule(70, gap=6)
    pdf.line_of("This is to certify that", 11.5, family="serif", height=7)
    pdf.ln(1)
    pdf.line_of(view.holder_name, 24, family="serif", style="B", height=11)
    pdf.ln(1)
    awarded = (
        "has been awarded the qualification"
        if view.is_full
        else f"has been awarded the following unit{'s' if len(view.units) != 1 else ''} of"
    )
    pdf.line_of(awarded, 11.5, family="serif", height=7)
    pdf.ln(1)
    pdf.line_of(view.title, 17, family="serif", style="B", color=INK, height=8)
    if view.scheme:
        pdf.line_of(f"Scheme {view.scheme}", 8.5, color=GREY, height=4.5)
    pdf.ln(5 + spread)
    if view.units:
        _units(pdf, view)
    pdf.labelled("Scope", view.scope or "-")
    if view.limitations:
        pdf.labelled("Limitations", "; ".join(view.limitations))
    if view.conditions:
        pdf.labelled("Conditions", view.conditions)
    pdf.ln(3 + spread)
    _dates(pdf, view)


def _units(pdf: _Certificate, view: CertificateView) -> None:
    heading = "Units of the qualification" if view.is_full else "Units awarded"
    pdf.set_font("sans", "B", 9.5)
    pdf.set_text_color(*INK)
    pdf.cell(pdf.text_width, 6, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.2)
    for unit in view.units:
        pdf.line(MARGIN, pdf.get_y(), PAGE_W - MARGIN, pdf.get_y())
        pdf.set_font("sans", "B", 10)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(30, 6.5, unit.code)
        pdf.set_font("sans", "", 10)
        pdf.multi_cell(
            pdf.text_width - 30, 6.5, unit.title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.line(MARGIN, pdf.get_y(), PAGE_W - MARGIN, pdf.get_y())
    pdf.ln(4)


def _dates(pdf: _Certificate, view: CertificateView) -> None:
    columns = [("Date of award", long_date(view.awarded), view.awarded.isoformat())]
    if view.expires:
        columns.append(("Valid until", long_date(view.expires), view.expires.isoformat()))
    width = pdf.text_width / len(columns)
    top = pdf.get_y()
    for index, (label, spoken, iso) in enumerate(columns):
        for text, size, style, color, y in (
            (label, 8.5, "B", INK, top),
            (spoken, 13, "B", (0, 0, 0), top + 5),
            (iso, 8.5, "", GREY, top + 11.5),
        ):
            pdf.set_xy(MARGIN + index * width, y)
            pdf.set_font("serif" if size > 10 else "sans", style, size)
            pdf.set_text_color(*color)
            pdf.cell(width, 5, text, align="C")
    pdf.set_y(top + 17)


def _verification_block(pdf: _Certificate, view: CertificateView) -> None:
    symbol = make_qr(view.qr_payload)
    rows = list(symbol.matrix_iter(scale=1, border=QUIET_ZONE))
    module = qr_module_mm(len(rows))
    side = module * len(rows)
    top = PAGE_H - MARGIN - side
    pdf.qr_top = top
    if pdf.get_y() > top - 2:  # a long unit list: the QR gets a page of its own
        pdf.add_page()
    pdf.set_auto_page_break(False)  # this block is placed, not flowed: it ends in the margin
    left = MARGIN - QUIET_ZONE * module + 2  # the quiet zone may overlap the margin
    _draw_modules(pdf, rows, left, top, module)

    x = left + side + 4
    width = PAGE_W - MARGIN - x
    pdf.set_xy(x, top + QUIET_ZONE * module)
    for label, text, family in (
        ("Credential ID", view.credential_id, "mono"),
        ("Issued by", f"{view.issuer_name}\n{view.issuer_id}".strip(), "sans"),
        ("Digital signature", view.signature, "sans"),
        (
            "How to verify",
            "Scan the QR code with the verifier of the certification body: it holds the "
            "complete signed credential, checkable without a network connection. The "
            "certificate is valid only while it is not suspended or withdrawn; the body "
            "confirms its current status on request.",
            "sans",
        ),
    ):
        pdf.set_x(x)
        pdf.set_font("sans", "B", 8)
        pdf.set_text_color(*INK)
        pdf.cell(width, 4.5, label, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(family, "", 7.5)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(width, 3.6, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(2)
    pdf.set_xy(left, top + side)  # below the quiet zone, never in it
    pdf.set_font("sans", "", 6.5)
    pdf.set_text_color(*GREY)
    pdf.cell(
        side,
        3,
        f"QR {symbol.designator}, {module:.2f} mm a module: print at actual size",
        align="C",
    )


def _draw_modules(
    pdf: FPDF, rows: Iterable[Iterable[int]], left: float, top: float, module: float
) -> None:
    """One filled rectangle per horizontal run of dark modules: vector, sharp at any zoom."""
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
