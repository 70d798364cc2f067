"""The evidence attached in the demo, made here: a small PNG and short text logs."""

import struct
import zlib
from datetime import datetime, timedelta


def demo_png() -> bytes:
    """A small screenshot-like PNG: a grey window with a red error bar (made here, no file)."""
    width, height = 96, 48
    rows = []
    for y in range(height):
        colour = b"\xd9\x2d\x20" if 16 <= y < 28 else b"\xf2\xf2\xf2"
        rows.append(b"\x00" + colour * width)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


#: The text files attached in the demo: lines of (seconds before the upload, line).
TEXT_FILES = {
    "web-tier.log": (
        (240, "INFO  web.1 started, 8 workers"),
        (180, "WARN  auth backend not ready (waiting for cache 0/3), retrying in 5s"),
        (120, "ERROR upstream returned 502 for POST /login"),
        (60, "ERROR upstream returned 502 for POST /login (x 1,184 in the last minute)"),
    ),
    "orbit-server-peak.log": (
        (900, "INFO  db.pool size=20 overflow=10 in use=18"),
        (600, "WARN  db.pool in use=30: waiting for a connection"),
        (300, "ERROR QueuePool limit of size 20 overflow 10 reached, timed out after 30s"),
        (240, "ERROR GET /projects/4411 failed after 30012 ms"),
    ),
    "invitation.ics.txt": (
        (0, "BEGIN:VEVENT"),
        (0, "DTSTART:20261103T150000Z"),
        (0, "SUMMARY:Quarterly review (created for 10:00 New York time)"),
        (0, "END:VEVENT"),
    ),
}


def demo_text_file(name: str, at: datetime) -> bytes:
    """A short log (timestamped up to `at`) or text file, as a technician would attach it."""
    lines = [
        (f"{(at - timedelta(seconds=before)).isoformat(timespec='seconds')} " if before else "")
        + text
        for before, text in TEXT_FILES[name]
    ]
    return ("\n".join(lines) + "\n").encode()


def demo_file(name: str, at: datetime) -> bytes:
    """The bytes of the demo's attachment `name`, uploaded at `at`."""
    return demo_png() if name.endswith(".png") else demo_text_file(name, at)
