"""Personal API tokens on the profile page: created and shown once, listed, revoked."""

import re

from portal.extensions import db
from portal.models.users import ApiToken
from tests.factories import Browser, api_token, signed_in
from tests.support import database_text


def _create_token(client, name="ticketing sync"):
    return Browser(client).post("/profile/tokens", {"token-name": name})


def _shown_token(response) -> str:
    match = re.search(r'class="token-once">([^<]+)<', response.get_data(as_text=True))
    assert match, "the new token is not shown"
    return match.group(1).strip()


def _session_data(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def _works(app, raw) -> bool:
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    return response.status_code == 200


def test_created_token_is_shown_once_and_works(app, world):
    client = signed_in(app, world.user("acme_tech"))
    response = _create_token(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    raw = _shown_token(response)
    assert _works(app, raw)
    profile = client.get("/profile").get_data(as_text=True)
    assert "ticketing sync" in profile and raw[:10] in profile
    assert raw not in profile
    assert raw not in repr(_session_data(app, client))


def test_created_token_is_stored_hashed(app, world):
    client = signed_in(app, world.user("acme_tech"))
    raw = _shown_token(_create_token(client))
    assert raw not in database_text()
    (token,) = db.session.query(ApiToken).all()
    assert token.user_id == world.user("acme_tech").id and token.name == "ticketing sync"


def test_token_needs_a_name(app, world):
    client = signed_in(app, world.user("acme_tech"))
    assert _create_token(client, name="").status_code == 400
    assert db.session.query(ApiToken).count() == 0


def test_revoked_token_stops_working(app, world):
    client = signed_in(app, world.user("acme_tech"))
    raw = _shown_token(_create_token(client))
    token = ApiToken.find_active(raw)
    response = Browser(client).post(f"/profile/tokens/{token.id}/revoke", {"confirmed": "yes"})
    assert response.status_code == 302
    assert not _works(app, raw)
    assert "revoked" in client.get("/profile").get_data(as_text=True)


def test_another_users_token_cannot_be_revoked(app, world):
    other = world.user("acme_admin")
    raw = api_token(other)
    token_id = ApiToken.find_active(raw).id
    client = signed_in(app, world.user("acme_tech"))
    response = Browser(client).post(f"/profile/tokens/{token_id}/revoke")
    assert response.status_code == 404
    assert _works(app, raw)
    assert raw[:10] not in client.get("/profile").get_data(as_text=True)


def test_profile_lists_only_the_users_own_tokens(app, world):
    api_token(world.user("acme_admin"))
    client = signed_in(app, world.user("acme_tech"))
    assert "No tokens yet." in client.get("/profile").get_data(as_text=True)


def test_profile_needs_a_signed_in_user(client, world):
    response = client.get("/profile")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
