"""The qualification's accreditation on the printed certificate (issue 13 §4): ``vcissue
render --config`` prints the accrediting body, number and statement of the credential's
qualification in both renderers (the PDF read back with poppler's pdftotext); a
qualification without one prints none, and the brand's body-wide number is the fallback."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from tests.factories import Body, ecomentor
from tests.integration.test_cli_lifecycle import deployment, run, staff  # noqa: F401
from tests.integration.test_render import _need, _run
from vcissue.brand import Brand
from vcissue.model.scheme import Accreditation
from vcissue.render import certificate, certificate_view
from vcissue.render.template import Signatures

ACCREDITED = "Croatian Accreditation Agency (example), accreditation no. HAA-Cert-0001 (example)"
STATEMENT = "Accredited to ISO/IEC 17024 for the certification of EcoMentor mentors (example)."


def _words(text: str) -> str:
    return " ".join(text.split())


def test_render_prints_the_qualifications_accreditation_in_pdf_and_html(
    deployment: Path,  # noqa: F811
    staff: dict[str, str],  # noqa: F811
) -> None:
    for name, language in (("Ana Novak", "en"), ("Ivana Horvat", "hr")):
        code, _, err = run(
            deployment, "issue", "--qualification", "ecomentor", "--holder-name", name,
            "--holder-language", language, "-o", f"{language}.json", key=staff["registrar"],
        )  # fmt: skip
        assert code == 0, err
        for suffix in ("pdf", "html"):
            code, _, err = run(
                deployment, "render", f"{language}.json", "-o", f"{language}.{suffix}"
            )
            assert code == 0, err
    pdf = _words(_run(_need("pdftotext"), str(deployment / "en.pdf"), "-"))
    assert ACCREDITED in pdf and STATEMENT in pdf
    html = _words((deployment / "en.html").read_text())
    assert ACCREDITED in html and STATEMENT in html
    croatian = "Croatian Accreditation Agency (example), broj akreditacije HAA-Cert-0001 (example)"
    assert croatian in _words(_run(_need("pdftotext"), str(deployment / "hr.pdf"), "-"))
    assert croatian in _words((deployment / "hr.html").read_text())
    # a credential this deployment did not issue: nothing known about its accreditation
    foreign = deployment / "foreign.json"
    foreign.write_text(json.dumps(Body().issue("Bo Li"), ensure_ascii=False), "utf-8")
    code, _, err = run(deployment, "render", "foreign.json", "-o", "foreign.pdf")
    assert code == 0, err
    assert "accreditation no." not in _run(_need("pdftotext"), str(deployment / "foreign.pdf"), "-")


def test_the_qualification_decides_and_the_brand_is_the_fallback() -> None:
    view = certificate_view(Body().issue("Bo Li"))
    brand = Brand(name="EcoMentor", signatory_name="Ana", accreditation_number="BODY-1")

    def signatures(accreditation: Accreditation | None) -> Signatures:
        document = certificate(view, brand=brand, accreditation=accreditation)
        return next(b for b in document.blocks if isinstance(b, Signatures))

    scheme = ecomentor().accreditation
    assert scheme is not None
    assert (signatures(scheme).accreditation, signatures(scheme).statement) == (
        ACCREDITED, STATEMENT
    )  # fmt: skip
    assert signatures(None).accreditation == "Accreditation no. BODY-1"
    bare = certificate(view, brand=Brand(name="EcoMentor"), accreditation=None)
    assert not any(isinstance(b, Signatures) for b in bare.blocks)  # nothing to print
    other = replace(scheme, body="Another Agency", number="X-9", statement="")
    assert signatures(other).accreditation == "Another Agency, accreditation no. X-9"
