"""Reading a rendered certificate back: the QR codes on its page, as a phone would scan them."""

import subprocess

import zxingcpp
from PIL import Image


def qr_payloads(pdf: bytes, tmp_path) -> list[str]:
    """The text of every QR code on the PDF's first page (rendered by pdftoppm at 100 dpi)."""
    (tmp_path / "certificate.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", "certificate.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    with Image.open(tmp_path / "page.png") as image:
        return [found.text for found in zxingcpp.read_barcodes(image)]
