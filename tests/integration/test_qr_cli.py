"""``vcissue qr`` as a user runs it: the command writes the file, a real decoder reads it."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.cli import vcissue
from tests.factories import AWARDED, Body, ecomentor
from tests.qrscan import scan, scan_file
from vcissue.errors import QrPayloadError
from vcissue.qr import decode_payload, parse_register_url
from vcissue.qrpack import PackSet, build_pack
from vcissue.verify import verify_credential

ROOT = Path(__file__).resolve().parents[2]
HOLDER = "Zoë Ørsted-Łukasiewicz"


def _write(path: Path, vc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(vc, indent=2, ensure_ascii=False), "utf-8")
    return path


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_png_decodes_to_the_same_credential_which_still_verifies(
    tmp_path: Path, suite: str
) -> None:
    body = Body()
    vc = body.issue(HOLDER, suite=suite)
    out = vcissue("qr", str(_write(tmp_path / "ana.json", vc)), "-o", "cert.png", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert re.search(r"QR \d+-[MQH] \(alphanumeric mode\)", out.stdout), out.stdout

    [text] = scan_file(tmp_path / "cert.png")
    assert text.startswith("VC2:")
    decoded = decode_payload(text)
    assert decoded == vc
    result = verify_credential(decoded, trust=body.trust, now=AWARDED)
    assert result.verified, result.to_json()


def test_verifier_link_with_a_pack_is_small_and_scans(tmp_path: Path) -> None:
    """The printed form: HTTPS://HOST/V#VC2:... against the scheme's pack, mixed-mode QR."""
    body = Body()
    vc = body.issue(HOLDER)
    pack = build_pack(ecomentor(), body.profile, status_base_url="https://certification.example/s")
    (tmp_path / "pack.json").write_text(json.dumps(pack.to_json()), "utf-8")
    out = vcissue(
        "qr", str(_write(tmp_path / "ana.json", vc)), "-o", "cert.png", "--pack", "pack.json",
        "--verifier-url", "https://certification.example/V", cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "verifier link" in out.stdout
    [text] = scan_file(tmp_path / "cert.png")
    assert text.startswith("HTTPS://CERTIFICATION.EXAMPLE/V#VC2:")
    assert decode_payload(text, PackSet([pack])) == vc
    with pytest.raises(QrPayloadError, match=f"scheme pack {pack.pack_id}"):
        decode_payload(text)
    version = int(re.search(r"QR (\d+)-M", out.stdout).group(1))  # type: ignore[union-attr]
    assert version <= 14, out.stdout


def test_unit_credential_png(tmp_path: Path) -> None:
    body = Body()
    vc = body.issue(HOLDER, units=("U2",))
    out = vcissue("qr", str(_write(tmp_path / "u2.json", vc)), "-o", "u2.png", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    [text] = scan_file(tmp_path / "u2.png")
    assert verify_credential(decode_payload(text), trust=body.trust, now=AWARDED).verified


def test_online_form_with_url(tmp_path: Path) -> None:
    vc = Body().issue(HOLDER)
    out = vcissue(
        "qr",
        str(_write(tmp_path / "ana.json", vc)),
        "-o",
        "link.png",
        "--url",
        "https://certification.example/body",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "byte mode" in out.stdout
    [text] = scan_file(tmp_path / "link.png")
    assert text == f"https://certification.example/body/register/{vc['id']}"
    assert parse_register_url(text).credential_id == vc["id"]


def _svg_modules(path: Path) -> tuple[float, list[tuple[int, int, int]]]:
    """Width in mm and the dark runs (x, y, length) of segno's one-path SVG."""
    root = ET.parse(path).getroot()
    width = float(root.attrib["width"].removesuffix("mm"))
    [path_element] = root.iter("{http://www.w3.org/2000/svg}path")
    runs, x, y = [], 0.0, 0.0
    for command, numbers in re.findall(r"([Mmh])([-\d. ]+)", path_element.attrib["d"]):
        values = [float(v) for v in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            runs.append((int(x), int(y), int(values[0])))
            x += values[0]
    return width, runs


def test_svg_is_print_sized_and_decodes(tmp_path: Path) -> None:
    body = Body()
    vc = body.issue(HOLDER)
    out = vcissue("qr", str(_write(tmp_path / "ana.json", vc)), "-o", "cert.svg", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    width_mm, runs = _svg_modules(tmp_path / "cert.svg")
    modules = max(x + length for x, _, length in runs) + 4  # plus the right quiet zone
    assert width_mm == modules * 0.5  # 0.5 mm a module, as docs/qr.md says
    # Rasterise the vector runs ourselves (4 px a module) and read them with zxing-cpp.
    image = Image.new("L", (modules * 4, modules * 4), 255)
    draw = ImageDraw.Draw(image)
    for x, y, length in runs:
        draw.rectangle((x * 4, y * 4, (x + length) * 4 - 1, y * 4 + 3), fill=0)
    [text] = scan(image)
    assert verify_credential(decode_payload(text), trust=body.trust, now=AWARDED).verified


@pytest.mark.parametrize(
    ("content", "output", "message"),
    [
        (b"not json", "x.png", "[malformed-input]"),
        (b'{"a":1,"a":2}', "x.png", "duplicate key"),
        (b"[]", "x.png", "must be a JSON object"),
        (b'{"id":"urn:uuid:1"}', "x.pdf", "must end in .svg or .png"),
    ],
)
def test_bad_input_is_a_typed_error(
    tmp_path: Path, content: bytes, output: str, message: str
) -> None:
    (tmp_path / "in.json").write_bytes(content)
    out = vcissue("qr", "in.json", "-o", output, cwd=tmp_path)
    assert out.returncode == 3
    assert message in out.stderr
    assert not (tmp_path / output).exists()


def test_url_needs_a_credential_id_and_a_good_base(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text('{"name": "no id"}')
    out = vcissue("qr", "in.json", "-o", "x.png", "--url", "https://a.example", cwd=tmp_path)
    assert out.returncode == 3 and "no string 'id'" in out.stderr
    _write(tmp_path / "ok.json", Body().issue())
    out = vcissue("qr", "ok.json", "-o", "x.png", "--url", "https://a.example/", cwd=tmp_path)
    assert out.returncode == 3 and "[qr-payload]" in out.stderr
