"""Test fixtures: one app per session, a clean database per test, factories, clients.

The database is SQLite (a file in a temp dir) unless TEST_DATABASE_URL names a
PostgreSQL database; `.ci/test` runs the suite once on each. The schema is built by
the Alembic migrations, as in production; every test starts from empty tables.

The `world` and `esc` fixtures are built once a session and then restored from a cache
(tests/world_cache.py): the same rows, ids and sequence positions as a fresh build, for a
few bulk inserts. TEST_WORLD_CACHE=0 turns the cache off (every test builds its worlds).
"""

import contextvars
import os

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db, limiter

pytest_plugins = ["tests.factories"]


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server does.

    Tests hold an application context open (for the database), and Flask reuses an
    active application context for test-client requests, so whatever extensions keep in
    `g` (the signed-in user, the CSRF token) would leak from one request, and one
    client, to the next. The test's own session keeps its objects: call
    `db.session.expire_all()` before reading what a request changed.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    )
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            # TRUNCATE costs about 2 ms per table even when it is empty, and most tests
            # write to a few tables: empty only those, and restart every sequence used.
            probe = " UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables
            )
            written = conn.execute(text(probe)).scalars().all()
            if written:
                conn.execute(text(f"TRUNCATE {', '.join(written)} CASCADE"))
            conn.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                    "FROM pg_sequences WHERE last_value IS NOT NULL"
                )
            )
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Each test runs in an app context over empty tables, with fresh rate limits."""
    with app.app_context():
        limiter.reset()
        yield
        db.session.remove()
        _empty_all_tables()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_off(app):
    """Disable CSRF for one test that is about something else (CSRF has its own tests)."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def count_queries(app):
    """Counts SQL statements run while the returned counter is active (N+1 guard)."""

    class Counter:
        def __init__(self):
            self.count = 0

        def __enter__(self):
            event.listen(db.engine, "before_cursor_execute", self._inc)
            return self

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self._inc)

        def _inc(self, *args, **kwargs):
            self.count += 1

    return Counter
