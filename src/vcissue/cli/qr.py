"""``vcissue qr``: write a credential's QR code as SVG or PNG (adapter: files)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import MalformedInput
from ..qr import encode_payload, encode_payload_v1, make_qr, register_url, verifier_link
from ..strictjson import parse_object

# 0.5 mm a module: a phone reads it from an A4 sheet at arm's length (docs/qr.md).
SVG_MODULE_MM = 0.5
# 8 px a module: crisp when placed at 0.5 mm (406 dpi) and easy for any decoder.
PNG_MODULE_PX = 8
QUIET_ZONE = 4  # modules of white border the QR standard requires


def load_credential(path: str) -> dict[str, Any]:
    """A credential file through the one strict parser (size, depth, duplicate keys)."""
    return parse_object(Path(path).read_bytes())


def payload_for(vc: dict[str, Any], base_url: str | None, args: Any = None) -> str:
    if base_url is None:
        if args is not None and args.v1:
            return encode_payload_v1(vc)
        from .render import printing_options  # the same options as vcissue render

        url, pack, _ = printing_options(args, vc) if args is not None else (None, None, None)
        payload = encode_payload(vc, pack)
        return verifier_link(url, payload) if url else payload
    credential_id = vc.get("id")
    if not isinstance(credential_id, str):
        raise MalformedInput("the credential has no string 'id' to link to")
    return register_url(base_url, credential_id)


def cmd_qr(args: argparse.Namespace) -> int:
    output = Path(args.output)
    kind = output.suffix.lower().lstrip(".")
    if kind not in ("svg", "png"):
        raise MalformedInput(f"output must end in .svg or .png, not {output.name!r}")
    payload = payload_for(load_credential(args.credential), args.url, args)
    symbol = make_qr(payload)
    output.parent.mkdir(parents=True, exist_ok=True)
    if kind == "svg":
        symbol.save(
            str(output), kind="svg", scale=SVG_MODULE_MM, unit="mm", border=QUIET_ZONE, xmldecl=True
        )
    else:
        symbol.save(str(output), kind="png", scale=PNG_MODULE_PX, border=QUIET_ZONE)
    modules, _ = symbol.symbol_size(scale=1, border=0)
    form = (
        "online (register link)"
        if args.url
        else "verifier link (whole credential in the fragment)"
        if payload.startswith(("HTTP", "http"))
        else "offline (whole credential)"
    )
    print(
        f"wrote {output}: {form} payload, {len(payload)} characters, QR {symbol.designator} "
        f"({symbol.mode} mode), {modules}x{modules} modules; at {SVG_MODULE_MM} mm a module "
        f"{(modules + 2 * QUIET_ZONE) * SVG_MODULE_MM:g} mm wide with the quiet zone"
    )
    return 0


def cmd_qr_pack(args: argparse.Namespace) -> int:
    from ..settings import load_settings
    from ..webapp.bundle import deployment_packs

    settings = load_settings(args.config)
    packs, current = deployment_packs(settings)
    for scheme, pack in sorted(current.items()):
        print(f"current pack for {scheme}: {pack.name} {pack.pack_id} "
              f"({len(pack.dictionary)} bytes)")  # fmt: skip
    print(f"{len(packs)} pack(s) kept in {settings.packs_dir}")
    return 0


def register(commands: Any) -> None:
    pack = commands.add_parser(
        "qr-pack",
        help="keep the current scheme pack of each qualification in [verifier] packs_dir "
        "(render, qr, verifier-bundle --config and the service do this too)",
    )
    pack.add_argument("--config", metavar="FILE", help="the deployment's vcissue.toml")
    pack.set_defaults(handler=cmd_qr_pack)
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
    qr.add_argument(
        "--v1", action="store_true", help="the first format (VC1: zlib + Base45, no pack)"
    )
    from .render import add_printing_options

    add_printing_options(qr)
    qr.set_defaults(handler=cmd_qr)
