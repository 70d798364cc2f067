"""Paging for the HTML lists: the page number from the query string, made safe."""

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.extensions import db

#: Far beyond any real list; keeps OFFSET within the databases' 64-bit integers.
MAX_PAGE = 1_000_000


def requested_page() -> int:
    """`?page=` as a number from 1 to MAX_PAGE; anything else reads as the first page."""
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def paginate_rows(stmt: Select, per_page: int | None = None) -> Pagination:
    """One page of `stmt` for a list page (an empty page past the end, never an error)."""
    return db.paginate(
        stmt,
        page=requested_page(),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
    )
