"""The certificate as one self-contained HTML page: ``template.Certificate``'s blocks as
HTML, the QR code as inline SVG, A4 print CSS.

No external resources: images are data URIs, so it opens from a file or an e-mail
attachment, prints on A4 from any browser ("actual size", no headers), and the QR code
stays vector at 0.5 mm a module.
"""

from __future__ import annotations

from html import escape as e

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
)

CSS = """
@page { size: A4 portrait; margin: 0; }
* { box-sizing: border-box; }
html { background: #ddd; }
body { margin: 0; font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #000; }
.sheet { width: 210mm; height: 297mm; margin: 0 auto; background: #fff; padding: 8mm;
  overflow: hidden; }
.frame { height: 100%; border: 1.4mm solid var(--ink); outline: 0.35mm solid var(--accent);
  outline-offset: -3.5mm; padding: 8mm 10.6mm; display: flex; flex-direction: column; }
.content { flex: 1; display: flex; flex-direction: column; justify-content: space-evenly; }
@media print { html { background: #fff; } .sheet { margin: 0; } }
.serif { font-family: "DejaVu Serif", Georgia, "Times New Roman", serif; }
header.top { display: flex; align-items: center; justify-content: space-between;
  min-height: 18mm; }
header.top img { max-height: 18mm; max-width: 40mm; }
header.top .body { flex: 1; text-align: center; font-weight: bold; font-size: 12pt;
  letter-spacing: 0.08em; color: var(--ink); }
.line { text-align: center; margin: 1mm 0; }
.kind { font-size: 26pt; font-weight: bold; letter-spacing: 0.12em; color: var(--ink); }
.kind::after { content: ""; display: block; width: 70mm; margin: 3mm auto 0;
  border-top: 0.5mm solid var(--accent); }
.lead { font-size: 11.5pt; }
.holder { font-size: 24pt; font-weight: bold; }
.title { font-size: 16pt; font-weight: bold; color: var(--ink); }
table.units { width: 100%; border-collapse: collapse; font-size: 10pt; }
table.units caption { text-align: left; font-weight: bold; color: var(--ink); font-size: 9.5pt;
  padding-bottom: 1mm; }
table.units td { border-top: 0.2mm solid var(--ink); border-bottom: 0.2mm solid var(--ink);
  padding: 1.2mm 0; vertical-align: top; }
table.units td.code { width: 22mm; font-weight: bold; }
dl.facts { display: grid; grid-template-columns: 30mm 1fr; gap: 1.5mm 0; margin: 0;
  font-size: 9.5pt; }
dl.facts dt { font-weight: bold; color: var(--ink); }
dl.facts dd { margin: 0; }
.dates { display: flex; justify-content: space-around; text-align: center; }
.dates .label { font-weight: bold; color: var(--ink); font-size: 8.5pt; }
.dates .spoken { font-size: 13pt; font-weight: bold; }
.signatures { display: flex; gap: 8mm; align-items: flex-start; }
.signatures > div { flex: 1; }
.signatory { text-align: center; font-size: 9.5pt; }
.signatory img { max-height: 14mm; max-width: 60mm; display: block; margin: 0 auto; }
.signatory .name { border-top: 0.2mm solid #000; padding-top: 1mm; font-weight: bold; }
.accreditation { display: flex; gap: 3mm; font-size: 7.5pt; color: #5a5a5a; }
.accreditation img { width: 16mm; height: 16mm; object-fit: contain; }
.accreditation b { color: var(--ink); font-size: 8.5pt; display: block; }
.verify { display: flex; gap: 3mm; align-items: flex-start; margin-left: -2mm; }
.verify .qr { flex: none; }
.verify .qr svg { display: block; }
.verify .how { font-weight: bold; color: var(--ink); font-size: 9.5pt; margin: 2mm 0 3mm; }
.verify .tech { font-size: 6pt; color: #5a5a5a; }
.verify .tech h2 { font-size: 7pt; margin: 0 0 1mm; }
.verify .tech dl { display: grid; grid-template-columns: 24mm 1fr; margin: 0; }
.verify .tech dt { font-weight: bold; }
.offer { display: flex; gap: 3mm; align-items: center; margin-left: -2mm; font-size: 8.5pt; }
.offer .qr svg { display: block; }
.offer .how { font-weight: bold; color: var(--ink); margin: 0 0 1mm; }
.offer p { margin: 0; }
.verify .tech dd { margin: 0; overflow-wrap: anywhere;
  font-family: "DejaVu Sans Mono", Consolas, monospace; }
"""


def _img(image: object, alt: str) -> str:
    if image is None:
        return ""
    return f'<img src="{image.data_uri()}" alt="{e(alt)}">'  # type: ignore[attr-defined]


def _qr_svg(block: Verification | WalletOffer, label: str = "QR code") -> str:
    size = len(block.rows) * block.module_mm
    runs = []
    for y, row in enumerate(block.rows):
        start = None
        for x, dark in enumerate([*row, False]):
            if dark and start is None:
                start = x
            elif not dark and start is not None:
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
                start = None
    count = len(block.rows)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size:.2f}mm" height="{size:.2f}mm" '
        f'viewBox="0 0 {count} {count}" role="img" aria-label="{e(label)}">'
        f'<rect width="{count}" height="{count}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def _block(block: object) -> str:
    if isinstance(block, Header):
        return (
            f'<header class="top">{_img(block.logo, block.body_name) or "<span></span>"}'
            f'<div class="body">{e(block.body_name.upper())}</div>'
            f"{_img(block.mark, 'accreditation mark') or '<span></span>'}</header>"
        )
    if isinstance(block, Line):
        tag = {"kind": "h1", "title": "h2"}.get(block.role, "p")
        return f'<{tag} class="line serif {block.role}">{e(block.text)}</{tag}>'
    if isinstance(block, Units):
        rows = "".join(
            f'<tr><td class="code">{e(code)}</td><td>{e(title)}</td></tr>'
            for code, title in block.rows
        )
        return f'<table class="units"><caption>{e(block.heading)}</caption>{rows}</table>'
    if isinstance(block, Facts):
        items = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in block.rows)
        return f'<dl class="facts">{items}</dl>'
    if isinstance(block, Dates):
        columns = "".join(
            f'<div><div class="label">{e(label)}</div><div class="spoken serif">{e(spoken)}'
            "</div></div>"
            for label, spoken in block.columns
        )
        return f'<div class="dates">{columns}</div>'
    if isinstance(block, Signatures):
        return (
            '<div class="signatures"><div class="signatory">'
            f"{_img(block.signature, 'signature')}"
            f'<div class="name">{e(block.signatory_name)}</div><div>{e(block.signatory_title)}'
            '</div></div><div class="accreditation">'
            f"{_img(block.mark, 'accreditation mark')}<div><b>{e(block.accreditation)}</b>"
            f"{e(block.statement)}</div></div></div>"
        )
    if isinstance(block, WalletOffer):
        return (
            f'<section class="offer"><div class="qr">{_qr_svg(block, "wallet offer QR code")}'
            f'</div><div><p class="how">{e(block.instruction)}</p><p>{e(block.expiry)}</p>'
            "</div></section>"
        )
    return ""


def render_html(document: Certificate) -> str:
    brand = document.brand
    body = "\n".join(
        _block(block) for block in document.blocks if not isinstance(block, Verification)
    )
    verify = document.verification
    technical = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in verify.technical)
    how = f'<p class="how">{e(verify.instruction)}</p>' if verify.instruction else ""
    return f"""<!DOCTYPE html>
<html lang="{document.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(document.title)}</title>
<style>:root {{ --ink: {brand.colour}; --accent: {brand.accent}; }}{CSS}</style>
</head>
<body>
<main class="sheet"><div class="frame"><div class="content">
{body}
</div>
<section class="verify">
<div class="qr">{_qr_svg(verify)}</div>
<div>{how}<div class="tech"><h2>{e(verify.technical_heading)}</h2><dl>{technical}</dl></div></div>
</section>
</div></main>
</body>
</html>
"""


__all__ = ["QUIET_ZONE", "render_html"]
