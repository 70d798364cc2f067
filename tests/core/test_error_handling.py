"""What the portal answers when something fails: our page or docs/api.md's error body, our
headers, a log record, and nothing saved; a constraint refusal is a 409, never a 500.
"""

import contextlib
import logging
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from portal import create_app
from portal.access import public
from portal.config import ProductionConfig, TestConfig
from portal.db_errors import violated_constraint
from portal.extensions import db
from portal.models import Customer, User
from tests.factories import Browser, bearer, make_customer, signed_in
from tests.support import api_error, row_counts


@pytest.fixture
def failing_app(app):
    """A second app on the test database, which does not re-raise errors as tests usually do,
    with routes that fail in the ways a real bug would."""
    other = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        PROPAGATE_EXCEPTIONS=False,
    )

    @other.get("/broken-after-a-failed-query")
    @public
    def broken_after_a_failed_query():
        # On PostgreSQL this aborts the transaction: every later query is refused.
        with contextlib.suppress(DBAPIError):
            db.session.execute(text("SELECT * FROM no_such_table"))
        raise RuntimeError("a bug in a view")

    @other.get("/api/v1/broken")
    @public
    def broken_api():
        raise RuntimeError("a bug in an API handler")

    @other.get("/api/v1/duplicate-customer/<int:partner_id>")
    @public
    def duplicate_customer(partner_id):
        db.session.add(Customer(partner_id=partner_id, name="Acme Customer", seats=1))
        db.session.commit()
        return {}, 201

    @other.get("/value-too-big")
    @public
    def value_too_big():
        raise DataError("SELECT", {}, Exception("integer out of range"))

    with other.app_context():
        yield other
        db.session.remove()
        db.engine.dispose()


def _signed_in_client(app, user):
    client = app.test_client()
    assert Browser(client).login(user.email).status_code == 302
    return client


def test_unexpected_error_answers_our_page_with_headers_and_is_logged(failing_app, world, caplog):
    client = _signed_in_client(failing_app, world.user("acme_admin"))
    with caplog.at_level(logging.ERROR):
        response = client.get("/broken-after-a-failed-query")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    # Our page, navigation included: rendering it queried the database after the rollback.
    assert "Something went wrong" in page and "Sign out" in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert any(r.exc_info and "a bug in a view" in str(r.exc_info[1]) for r in caplog.records)


def test_unexpected_api_error_answers_the_json_error_body(failing_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get("/api/v1/broken")
    api_error(response, 500, "internal_error")
    assert "Content-Security-Policy" in response.headers
    assert any(r.exc_info for r in caplog.records)


def test_a_unique_constraint_refusal_is_a_409_naming_the_field(failing_app, world):
    before = row_counts()
    response = failing_app.test_client().get(f"/api/v1/duplicate-customer/{world.acme.id}")
    error = api_error(response, 409, "conflict")
    assert error["fields"] == {"name": "This partner already has a customer with this name."}
    assert row_counts() == before


def test_a_value_the_database_cannot_hold_is_a_400(failing_app):
    response = failing_app.test_client().get("/value-too-big")
    assert response.status_code == 400
    assert "out of range or too long" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("make_duplicate", "constraint"),
    [
        (lambda w: make_customer(w.acme, "Acme Customer"), "uq_customers_partner_name"),
        (
            lambda w: (
                db.session.add(User(email="tech@acme.example", name="Twin", role="vendor_admin"))
                or db.session.flush()
            ),
            "uq_users_email",
        ),
    ],
)
def test_the_violated_constraint_is_named_on_both_databases(world, make_duplicate, constraint):
    with pytest.raises(IntegrityError) as refused:
        make_duplicate(world)
    db.session.rollback()
    assert violated_constraint(refused.value) == constraint


def _post_concurrently(clients, path, data, form_page):
    """Post the same form from every client at once; the list of statuses."""
    tokens = [Browser(c).csrf_token(form_page) for c in clients]
    start = threading.Barrier(len(clients))
    statuses = [None] * len(clients)

    def post(i):
        start.wait()
        statuses[i] = clients[i].post(path, data={**data, "csrf_token": tokens[i]}).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_simultaneous_identical_customers_make_one_and_no_500(app, world):
    clients = [signed_in(app, world.user("acme_admin")) for _ in range(8)]
    statuses = _post_concurrently(
        clients,
        f"/partners/{world.acme.id}/customers",
        {"name": "Initech", "seats": "40"},
        "/partners/mine/customers",
    )
    assert statuses.count(302) == 1, statuses
    assert set(statuses) <= {302, 400, 409}, statuses
    db.session.expire_all()
    assert len(db.session.scalars(select(Customer).where(Customer.name == "Initech")).all()) == 1


def test_simultaneous_identical_technicians_make_one_and_no_500(app, world):
    clients = [signed_in(app, world.user("acme_admin")) for _ in range(8)]
    statuses = _post_concurrently(
        clients,
        f"/partners/{world.acme.id}/technicians",
        {"email": "twin@acme.example", "name": "Twin"},
        "/partners/mine/technicians",
    )
    assert statuses.count(302) == 1, statuses
    assert set(statuses) <= {302, 400, 409}, statuses
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "twin@acme.example")) is not None


def test_production_sends_hsts_and_secure_cookies(app):
    production = create_app(
        ProductionConfig,
        SECRET_KEY="a-real-secret-for-this-test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    assert (
        production.config["SESSION_COOKIE_SECURE"] and production.config["REMEMBER_COOKIE_SECURE"]
    )
    assert production.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    with production.app_context():
        response = production.test_client().get("/login")
        db.session.remove()
        db.engine.dispose()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_development_and_tests_send_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("param", ["page", "per_page"])
def test_an_empty_paging_parameter_is_refused(client, world, param):
    response = client.get(f"/api/v1/partners?{param}=", headers=bearer(world.user("vendor_admin")))
    error = api_error(response, 400, "invalid_query")
    assert param in error["fields"]
