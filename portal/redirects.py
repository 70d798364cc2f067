"""Where to send a browser back to after signing in: a path on this site, or home."""

from urllib.parse import urlsplit

from flask import url_for


def safe_local_path(target: str | None) -> str | None:
    """`target` if it is a plain path on this site, else None.

    Refused: other hosts (`//host`, `/\\host`, `https://host`), and any control
    character or whitespace, which could split headers or be read as a different URL.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def next_or_home(target: str | None) -> str:
    return safe_local_path(target) or url_for("home.index")
