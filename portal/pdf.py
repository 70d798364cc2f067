"""PDFs from HTML with WeasyPrint, which may read the app's own static files and nothing else.

A page rendered into a PDF names its stylesheets and images with `static_asset(filename)`;
those URLs sit under a reserved origin that no network resolves (`.invalid`), and the
fetcher answers them from the static folders on disk. Any other URL (another host, a
`file://` path, `data:`, a path that climbs out of a static folder) is refused, so a
document can never make the server fetch something on its behalf.
"""

import mimetypes
import os
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

#: Where the documents' static files appear to live; the fetcher serves them from disk.
ASSET_ORIGIN = "https://assets.portal.invalid"


class ResourceRefused(ValueError):
    """A document asked for something other than one of the app's static files."""


def static_folders(app: Flask) -> list[tuple[str, str]]:
    """(URL path prefix, folder) of the app's and its blueprints' static files, longest first."""
    folders = []
    if app.has_static_folder:
        folders.append((app.static_url_path, app.static_folder))
    for blueprint in app.blueprints.values():
        if blueprint.has_static_folder:
            prefix = (blueprint.url_prefix or "") + (blueprint.static_url_path or "")
            folders.append((prefix, blueprint.static_folder))
    return sorted(folders, key=lambda folder: len(folder[0]), reverse=True)


def static_asset(filename: str, app: Flask | None = None) -> str:
    """The URL a PDF's HTML uses for one of the app's own static files."""
    app = app or current_app
    return f"{ASSET_ORIGIN}{app.static_url_path}/{filename}"


class StaticFilesOnly(URLFetcher):
    """WeasyPrint's URL fetcher, reduced to the app's static files read from disk."""

    def __init__(self, app: Flask):
        super().__init__(allowed_protocols=())
        self._folders = static_folders(app)

    def fetch(self, url, headers=None):
        path = self.local_path(url)
        if path is None:
            raise ResourceRefused(f"only the portal's static files may be used, not {url[:200]}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def local_path(self, url: str) -> str | None:
        """The file on disk `url` names, or None when it is not one of the static files."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != ASSET_ORIGIN or parts.query:
            return None
        path = unquote(parts.path)
        for prefix, folder in self._folders:
            if path.startswith(prefix + "/"):
                local = safe_join(folder, path[len(prefix) + 1 :])
                return local if local is not None and os.path.isfile(local) else None
        return None


def render_pdf(html: str, app: Flask | None = None) -> bytes:
    """The PDF of `html`, whose relative links resolve among the static files."""
    app = app or current_app._get_current_object()
    document = HTML(string=html, base_url=ASSET_ORIGIN + "/", url_fetcher=StaticFilesOnly(app))
    return document.write_pdf()
