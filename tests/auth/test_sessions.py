"""Sign-ins end when they should: on sign-out, password change, "sign out everywhere",
deactivation and expiry, wherever their cookies were copied; remember-me cookies rotate.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.auth.services import password_link_token
from portal.extensions import db
from portal.models import AuditEntry, LoginSession
from portal.models.base import utcnow
from tests.factories import PASSWORD, Browser

NEW_PASSWORD = "a-brand-new-passphrase"
REMEMBER = "remember_token"


def _sign_in(app, email, remember=False):
    client = app.test_client()
    token = Browser(client).csrf_token("/login")
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def _replay(app, **cookies):
    """A new browser holding only copies of the given cookies."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def _cookie(client, name) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _post(client, path, data=None):
    return Browser(client).post(path, data)


def test_each_sign_in_gets_a_new_remember_me_cookie(app, world):
    first = _cookie(_sign_in(app, "tech@acme.example", remember=True), REMEMBER)
    second = _cookie(_sign_in(app, "tech@acme.example", remember=True), REMEMBER)
    assert first != second
    # Each works on its own, in a browser that has nothing else.
    assert _signed_in(_replay(app, **{REMEMBER: first}))
    assert _signed_in(_replay(app, **{REMEMBER: second}))


def test_remember_me_cookie_is_lax_http_only_and_lasts_the_configured_time(app, world):
    client = _sign_in(app, "tech@acme.example", remember=True)
    cookie = client.get_cookie(REMEMBER)
    assert cookie.same_site == "Lax" and cookie.http_only
    lifetime = cookie.expires - utcnow()
    assert timedelta(days=29) < lifetime <= timedelta(days=30)
    row = db.session.scalar(select(LoginSession))
    assert row.remember and timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)


def test_sign_out_ends_the_saved_session_and_remember_me_cookies(app, world):
    client = _sign_in(app, "tech@acme.example", remember=True)
    saved = {"session": _cookie(client, "session"), REMEMBER: _cookie(client, REMEMBER)}
    assert _signed_in(_replay(app, session=saved["session"]))
    assert _post(client, "/logout").status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(_replay(app, session=saved["session"]))
    assert not _signed_in(_replay(app, **{REMEMBER: saved[REMEMBER]}))


def test_signing_out_one_device_keeps_the_others(app, world):
    laptop = _sign_in(app, "tech@acme.example")
    phone = _sign_in(app, "tech@acme.example")
    _post(laptop, "/logout")
    assert _signed_in(phone)


def test_password_change_ends_every_other_sign_in_but_this_one(app, world):
    other = _sign_in(app, "tech@acme.example", remember=True)
    other_remember = _cookie(other, REMEMBER)
    client = _sign_in(app, "tech@acme.example")
    response = _post(
        client,
        "/profile/password",
        {
            "pw-current_password": PASSWORD,
            "pw-new_password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(other)
    assert not _signed_in(_replay(app, **{REMEMBER: other_remember}))


def test_password_set_from_an_emailed_link_ends_every_sign_in(app, world):
    client = _sign_in(app, "tech@acme.example", remember=True)
    remember = _cookie(client, REMEMBER)
    path = f"/set-password/{password_link_token(world.user('acme_tech'))}"
    stranger = app.test_client()
    response = Browser(stranger).post(
        path, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, form_page=path
    )
    assert response.status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(_replay(app, **{REMEMBER: remember}))


def test_sign_out_everywhere_ends_all_sign_ins_and_is_audited(app, world):
    others = [_sign_in(app, "tech@acme.example", remember=True) for _ in range(2)]
    remembered = [_cookie(c, REMEMBER) for c in others]
    client = _sign_in(app, "tech@acme.example")
    page = client.get("/profile").get_data(as_text=True)
    assert "3 active sign-ins" in page and "Sign out everywhere" in page
    response = _post(client, "/profile/sign-out-everywhere", {"confirmed": "yes"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not any(_signed_in(c) for c in [client, *others])
    assert not any(_signed_in(_replay(app, **{REMEMBER: r})) for r in remembered)
    db.session.expire_all()
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.signed_out_everywhere")
    )
    assert entry.actor_id == world.user("acme_tech").id
    assert entry.partner_id == world.acme.id
    # Another user's sign-ins are untouched.
    assert _signed_in(_sign_in(app, "admin@acme.example"))


@pytest.mark.parametrize("status", ["left", "reassigned"])
def test_deactivation_ends_sign_ins_for_good(app, world, status):
    """Reactivating the account does not bring old cookies back to life."""
    tech = _sign_in(app, "tech@acme.example", remember=True)
    remember = _cookie(tech, REMEMBER)
    admin = _sign_in(app, "admin@acme.example")
    user_id = world.user("acme_tech").id
    path = f"/partners/{world.acme.id}/technicians/{user_id}/status"
    assert _post(admin, path, {"status": status, "confirmed": "yes"}).status_code == 302
    assert not _signed_in(tech)
    assert _post(admin, path, {"status": "active"}).status_code == 302
    assert not _signed_in(tech)
    assert not _signed_in(_replay(app, **{REMEMBER: remember}))
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(LoginSession).where(LoginSession.user_id == user_id)
        )
        == 0
    )


@pytest.mark.parametrize("remember", [False, True])
def test_expired_sign_in_no_longer_works(app, world, remember):
    client = _sign_in(app, "tech@acme.example", remember=remember)
    saved = _cookie(client, REMEMBER) if remember else None
    db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not _signed_in(client)
    if saved:
        assert not _signed_in(_replay(app, **{REMEMBER: saved}))


def test_sign_in_without_remember_me_lasts_the_session_lifetime(app, world):
    _sign_in(app, "tech@acme.example")
    row = db.session.scalar(select(LoginSession))
    assert not row.remember
    assert timedelta(hours=11) < row.expires_at - utcnow() <= app.config["LOGIN_SESSION_LIFETIME"]


def test_a_session_holding_a_bare_user_id_does_not_sign_in(app, world):
    """Cookies from before session keys (or forged ones naming only an id) are ignored."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(world.user("vendor_admin").id)
        session["_fresh"] = True
    assert not _signed_in(client)


def test_a_sign_in_clears_the_users_expired_rows(app, world):
    _sign_in(app, "tech@acme.example")
    db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    _sign_in(app, "tech@acme.example")
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(LoginSession)) == 1
