"""Every auth form refuses a POST without a valid CSRF token (400) and changes nothing."""

import pytest

from portal.auth.services import password_link_token
from portal.extensions import db
from portal.models import ApiToken
from tests.factories import PASSWORD, Browser, api_token, signed_in
from tests.support import row_counts

NEW_PASSWORD = "a-brand-new-passphrase"


def _can_sign_in(app, email, password) -> bool:
    return Browser(app.test_client()).login(email, password).status_code == 302


def _foreign_csrf_token(app) -> str:
    """A genuine token, but of another visitor's session."""
    return Browser(app.test_client()).csrf_token("/login")


@pytest.fixture(params=["missing", "foreign", "garbage"])
def bad_token(request, app):
    return {"missing": None, "foreign": _foreign_csrf_token(app), "garbage": "not-a-token"}[
        request.param
    ]


def _post(client, path, data, token):
    data = dict(data)
    if token is not None:
        data["csrf_token"] = token
    return client.post(path, data=data)


def test_login_without_valid_token_is_refused(app, world, bad_token):
    client = app.test_client()
    client.get("/login")
    before = row_counts()
    response = _post(
        client, "/login", {"email": "tech@acme.example", "password": PASSWORD}, bad_token
    )
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302
    assert row_counts() == before


def test_password_change_without_valid_token_is_refused(app, world, bad_token):
    client = signed_in(app, world.user("acme_tech"))
    response = _post(
        client,
        "/profile/password",
        {
            "pw-current_password": PASSWORD,
            "pw-new_password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
        bad_token,
    )
    assert response.status_code == 400
    assert _can_sign_in(app, "tech@acme.example", PASSWORD)


def test_token_creation_without_valid_token_is_refused(app, world, bad_token):
    client = signed_in(app, world.user("acme_tech"))
    response = _post(client, "/profile/tokens", {"token-name": "sneaky"}, bad_token)
    assert response.status_code == 400
    assert db.session.query(ApiToken).count() == 0


def test_token_revocation_without_valid_token_is_refused(app, world, bad_token):
    user = world.user("acme_tech")
    raw = api_token(user)
    client = signed_in(app, user)
    token_id = ApiToken.find_active(raw).id
    assert _post(client, f"/profile/tokens/{token_id}/revoke", {}, bad_token).status_code == 400
    db.session.expire_all()
    assert ApiToken.find_active(raw) is not None


def test_logout_without_valid_token_is_refused(app, world, bad_token):
    client = signed_in(app, world.user("acme_tech"))
    assert _post(client, "/logout", {}, bad_token).status_code == 400
    assert client.get("/profile").status_code == 200


def test_forgot_password_without_valid_token_is_refused(app, client, world, bad_token):
    before = row_counts()
    response = _post(client, "/forgot-password", {"email": "tech@acme.example"}, bad_token)
    assert response.status_code == 400
    assert row_counts() == before


def test_set_password_without_valid_token_is_refused(app, client, world, bad_token):
    path = f"/set-password/{password_link_token(world.user('acme_tech'))}"
    client.get(path)
    response = _post(
        client, path, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, bad_token
    )
    assert response.status_code == 400
    assert _can_sign_in(app, "tech@acme.example", PASSWORD)
    assert client.get(path).status_code == 200  # the link is still unused


def test_the_api_needs_no_csrf_token(client, world):
    response = client.post(
        "/api/v1/tokens", json={"email": "tech@acme.example", "password": PASSWORD}
    )
    assert response.status_code == 201
