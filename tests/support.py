"""Assertion helpers shared by the test packages."""

import os

import pytest
from sqlalchemy import select

from portal.extensions import db


def api_error(response, status: int, code: str | None = None) -> dict:
    """Check that `response` is docs/api.md's error body with `status` (and `code`); return it."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message", "fields"} <= set(error)
    assert error["code"].isidentifier() and error["code"] == error["code"].lower()
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


def database_text() -> str:
    """Every row of every table as text, to look for values that must not be stored."""
    db.session.expire_all()
    lines = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            lines.append(repr(tuple(row)))
    return "\n".join(lines)


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


#: For modules whose subject does not depend on the database (the demo's content, say):
#: they run on the SQLite pass only, keeping the PostgreSQL pass within CI's time.
SQLITE_PASS_ONLY = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="the same on either database: checked on the SQLite pass",
)
