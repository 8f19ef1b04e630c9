"""The certificate as one self-contained HTML page (inline SVG QR code, A4 print CSS).

No external resources: it opens from a file or an e-mail attachment, prints on A4 from any
browser ("actual size", no headers), and the QR code stays vector at 0.5 mm a module.
"""

from __future__ import annotations

from html import escape

from ..qr import make_qr
from .pdf import QUIET_ZONE, qr_module_mm
from .view import CertificateView, long_date

CSS = """
@page { size: A4 portrait; margin: 0; }
* { box-sizing: border-box; }
html { background: #ddd; }
body { margin: 0; font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #000; }
.sheet { width: 210mm; height: 297mm; margin: 0 auto; background: #fff; padding: 8mm;
  overflow: hidden; }
.frame { height: 100%; border: 1.2mm solid #1d3557; outline: 0.25mm solid #1d3557;
  outline-offset: -3.2mm; padding: 8.8mm; display: flex; flex-direction: column; }
.content { flex: 1; display: flex; flex-direction: column; justify-content: space-evenly; }
@media print { html { background: #fff; } .sheet { margin: 0; } }
.serif { font-family: "DejaVu Serif", Georgia, "Times New Roman", serif; }
.centre { text-align: center; }
.issuer { font-weight: bold; font-size: 12pt; letter-spacing: 0.1em; color: #1d3557;
  margin-top: 2mm; }
.did, .scheme, .iso { color: #5a5a5a; font-size: 7.5pt; }
.kind { font-size: 28pt; font-weight: bold; letter-spacing: 0.12em; color: #1d3557;
  margin: 9mm 0 0; }
.rule { width: 70mm; border-top: 0.3mm solid #1d3557; margin: 3mm auto; }
.lead { font-size: 11.5pt; margin: 2mm 0; }
.holder { font-size: 24pt; font-weight: bold; margin: 2mm 0; }
.title { font-size: 17pt; font-weight: bold; color: #1d3557; margin: 1mm 0 0; }
table.units { width: 100%; border-collapse: collapse; margin: 5mm 0 4mm; font-size: 10pt; }
table.units caption { text-align: left; font-weight: bold; color: #1d3557; font-size: 9.5pt;
  padding-bottom: 1mm; }
table.units td { border-top: 0.2mm solid #1d3557; border-bottom: 0.2mm solid #1d3557;
  padding: 1.2mm 0; vertical-align: top; }
table.units td.code { width: 30mm; font-weight: bold; }
dl.facts { display: grid; grid-template-columns: 30mm 1fr; gap: 1.5mm 0; margin: 0;
  font-size: 9.5pt; }
dl.facts dt { font-weight: bold; color: #1d3557; }
dl.facts dd { margin: 0; }
.dates { display: flex; justify-content: space-around; margin: 5mm 0; text-align: center; }
.dates .label { font-weight: bold; color: #1d3557; font-size: 8.5pt; }
.dates .spoken { font-size: 13pt; font-weight: bold; }
.verify { margin-top: 4mm; display: flex; gap: 4mm; align-items: flex-start;
  margin-left: -2mm; }
.verify .qr { flex: none; text-align: center; color: #5a5a5a; font-size: 6.5pt; }
.verify .qr svg { display: block; }
.verify dl { margin: 2mm 0 0; font-size: 7.5pt; }
.verify dt { font-weight: bold; color: #1d3557; font-size: 8pt; margin-top: 2mm; }
.verify dd { margin: 0; overflow-wrap: anywhere; }
.mono { font-family: "DejaVu Sans Mono", Consolas, monospace; }
"""

HOW_TO_VERIFY = (
    "Scan the QR code with the verifier of the certification body: it holds the complete "
    "signed credential, checkable without a network connection. The certificate is valid "
    "only while it is not suspended or withdrawn; the body confirms its current status on "
    "request."
)


def render_html(view: CertificateView) -> str:
    e = escape
    symbol = make_qr(view.qr_payload)
    modules = int(symbol.symbol_size(scale=1, border=QUIET_ZONE)[0])
    module = qr_module_mm(modules)
    qr_svg = symbol.svg_inline(scale=module, unit="mm", border=QUIET_ZONE)
    awarded = (
        "has been awarded the qualification"
        if view.is_full
        else f"has been awarded the following unit{'s' if len(view.units) != 1 else ''} of"
    )
    units = ""
    if view.units:
        caption = "Units of the qualification" if view.is_full else "Units awarded"
        rows = "".join(
            f'<tr><td class="code">{e(u.code)}</td><td>{e(u.title)}</td></tr>' for u in view.units
        )
        units = f'<table class="units"><caption>{caption}</caption>{rows}</table>'
    facts = [("Scope", view.scope or "-")]
    if view.limitations:
        facts.append(("Limitations", "; ".join(view.limitations)))
    if view.conditions:
        facts.append(("Conditions", view.conditions))
    dates = [("Date of award", view.awarded)]
    if view.expires:
        dates.append(("Valid until", view.expires))
    issuer_name = e(view.issuer_name.upper() or view.issuer_id)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(view.kind)}: {e(view.title)} - {e(view.holder_name)}</title>
<style>{CSS}</style>
</head>
<body>
<main class="sheet"><div class="frame"><div class="content">
<header class="centre">
<div class="issuer">{issuer_name}</div>
{f'<div class="did">{e(view.issuer_id)}</div>' if view.issuer_name else ""}
<h1 class="kind serif">{e(view.kind.upper())}</h1>
<div class="rule"></div>
<p class="lead serif">This is to certify that</p>
<p class="holder serif">{e(view.holder_name)}</p>
<p class="lead serif">{awarded}</p>
<h2 class="title serif">{e(view.title)}</h2>
{f'<div class="scheme">Scheme {e(view.scheme)}</div>' if view.scheme else ""}
</header>
{units}
<dl class="facts">{"".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)}</dl>
<div class="dates">{
        "".join(
            f'<div><div class="label">{label}</div>'
            f'<div class="spoken serif">{long_date(day)}</div>'
            f'<div class="iso">{day.isoformat()}</div></div>'
            for label, day in dates
        )
    }</div>
</div>
<section class="verify">
<div class="qr">{qr_svg}QR {symbol.designator}, {module:.2f} mm a module: print at actual size</div>
<dl>
<dt>Credential ID</dt><dd class="mono">{e(view.credential_id)}</dd>
<dt>Issued by</dt><dd>{e(view.issuer_name)}<br>{e(view.issuer_id)}</dd>
<dt>Digital signature</dt><dd>{e(view.signature)}</dd>
<dt>How to verify</dt><dd>{HOW_TO_VERIFY}</dd>
</dl>
</section>
</div></main>
</body>
</html>
"""
