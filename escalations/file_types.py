"""An attachment's type, judged from its content (never its name or the client's header).

Accepted: plain text and logs, images (PNG, JPEG, GIF, WebP), PDF, and archives (zip,
gzip, tar). Anything else (executables, scripts in binary formats...) is refused.
"""

import puremagic

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
ALLOWED_TYPES = IMAGE_TYPES | {
    "text/plain",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-tar",
}
ALLOWED_DESCRIPTION = "text or log files, PNG/JPEG/GIF/WebP images, PDF, zip, gzip or tar"

_ALIASES = {"application/x-gzip": "application/gzip", "image/jpg": "image/jpeg"}
_SNIFF_BYTES = 8192


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:_SNIFF_BYTES]:
        return False
    try:
        data[:_SNIFF_BYTES].decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sniffing boundary is still text.
        return exc.start >= _SNIFF_BYTES - 4
    return True


def _magic_type(data: bytes) -> str | None:
    try:
        guess = puremagic.from_string(data[: _SNIFF_BYTES * 8], mime=True)
    except (puremagic.PureError, ValueError):
        return None
    return _ALIASES.get(guess, guess) or None


def content_type_of(data: bytes) -> str | None:
    """The MIME type of `data` when it is an accepted kind, else None."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        # A zip archive (a support bundle); the library would guess an office format
        # from the same signature.
        return "application/zip"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "application/x-tar"
    guess = _magic_type(data)
    if guess in ALLOWED_TYPES:
        return guess
    if guess is None and data and _is_text(data):
        return "text/plain"
    return None
