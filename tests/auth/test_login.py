"""Signing in and out of the pages."""

import re
from urllib.parse import urlsplit

import pytest

from portal.extensions import db
from portal.users.services import set_status
from tests.factories import PASSWORD, Browser, signed_in

GENERIC_FAILURE = "E-mail or password is not correct."


def _login(client, email, password=PASSWORD, address="127.0.0.1", **params):
    token = Browser(client).csrf_token("/login")
    return client.post(
        "/login",
        query_string=params,
        environ_base={"REMOTE_ADDR": address},
        data={"email": email, "password": password, "csrf_token": token},
    )


def _is_signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_right_credentials_sign_in(app, client, world):
    response = _login(client, "Tech@Acme.example")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _is_signed_in(client)
    db.session.expire_all()
    assert world.user("acme_tech").last_login_at is not None


def _failure_page(response, email) -> str:
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert GENERIC_FAILURE in page
    page = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page)
    return page.replace(email, "EMAIL")


def test_failures_look_the_same_whether_or_not_the_email_exists(app, world):
    wrong_password = _failure_page(
        _login(app.test_client(), "tech@acme.example", "nope"), "tech@acme.example"
    )
    unknown_email = _failure_page(
        _login(app.test_client(), "ghost@acme.example", "nope"), "ghost@acme.example"
    )
    assert wrong_password == unknown_email
    for hint in ("no account", "not found", "unknown", "does not exist"):
        assert hint not in unknown_email.lower()


@pytest.mark.parametrize("email", ["tech@acme.example", "ghost@acme.example"])
def test_failed_sign_in_leaves_the_visitor_signed_out(client, world, email):
    assert _login(client, email, "nope").status_code == 400
    assert not _is_signed_in(client)


def test_user_who_left_cannot_sign_in(client, world):
    set_status(world.user("acme_tech"), "left")
    db.session.commit()
    assert GENERIC_FAILURE in _login(client, "tech@acme.example").get_data(as_text=True)
    assert not _is_signed_in(client)


@pytest.mark.parametrize("status", ["left", "reassigned"])
def test_signed_in_session_stops_working_when_the_user_is_deactivated(app, world, status):
    client = signed_in(app, world.user("acme_tech"))
    assert _is_signed_in(client)
    set_status(world.user("acme_tech"), status)
    db.session.commit()
    response = client.get("/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_signed_in_visitor_is_sent_home_from_login(app, world):
    client = signed_in(app, world.user("acme_tech"))
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- After sign-in: `next` ------------------------------------------------------------


def test_same_site_next_is_followed(client, world):
    response = _login(client, "tech@acme.example", next="/profile?tab=tokens")
    assert response.headers["Location"] == "/profile?tab=tokens"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/profile",
        "https://evil.example",
        "https://evil.example/profile",
        "http:evil.example",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        " //evil.example",
        "profile",
    ],
)
def test_next_never_leads_off_site(client, world, target):
    response = _login(client, "tech@acme.example", next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    # As a browser reads it: backslashes count as slashes, tabs and newlines vanish.
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    parts = urlsplit(seen)
    assert parts.scheme == "" and parts.netloc == "", location
    assert seen.startswith("/") and not seen.startswith("//"), location


# --- Signing out ----------------------------------------------------------------------


def test_logout_signs_out_with_a_post_and_its_csrf_token(app, world):
    client = signed_in(app, world.user("acme_tech"))
    response = Browser(client).post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not _is_signed_in(client)


def test_logout_is_not_a_get(app, world):
    client = signed_in(app, world.user("acme_tech"))
    assert client.get("/logout").status_code == 405
    assert _is_signed_in(client)


def test_logout_without_csrf_token_is_refused(app, world):
    client = signed_in(app, world.user("acme_tech"))
    assert client.post("/logout").status_code == 400
    assert _is_signed_in(client)


# --- Rate limits -----------------------------------------------------------------------


@pytest.fixture
def login_limit_of_3(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per hour")
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_ADDRESS", "3 per hour")


@pytest.fixture
def address_limit_of_3(app, monkeypatch):
    """Only the per-address limit is tight (an office's shared address is the concern)."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "100 per hour")
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_ADDRESS", "3 per hour")


@pytest.fixture
def account_limit_of_3(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per hour")
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_ADDRESS", "100 per hour")


def test_sign_in_attempts_are_limited_per_address(client, world, address_limit_of_3):
    for n in range(3):
        assert _login(client, f"guess{n}@acme.example", "nope", "10.0.0.1").status_code == 400
    response = _login(client, "tech@acme.example", PASSWORD, "10.0.0.1")
    assert response.status_code == 429
    assert not _is_signed_in(client)
    assert _login(client, "tech@acme.example", PASSWORD, "10.0.0.2").status_code == 302


def test_sign_in_attempts_are_limited_per_email(app, world, account_limit_of_3):
    for n, email in enumerate(["tech@acme.example", "TECH@acme.example", " tech@acme.example"]):
        assert _login(app.test_client(), email, "nope", f"10.0.1.{n}").status_code == 400
    client = app.test_client()
    assert _login(client, "tech@acme.example", PASSWORD, "10.0.1.9").status_code == 429
    assert not _is_signed_in(client)
    assert _login(client, "admin@acme.example", PASSWORD, "10.0.1.9").status_code == 302


def test_rate_limit_does_not_count_page_views(client, world, login_limit_of_3):
    for _ in range(5):
        assert client.get("/login").status_code == 200
    assert _login(client, "tech@acme.example").status_code == 302
