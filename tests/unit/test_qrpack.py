"""Scheme packs, the printed verifier link, and the translation catalogues."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.factories import Body, ecomentor
from vcissue import qr
from vcissue.brand import Brand, Image
from vcissue.errors import QrPayloadError, VcissueError
from vcissue.i18n import long_date, translator
from vcissue.qrpack import MAX_DICTIONARY_BYTES, PackSet, SchemePack, build_pack

ROOT = Path(__file__).resolve().parents[2]
STATUS = "https://certification.example/status-lists"


def test_pack_is_deterministic_content_addressed_and_round_trips() -> None:
    body = Body()
    pack = build_pack(ecomentor(), body.profile, status_base_url=STATUS)
    again = build_pack(ecomentor(), body.profile, status_base_url=STATUS)
    assert pack == again and len(pack.pack_id) == 8
    assert 0 < len(pack.dictionary) <= MAX_DICTIONARY_BYTES
    assert SchemePack.from_json(json.loads(json.dumps(pack.to_json()))) == pack
    damaged = {**pack.to_json(), "id": "00000001"}
    with pytest.raises(QrPayloadError, match="damaged"):
        SchemePack.from_json(damaged)
    other = build_pack(ecomentor(), body.profile, status_base_url=STATUS + "/v2")
    assert other.pack_id != pack.pack_id  # another deployment text: another pack


def test_a_pack_shrinks_the_payload_and_decoding_needs_it() -> None:
    body = Body()
    pack = build_pack(ecomentor(), body.profile, status_base_url=STATUS)
    vc = body.issue("Zoë Ørsted-Łukasiewicz")
    small, plain = qr.encode_payload(vc, pack), qr.encode_payload(vc)
    assert len(small) * 3 < len(plain)
    assert qr.decode_payload(small, PackSet([pack])) == vc
    with pytest.raises(QrPayloadError, match=f"scheme pack {pack.pack_id}"):
        qr.decode_payload(small)
    link = qr.verifier_link("https://certification.example/V", small)
    assert qr.make_qr(link).version <= 14


@pytest.mark.parametrize(
    "url",
    ["https://certs.example/v", "https://certs.example/V?x=1", "ftp://certs.example/V",
     "https://user@certs.example/V", "https://certs.example/V%20"],
)  # fmt: skip
def test_printed_url_must_stay_alphanumeric(url: str) -> None:
    with pytest.raises(QrPayloadError):
        qr.printed_url(url)


def test_printed_url_upper_cases_scheme_and_host() -> None:
    assert qr.printed_url("https://Certs.Example:8443/V") == "HTTPS://CERTS.EXAMPLE:8443/V"


def test_base43_refuses_what_a_url_cannot_carry() -> None:
    data = bytes(range(256))
    assert qr.base43_decode(qr.base43_encode(data)) == data
    for bad in (" ", "%", "a"):
        with pytest.raises(QrPayloadError, match="not Base43"):
            qr.base43_decode("00" + bad)


def test_croatian_catalogue_and_dates() -> None:
    _ = translator("hr-HR")
    assert _("VALID") == "VAŽEĆE"
    assert _("Accreditation no. {number}", number="X-1") == "Broj akreditacije: X-1"
    assert _("no such message") == "no such message"  # untranslated: English, never blank
    assert long_date(date(2026, 3, 2), "hr") == "2. ožujka 2026."
    assert long_date(date(2026, 3, 2), "en") == "2 March 2026"
    with pytest.raises(ValueError, match="no catalogue"):
        translator("de")


def test_every_croatian_message_keeps_its_placeholders() -> None:
    messages = json.loads((ROOT / "src/vcissue/i18n/hr.json").read_text("utf-8"))["messages"]
    import re

    for msgid, text in messages.items():
        assert sorted(re.findall(r"\{[a-z]+\}", msgid)) == sorted(
            re.findall(r"\{[a-z]+\}", text)
        ), msgid


def test_brand_from_a_settings_table() -> None:
    png = (ROOT / "src/vcissue/examples/ecomentor/brand-logo.png").read_bytes()
    brand = Brand.from_table(
        {"name": "Body", "logo": "logo.png", "signatory_title": {"en": "Head", "hr": "Voditelj"},
         "labels": {"hr": {"ecomentor": "EkoMentor"}}},
        lambda name: png,
    )  # fmt: skip
    assert brand.logo == Image(png, "image/png")
    assert brand.title("hr") == "Voditelj" and brand.title("de") == "Head"
    assert brand.label("ecomentor/U1", "hr") == "EkoMentor" and brand.label("ecomentor", "en") == ""
    assert brand.page_json()["logo"].startswith("data:image/png;base64,")
    with pytest.raises(VcissueError, match="PNG or JPEG"):
        Brand.from_table({"logo": "x.gif"}, lambda name: b"GIF89a")
    with pytest.raises(VcissueError, match="unknown brand key"):
        Brand.from_table({"colour_scheme": "x"}, lambda name: b"")
