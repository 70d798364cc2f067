"""Bearer-token authentication and `POST /api/v1/tokens`."""

import pytest

from portal.extensions import db
from portal.models.users import ApiToken, hash_token
from portal.users.services import set_status
from tests.factories import PASSWORD, api_token, bearer, signed_in
from tests.support import api_error, database_text


def _as(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _ask_token(client, email, password=PASSWORD, address="127.0.0.1"):
    return client.post(
        "/api/v1/tokens",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


# --- Bearer tokens ------------------------------------------------------------------


def test_me_answers_with_the_tokens_user(client, world):
    tech = world.user("acme_tech")
    response = client.get("/api/v1/me", headers=bearer(tech))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": tech.id,
        "email": "tech@acme.example",
        "name": tech.name,
        "role": "technician",
        "partner_id": world.acme.id,
    }


def test_request_without_token_is_refused_with_api_error_body(client, world):
    error = api_error(client.get("/api/v1/me"), 401, "unauthorized")
    assert "Bearer" in error["message"]
    assert client.get("/api/v1/me").headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer psp_not-a-real-token",
        "Bearer ",
        "Basic dGVjaEBhY21lLmV4YW1wbGU6cGFzc3dvcmQ=",
        "psp_token-without-scheme",
    ],
)
def test_unknown_or_malformed_token_is_invalid_token(client, world, header):
    api_error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "invalid_token")


def test_revoked_token_stops_working(client, world):
    user = world.user("acme_tech")
    raw = api_token(user)
    assert client.get("/api/v1/me", headers=_as(raw)).status_code == 200
    ApiToken.find_active(raw).revoke()
    db.session.commit()
    api_error(client.get("/api/v1/me", headers=_as(raw)), 401, "invalid_token")


@pytest.mark.parametrize("status", ["left", "reassigned"])
def test_token_of_a_user_no_longer_active_is_refused(client, world, status):
    user = world.user("acme_tech")
    raw = api_token(user)
    set_status(user, status)
    db.session.commit()
    api_error(client.get("/api/v1/me", headers=_as(raw)), 401, "invalid_token")


def test_session_cookie_alone_does_not_authenticate_the_api(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    assert client.get("/profile").status_code == 200  # the cookie does sign in the pages
    api_error(client.get("/api/v1/me"), 401, "unauthorized")
    api_error(client.get("/api/v1/partners"), 401)


def test_token_use_is_recorded(client, world):
    raw = api_token(world.user("acme_tech"))
    client.get("/api/v1/me", headers=_as(raw))
    db.session.expire_all()
    assert ApiToken.find_active(raw).last_used_at is not None


# --- POST /tokens ---------------------------------------------------------------------


def test_credentials_are_exchanged_for_a_working_token(client, world):
    response = _ask_token(client, "tech@acme.example")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_json()["token"]
    me = client.get("/api/v1/me", headers=_as(raw))
    assert me.status_code == 200 and me.get_json()["email"] == "tech@acme.example"


def test_email_is_matched_case_insensitively(client, world):
    assert _ask_token(client, "  Tech@ACME.example ").status_code == 201


def test_tokens_are_stored_hashed(client, world):
    raw = _ask_token(client, "tech@acme.example").get_json()["token"]
    stored = database_text()
    assert raw not in stored
    assert hash_token(raw) in stored
    token = ApiToken.find_active(raw)
    assert token.user.email == "tech@acme.example" and raw.startswith(token.prefix)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("tech@acme.example", "wrong-password"),
        ("nobody@acme.example", PASSWORD),
        ("nobody@acme.example", "wrong-password"),
    ],
)
def test_bad_credentials_get_one_answer_whatever_is_wrong(client, world, email, password):
    reference = api_error(
        _ask_token(client, "tech@acme.example", "wrong"), 401, "invalid_credentials"
    )
    assert api_error(_ask_token(client, email, password), 401) == reference
    assert db.session.query(ApiToken).count() == 0


def test_user_who_left_cannot_get_a_token(client, world):
    set_status(world.user("acme_tech"), "left")
    db.session.commit()
    api_error(_ask_token(client, "tech@acme.example"), 401, "invalid_credentials")
    assert db.session.query(ApiToken).count() == 0


@pytest.fixture
def token_limit_of_3(app, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_RATE_LIMIT", "3 per hour")


def test_token_requests_are_limited_per_account(client, world, token_limit_of_3):
    for n in range(3):
        api_error(_ask_token(client, "tech@acme.example", "guess", f"10.0.0.{n}"), 401)
    # The right password from yet another address: the account is locked for now.
    api_error(_ask_token(client, "TECH@acme.example", PASSWORD, "10.0.0.9"), 429, "rate_limited")
    assert _ask_token(client, "admin@acme.example", PASSWORD, "10.0.0.9").status_code == 201


def test_token_requests_are_limited_per_address(client, world, token_limit_of_3):
    for n in range(3):
        api_error(_ask_token(client, f"guess{n}@acme.example", "guess", "10.0.0.1"), 401)
    response = _ask_token(client, "tech@acme.example", PASSWORD, "10.0.0.1")
    api_error(response, 429, "rate_limited")
    assert response.headers.get("Retry-After")
    assert _ask_token(client, "tech@acme.example", PASSWORD, "10.0.0.2").status_code == 201
