"""Ids from URLs and query strings, kept within the database's integer range.

Every primary key is a 32-bit integer. A larger number cannot name a row, and
PostgreSQL refuses to compare an integer column with it ("integer out of range"),
so such ids are turned away as "not found" before any query runs.
"""

from flask import abort, request
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every URL rule: a number beyond DB_INT_MAX matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(
            map, fixed_digits, min=min, max=DB_INT_MAX if max is None else max, signed=signed
        )


def as_id(value) -> int | None:
    """`value` as a storable id (0..DB_INT_MAX), or None."""
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 10:
            return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= DB_INT_MAX else None


def query_id(name: str) -> int | None:
    """An id from the query string: None when absent or empty, 404 when it cannot be one."""
    raw = request.args.get(name, "")
    if raw == "":
        return None
    number = as_id(raw)
    if number is None:
        abort(404)
    return number
