"""``vcissue render`` as a user runs it: the PDF (and HTML printed by Chromium) is rasterised
with poppler's pdftoppm, the QR code read back by zxing-cpp, and the decoded credential
verified; pdftotext shows what a reader of the paper sees."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from tests.cli import staff_key, vcissue
from tests.factories import AWARDED, Body, kcs
from tests.integration.test_cli import init
from tests.qrscan import scan
from vcissue.issuer import Issuer
from vcissue.qr import decode_payload
from vcissue.settings import load_settings
from vcissue.system import system_clock, system_random
from vcissue.verify import verify_credential
from vcissue.wallet import Openid4vci
from vcissue.wallet.holder_page import HolderLinks
from vcissue.wallet.oid4vci import PRE_AUTHORIZED_GRANT
from vcissue.webapp.bundle import deployment_packs
from vcissue.wiring import build_issuer

HOLDER = "Zoë Ørsted-Łukasiewicz"
LIMITATIONS = ("Only in waste-management companies", "Supervised for the first year")
DPI = 300
CHROMIUM = Path(os.environ.get("VCISSUE_CHROMIUM", "/usr/bin/chromium"))
ON_CI = bool(os.environ.get("CI"))


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is missing (apt-get install poppler-utils)"
        if ON_CI:  # .ci/run installs it: missing there is a failure, not a skip
            pytest.fail(message)
        pytest.skip(message)
    return found


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _rasterise(pdf: Path) -> list[Image.Image]:
    """Every page of ``pdf`` as a 300 dpi greyscale image."""
    _run(_need("pdftoppm"), "-r", str(DPI), "-gray", "-png", str(pdf), str(pdf.with_suffix("")))
    pages = sorted(pdf.parent.glob(pdf.stem + "-*.png"))
    return [Image.open(page) for page in pages]


def _module_mm(page: Image.Image) -> float:
    [barcode] = [
        b for b in zxingcpp.read_barcodes(page) if b.format == zxingcpp.BarcodeFormat.QRCode
    ]
    modules = 17 + 4 * int(barcode.extra["Version"])
    width_px = barcode.position.top_right.x - barcode.position.top_left.x + 1
    return width_px / modules * 25.4 / DPI


def _issue(tmp_path: Path, body: Body, name: str, **award: Any) -> tuple[dict[str, Any], Path]:
    vc = body.issue(HOLDER, **award)
    path = tmp_path / name
    path.write_text(json.dumps(vc, indent=2, ensure_ascii=False), "utf-8")
    return vc, path


@pytest.mark.parametrize(
    ("suite", "units"),
    [("eddsa-rdfc-2022", None), ("eddsa-jcs-2022", ("U1", "U3"))],
    ids=["full-rdfc", "units-jcs"],
)
def test_pdf_certificate_reads_back_and_verifies(
    tmp_path: Path, suite: str, units: tuple[str, ...] | None
) -> None:
    body = Body()
    vc, source = _issue(
        tmp_path, body, "vc.json", suite=suite, units=units, limitations=LIMITATIONS
    )
    out = vcissue("render", str(source), "-o", "cert.pdf", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    pdf = tmp_path / "cert.pdf"

    info = _run(_need("pdfinfo"), str(pdf))
    assert "Pages:           1" in info
    assert "pts (A4)" in info

    [page] = _rasterise(pdf)
    [text] = scan(page)
    decoded = decode_payload(text)
    assert decoded == vc
    assert verify_credential(decoded, trust=body.trust, now=AWARDED).verified
    assert 0.45 <= _module_mm(page) <= 0.85  # 0.5 to 0.8 mm a module, never below 0.4

    words = " ".join(_run(_need("pdftotext"), "-layout", str(pdf), "-").split())
    for expected in (
        HOLDER,
        vc["id"],
        "2 March 2026",
        "2 March 2031",
        "ECOMENTOR CERTIFICATION BODY",
        "did:web:certification.example",
        "EcoMentor Qualification",
        "Only in waste-management companies; Supervised for the first year",
        suite,
    ):
        assert expected in words, expected
    shown = ["U1", "U3"] if units else ["U1", "U2", "U3"]
    for unit in shown:
        title = next(a["targetName"] for a in vc["credentialSubject"]["achievement"]["alignment"]
                     if a["targetCode"] == unit)  # fmt: skip
        assert f"{unit} {title}" in words
    assert ("CERTIFICATE" in words) == (units is None)
    assert ("UNIT CREDENTIAL" in words) == (units is not None)
    if units:
        assert "U2 Conducting" not in words


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.svgs += tag == "svg"

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def test_html_certificate_prints_and_reads_back(tmp_path: Path) -> None:
    body = Body()
    vc, source = _issue(tmp_path, body, "vc.json", limitations=("<b>not bold</b> & co",))
    out = vcissue("render", str(source), "-o", "cert.html", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "cert.html").read_text("utf-8")
    parser = _Text()
    parser.feed(page)
    text = " ".join(" ".join(parser.chunks).split())
    assert HOLDER in text and vc["id"] in text and "2 March 2031" in text
    assert "<b>not bold</b> & co" in text  # escaped, so shown as text
    assert "<b>not bold</b>" not in page
    assert parser.svgs == 1

    if not CHROMIUM.is_file():
        if ON_CI:
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing")
    printed = tmp_path / "printed.pdf"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={printed}",
            (tmp_path / "cert.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert printed.is_file()
    assert "Pages:           1" in _run(_need("pdfinfo"), str(printed))
    [image] = _rasterise(printed)
    [qr_text] = scan(image)
    assert verify_credential(decode_payload(qr_text), trust=body.trust, now=AWARDED).verified
    assert 0.45 <= _module_mm(image) <= 0.55


@pytest.mark.parametrize(
    ("document", "output", "message"),
    [
        ({"id": "urn:uuid:x", "issuer": "did:web:a"}, "c.pdf", "no credentialSubject"),
        (
            {
                "id": "urn:uuid:x",
                "issuer": "did:web:a",
                "credentialSubject": {"achievement": {}, "identifier": []},
            },
            "c.pdf",
            "names no holder",
        ),
        ({"id": "urn:uuid:x"}, "c.docx", "must be written as .pdf or .html"),
    ],
)
def test_not_a_certificate_is_a_typed_error(
    tmp_path: Path, document: dict[str, Any], output: str, message: str
) -> None:
    (tmp_path / "in.json").write_text(json.dumps(document))
    out = vcissue("render", "in.json", "-o", output, cwd=tmp_path)
    assert out.returncode == 3, out.stdout
    assert message in out.stderr
    assert not (tmp_path / output).exists()


def test_missing_fonts_say_how_to_get_them(tmp_path: Path) -> None:
    _, source = _issue(tmp_path, Body(), "vc.json")
    out = vcissue("render", str(source), "-o", "c.pdf", "--font-dir", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 3
    assert "fonts-dejavu-core" in out.stderr
    assert not (tmp_path / "c.pdf").exists()


def _unsigned_certificate(units: int, description: str = "Scope: everything.") -> dict[str, Any]:
    vc = Body().unsigned(HOLDER)
    vc["description"] = description
    vc["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetCode": f"K{i}", "targetName": f"Unit number {i}",
         "targetUrl": f"https://certification.example/schemes/k#K{i}"}
        for i in range(units)
    ]  # fmt: skip
    return vc


def test_long_unit_list_moves_the_qr_to_a_second_page(tmp_path: Path) -> None:
    vc = _unsigned_certificate(30)
    (tmp_path / "vc.json").write_text(json.dumps(vc))
    out = vcissue("render", "vc.json", "-o", "long.pdf", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    pages = _rasterise(tmp_path / "long.pdf")
    assert len(pages) == 2
    assert scan(pages[0]) == []
    [text] = scan(pages[1])
    assert decode_payload(text) == vc
    words = " ".join(_run(_need("pdftotext"), str(tmp_path / "long.pdf"), "-").split())
    assert "K0 Unit number 0" in words and "K29 Unit number 29" in words


def test_a_version_40_symbol_keeps_modules_of_at_least_0_4_mm(tmp_path: Path) -> None:
    # Incompressible text: the payload needs a version 40 symbol at level M.
    noise = " ".join(f"{(i * 2654435761) % 4294967296:08x}" for i in range(250))
    vc = _unsigned_certificate(3)
    vc["credentialSubject"]["achievement"]["criteria"]["narrative"] = noise  # not printed
    (tmp_path / "vc.json").write_text(json.dumps(vc))
    out = vcissue("render", "vc.json", "-o", "big.pdf", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    [page] = _rasterise(tmp_path / "big.pdf")
    [barcode] = [b for b in zxingcpp.read_barcodes(page) if b.text.startswith("VC2:")]
    assert int(barcode.extra["Version"]) >= 38
    assert decode_payload(barcode.text) == vc
    assert 0.4 <= _module_mm(page) < 0.45


def _deployment_credential(tmp_path: Path) -> tuple[dict[str, str], dict[str, Any]]:
    init(tmp_path)
    env = {"VCISSUE_API_KEY": staff_key(tmp_path, "registrar", "issuer")}
    issued = vcissue(
        "issue", "--qualification", "ecomentor", "--holder-name", HOLDER, "-o", "vc.json",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    return env, json.loads((tmp_path / "vc.json").read_text("utf-8"))


def _desk(tmp_path: Path) -> Issuer:
    return build_issuer(
        load_settings(tmp_path / "vcissue.toml"), None, clock=system_clock, rng=system_random
    )


def test_offer_qr_prints_a_holder_page_link_that_opens_the_credential(tmp_path: Path) -> None:
    env, vc = _deployment_credential(tmp_path)
    out = vcissue(
        "render", "vc.json", "-o", "cert.pdf", "--config", "vcissue.toml", "--offer-qr",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    [page] = _rasterise(tmp_path / "cert.pdf")
    found = scan(page)
    [link] = [text for text in found if "/holder/" in text]
    [printed] = [text for text in found if text != link]
    packs = deployment_packs(load_settings(tmp_path / "vcissue.toml"))[0]
    assert decode_payload(printed, packs) == vc  # the verification QR is still there, intact
    assert link in out.stdout  # the operator sees what was printed
    # the printed link is a live capability link to this very credential's holder page
    token = link.split("/holder/", 1)[1]
    desk = _desk(tmp_path)
    settings = load_settings(tmp_path / "vcissue.toml")
    assert (
        HolderLinks(desk, settings.wallet_settings(), rng=system_random).resolve(token).id
        == (vc["id"])
    )
    words = " ".join(_run(_need("pdftotext"), "-layout", str(tmp_path / "cert.pdf"), "-").split())
    assert "Add this certificate to your digital wallet" in words
    assert "Link valid until" in words
    assert "Pages:           1" in _run(_need("pdfinfo"), str(tmp_path / "cert.pdf"))


def test_offer_qr_oid4vci_prints_a_live_offer_and_its_code_goes_to_the_operator(
    tmp_path: Path,
) -> None:
    env, _vc = _deployment_credential(tmp_path)
    out = vcissue(
        "render", "vc.json", "-o", "cert.pdf", "--config", "vcissue.toml", "--lang", "hr",
        "--offer-qr", "oid4vci", cwd=tmp_path, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    [code] = re.findall(r"transaction code[^:]*: (\d{6})$", out.stdout, re.MULTILINE)
    [page] = _rasterise(tmp_path / "cert.pdf")
    [link] = [text for text in scan(page) if text.startswith("openid-credential-offer://")]
    reference = parse_qs(urlsplit(link).query)["credential_offer_uri"][0].rsplit("/", 1)[1]
    settings = load_settings(tmp_path / "vcissue.toml")
    wallet = Openid4vci(_desk(tmp_path), settings.wallet_settings(), rng=system_random)
    offer = wallet.credential_offer(reference)  # live: the offer the printed QR names
    assert offer["grants"][PRE_AUTHORIZED_GRANT]["tx_code"]["length"] == len(code)
    words = " ".join(_run(_need("pdftotext"), "-layout", str(tmp_path / "cert.pdf"), "-").split())
    assert code not in words  # the transaction code never goes on paper with the offer
    assert "Ponuda vrijedi jednom" in words  # in the certificate's language


def test_offer_qr_on_the_html_certificate_still_prints_on_one_page(tmp_path: Path) -> None:
    env, vc = _deployment_credential(tmp_path)
    out = vcissue(
        "render", "vc.json", "-o", "cert.html", "--config", "vcissue.toml", "--offer-qr",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    parser = _Text()
    parser.feed((tmp_path / "cert.html").read_text("utf-8"))
    assert parser.svgs == 2
    if not CHROMIUM.is_file():
        if ON_CI:
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing")
    printed = tmp_path / "printed.pdf"
    subprocess.run(
        [
            str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
            f"--print-to-pdf={printed}", (tmp_path / "cert.html").as_uri(),
        ],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Pages:           1" in _run(_need("pdfinfo"), str(printed))
    [image] = _rasterise(printed)
    found = scan(image)
    assert len(found) == 2 and any("/holder/" in text for text in found)
    [printed_vc] = [text for text in found if "/holder/" not in text]
    packs = deployment_packs(load_settings(tmp_path / "vcissue.toml"))[0]
    assert decode_payload(printed_vc, packs) == vc


def test_offer_qr_needs_a_deployment_and_a_principal_who_may_offer(tmp_path: Path) -> None:
    _, _vc = _deployment_credential(tmp_path)
    out = vcissue("render", "vc.json", "-o", "c.pdf", "--offer-qr", cwd=tmp_path)
    assert out.returncode == 3 and "--offer-qr needs --config" in out.stderr
    auditor = {"VCISSUE_API_KEY": staff_key(tmp_path, "reader", "auditor")}
    out = vcissue(
        "render", "vc.json", "-o", "c.pdf", "--config", "vcissue.toml", "--offer-qr",
        cwd=tmp_path, env=auditor,
    )  # fmt: skip
    assert out.returncode == 3 and "[not-permitted]" in out.stderr
    assert not (tmp_path / "c.pdf").exists()


@pytest.mark.parametrize("language", ["en", "hr"])
def test_an_organisation_certificate_says_so_on_paper_and_screen(
    tmp_path: Path, language: str
) -> None:
    body = Body()
    vc = body.issue("Children First", qualification=kcs(1), kind="organisation")
    (tmp_path / "org.json").write_text(json.dumps(vc), "utf-8")
    said = {
        "en": "This is to certify that the organisation",
        "hr": "Ovime se potvrđuje da organizacija",
    }[language]
    for output in ("org.pdf", "org.html"):
        out = vcissue("render", "org.json", "-o", output, "--lang", language, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
    words = " ".join(_run(_need("pdftotext"), str(tmp_path / "org.pdf"), "-").split())
    parser = _Text()
    parser.feed((tmp_path / "org.html").read_text("utf-8"))
    shown = " ".join(" ".join(parser.chunks).split())
    for text in (words, shown):
        assert f"{said} Children First" in text, text[:300]
