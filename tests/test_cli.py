"""The command-line tools: create-admin, create-token and seed-demo."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Partner, Product, User
from portal.models.users import ApiToken
from portal.users.services import set_status
from tests.support import database_text, row_counts

DEMO_PASSWORD = "demo-password"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args, **kwargs):
        return runner.invoke(args=list(args), **kwargs)

    return invoke


# --- create-admin ------------------------------------------------------------------------


def test_create_admin_makes_a_vendor_admin_who_can_sign_in(run):
    result = run(
        "create-admin",
        "Boss@Vendor.example",
        "--name",
        "The Boss",
        input="long-enough-secret\nlong-enough-secret\n",
    )
    assert result.exit_code == 0, result.output
    admin = User.by_email("boss@vendor.example")
    assert (admin.role, admin.name, admin.partner_id, admin.status) == (
        "vendor_admin",
        "The Boss",
        None,
        "active",
    )
    assert admin.check_password("long-enough-secret")
    assert "long-enough-secret" not in database_text()


def test_create_admin_refuses_a_duplicate_email(run):
    assert run("create-admin", "boss@vendor.example", "--password", "first-secret-1").exit_code == 0
    before = row_counts()
    result = run("create-admin", "BOSS@vendor.example", "--password", "second-secret-2")
    assert result.exit_code != 0
    assert "already uses this e-mail address" in result.output
    assert row_counts() == before
    assert User.by_email("boss@vendor.example").check_password("first-secret-1")


def test_create_admin_refuses_a_short_password(run):
    result = run("create-admin", "boss@vendor.example", "--password", "short")
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    assert User.by_email("boss@vendor.example") is None


def test_create_admin_refuses_an_invalid_email(run):
    result = run("create-admin", "not-an-address", "--password", "long-enough-secret")
    assert result.exit_code != 0 and "email" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


# --- create-token ------------------------------------------------------------------------


def test_create_token_prints_a_token_that_authenticates_the_api(run, client, world):
    result = run("create-token", "tech@acme.example", "--name", "ticketing")
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.get_json()["email"] == "tech@acme.example"
    assert raw not in database_text()
    assert ApiToken.find_active(raw).name == "ticketing"


@pytest.mark.parametrize("email", ["ghost@acme.example", "tech@acme.example"])
def test_create_token_refuses_unknown_or_inactive_users(run, world, email):
    set_status(world.user("acme_tech"), "left")
    db.session.commit()
    result = run("create-token", email)
    assert result.exit_code != 0 and "No active user" in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


# --- seed-demo ---------------------------------------------------------------------------


def test_seed_demo_loads_the_demo_world(run, client):
    result = run("seed-demo")
    assert result.exit_code == 0, result.output
    db.session.expire_all()

    for email, role in [
        ("admin@vendor.example", "vendor_admin"),
        ("manager@vendor.example", "support_manager"),
        ("engineer@vendor.example", "vendor_engineer"),
    ]:
        user = User.by_email(email)
        assert user is not None and user.role == role and user.partner_id is None
    for slug in ("acme", "globex"):
        partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
        assert partner is not None and partner.status == "active"
        for local, role in [
            ("admin", "partner_admin"),
            ("tech", "technician"),
            ("newbie", "technician"),
        ]:
            user = User.by_email(f"{local}@{slug}.example")
            assert (user.role, user.partner_id) == (role, partner.id)
        assert partner.customers, f"{slug} has no customers"
        agreement = partner.agreement_in_force
        assert agreement is not None and agreement.product_minimums

    users = db.session.scalars(select(User)).all()
    assert all(user.check_password(DEMO_PASSWORD) for user in users)
    releases = [r for p in db.session.scalars(select(Product)) for r in p.releases]
    assert {r.supported for r in releases} == {True, False}

    # A demo account signs in to the API straight away.
    token = client.post(
        "/api/v1/tokens", json={"email": "tech@acme.example", "password": DEMO_PASSWORD}
    )
    assert token.status_code == 201


def test_seed_demo_refuses_to_run_twice(run):
    assert run("seed-demo").exit_code == 0
    before = row_counts()
    result = run("seed-demo")
    assert result.exit_code != 0 and "already holds data" in result.output
    assert row_counts() == before


def test_seed_demo_refuses_a_database_with_users(run, world):
    before = row_counts()
    assert run("seed-demo").exit_code != 0
    assert row_counts() == before


def test_serve_runs_the_periodic_checks_in_the_background_until_stopped(app, monkeypatch):
    """The embedded server builds exports and delivers webhooks without a separate worker."""
    import threading

    from portal import periodic
    from portal.cli import start_background_checks

    ran = threading.Event()
    seen_apps = []

    def check(now):
        from flask import current_app

        seen_apps.append(current_app._get_current_object())
        ran.set()
        return 1

    monkeypatch.setattr(periodic, "_checks", {"test.check": check})
    stop = threading.Event()
    thread = start_background_checks(app, interval=0.05, stop=stop)
    try:
        assert ran.wait(5), "the check never ran"
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert seen_apps and all(a is app for a in seen_apps)
