"""``vcissue qr``: write a credential's QR code as SVG or PNG (adapter: files)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import MalformedInput
from ..qr import encode_payload, make_qr, register_url
from ..strictjson import parse_object

# 0.5 mm a module: a phone reads it from an A4 sheet at arm's length (docs/qr.md).
SVG_MODULE_MM = 0.5
# 8 px a module: crisp when placed at 0.5 mm (406 dpi) and easy for any decoder.
PNG_MODULE_PX = 8
QUIET_ZONE = 4  # modules of white border the QR standard requires


def load_credential(path: str) -> dict[str, Any]:
    """A credential file through the one strict parser (size, depth, duplicate keys)."""
    return parse_object(Path(path).read_bytes())


def payload_for(vc: dict[str, Any], base_url: str | None) -> str:
    if base_url is None:
        return encode_payload(vc)
    credential_id = vc.get("id")
    if not isinstance(credential_id, str):
        raise MalformedInput("the credential has no string 'id' to link to")
    return register_url(base_url, credential_id)


def cmd_qr(args: argparse.Namespace) -> int:
    output = Path(args.output)
    kind = output.suffix.lower().lstrip(".")
    if kind not in ("svg", "png"):
        raise MalformedInput(f"output must end in .svg or .png, not {output.name!r}")
    payload = payload_for(load_credential(args.credential), args.url)
    symbol = make_qr(payload)
    output.parent.mkdir(parents=True, exist_ok=True)
    if kind == "svg":
        symbol.save(
            str(output), kind="svg", scale=SVG_MODULE_MM, unit="mm", border=QUIET_ZONE, xmldecl=True
        )
    else:
        symbol.save(str(output), kind="png", scale=PNG_MODULE_PX, border=QUIET_ZONE)
    modules, _ = symbol.symbol_size(scale=1, border=0)
    form = "online (register link)" if args.url else "offline (whole credential)"
    print(
        f"wrote {output}: {form} payload, {len(payload)} characters, QR {symbol.designator} "
        f"({symbol.mode} mode), {modules}x{modules} modules; at {SVG_MODULE_MM} mm a module "
        f"{(modules + 2 * QUIET_ZONE) * SVG_MODULE_MM:g} mm wide with the quiet zone"
    )
    return 0


def register(commands: Any) -> None:
    qr = commands.add_parser(
        "qr", help="write the QR code of a credential (offline payload, or --url for a link)"
    )
    qr.add_argument("credential", help="signed credential JSON file")
    qr.add_argument("-o", "--output", required=True, help="cert.svg or cert.png")
    qr.add_argument(
        "--url",
        metavar="BASE",
        help="encode the online form BASE/register/<credential id> instead of the credential",
    )
    qr.set_defaults(handler=cmd_qr)
