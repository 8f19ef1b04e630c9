"""``vcissue render``: a printable certificate (PDF or HTML) from a credential file."""

from __future__ import annotations

import argparse
from typing import Any

from ..render import FONT_DIR_ENV, write_certificate
from .qr import load_credential


def cmd_render(args: argparse.Namespace) -> int:
    view = write_certificate(load_credential(args.credential), args.output, font_dir=args.font_dir)
    print(f"wrote {args.output}: {view.kind.lower()} {view.credential_id} for {view.holder_name}")
    return 0


def register(commands: Any) -> None:
    render = commands.add_parser(
        "render", help="write a printable certificate with its QR code (A4 PDF or HTML)"
    )
    render.add_argument("credential", help="signed credential JSON file")
    render.add_argument("-o", "--output", required=True, help="cert.pdf or cert.html")
    render.add_argument(
        "--font-dir",
        help=f"directory with the DejaVu TTF fonts for PDF (default: ${FONT_DIR_ENV}, "
        "else the system's, e.g. Debian's fonts-dejavu-core)",
    )
    render.set_defaults(handler=cmd_render)
