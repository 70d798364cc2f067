"""Revision 0003 normalises stored e-mail addresses, and refuses to merge two accounts."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal.extensions import db
from tests.core.test_migrations import scratch_app, scratch_url  # noqa: F401 (fixtures)


def _add_user(email: str) -> None:
    db.session.execute(
        text(
            "INSERT INTO users (email, name, role, status)"
            " VALUES (:e, 'X', 'vendor_admin', 'active')"
        ),
        {"e": email},
    )
    db.session.commit()


def test_upgrade_normalises_stored_addresses(scratch_app):  # noqa: F811
    upgrade(revision="0002_knowledge_base")
    _add_user("ｂｏｓｓ@Vendor.Example")
    upgrade(revision="0003_login_sessions")
    assert db.session.scalar(text("SELECT email FROM users")) == "boss@vendor.example"


def test_upgrade_stops_when_two_addresses_would_become_one(scratch_app):  # noqa: F811
    upgrade(revision="0002_knowledge_base")
    _add_user("boss@vendor.example")
    _add_user("ｂｏｓｓ@vendor.example")
    # Flask-Migrate reports the migration's error and exits.
    with pytest.raises(SystemExit):
        upgrade(revision="0003_login_sessions")
    db.session.rollback()
    emails = db.session.scalars(text("SELECT email FROM users ORDER BY id")).all()
    assert emails == ["boss@vendor.example", "ｂｏｓｓ@vendor.example"]
