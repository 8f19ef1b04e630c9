"""Read QR codes back from images with a real decoder (zxing-cpp), as a phone app would."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image


def scan(image: Image.Image) -> list[str]:
    """The text of every QR code zxing-cpp finds in ``image``."""
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image.convert("L"))
        if barcode.format == zxingcpp.BarcodeFormat.QRCode and barcode.valid
    ]


def scan_file(path: Path) -> list[str]:
    with Image.open(path) as image:
        return scan(image)
