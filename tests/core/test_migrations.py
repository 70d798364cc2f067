"""The migrations build the schema the models describe, and unwind completely.

Each test works on a scratch database of the same kind as the suite's (a new SQLite
file, or a new PostgreSQL database on the same server), never the shared test database.
"""

import logging
import os
import uuid

import pytest
from flask_migrate import check, downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db


@pytest.fixture
def scratch_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite'}"
        return
    name = f"scratch_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_app(scratch_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=scratch_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_creates_every_model_table(scratch_app):
    upgrade()
    assert {t.name for t in db.metadata.sorted_tables} <= _tables()


def test_models_and_migrations_do_not_drift(scratch_app):
    upgrade()
    # Raises if autogenerate would write a new revision (a column, index, constraint...).
    check()


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(scratch_app):
    upgrade()
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert {t.name for t in db.metadata.sorted_tables} <= _tables()


def test_upgrading_leaves_the_apps_own_loggers_working(scratch_app):
    """`serve` upgrades the database in the running app: Alembic's logging set-up must not
    disable the loggers that already exist, or every later error would go unlogged."""
    upgrade()
    assert not scratch_app.logger.disabled
    assert not logging.getLogger("portal.periodic").disabled
