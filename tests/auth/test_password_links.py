"""Set-password links (invitations and resets) and the forgot-password form."""

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner

from portal.auth.services import password_link_token
from portal.extensions import db
from portal.models import OutboxMessage
from portal.users.services import UserInput, create_user, set_status
from tests.factories import PASSWORD, Browser

NEW_PASSWORD = "a-brand-new-passphrase"
EXPIRED_NOTICE = "This link has expired or has already been used."


def _set_password(client, path, password=NEW_PASSWORD):
    # The CSRF token comes from the sign-in form: a dead link shows no form of its own.
    return Browser(client).post(
        path, {"new_password": password, "confirm": password}, form_page="/login"
    )


def _can_sign_in(app, email, password) -> bool:
    return Browser(app.test_client()).login(email, password).status_code == 302


def _refused(client, path) -> bool:
    response = client.get(path)
    if response.status_code != 302 or response.headers["Location"] != "/forgot-password":
        return False
    return EXPIRED_NOTICE in client.get("/forgot-password").get_data(as_text=True)


def _mails_to(recipient: str) -> list[OutboxMessage]:
    return db.session.query(OutboxMessage).filter_by(recipient=recipient).all()


def _link_path(message: OutboxMessage) -> str:
    match = re.search(r"https?://\S+/set-password/\S+", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def test_link_sets_the_password_once(app, client, world):
    path = f"/set-password/{password_link_token(world.user('acme_tech'))}"
    assert "tech@acme.example" in client.get(path).get_data(as_text=True)
    response = _set_password(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _can_sign_in(app, "tech@acme.example", NEW_PASSWORD)
    assert not _can_sign_in(app, "tech@acme.example", PASSWORD)
    # Used once: the link is dead, for viewing and for posting.
    assert _refused(client, path)
    assert _set_password(app.test_client(), path, "yet-another-passphrase").status_code == 302
    assert _can_sign_in(app, "tech@acme.example", NEW_PASSWORD)


def test_link_dies_when_the_password_changes_otherwise(app, client, world):
    user = world.user("acme_tech")
    path = f"/set-password/{password_link_token(user)}"
    user.set_password("changed-elsewhere-123")
    db.session.commit()
    assert _refused(client, path)


def _link_issued_ago(user, seconds: int, monkeypatch) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - seconds)
        return f"/set-password/{password_link_token(user)}"


def test_link_expires_after_the_configured_age(app, client, world, monkeypatch):
    user = world.user("acme_tech")
    recent = _link_issued_ago(user, 100, monkeypatch)
    assert client.get(recent).status_code == 200
    monkeypatch.setitem(app.config, "PASSWORD_LINK_MAX_AGE_S", 60)
    assert _refused(client, recent)
    assert _set_password(client, recent).status_code == 302
    assert _can_sign_in(app, "tech@acme.example", PASSWORD)


def test_link_older_than_three_days_is_refused(app, client, world, monkeypatch):
    old = _link_issued_ago(world.user("acme_tech"), 3 * 24 * 3600 + 60, monkeypatch)
    assert _refused(client, old)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),
        lambda t: "x" + t,
        lambda t: "not-a-token",
    ],
)
def test_tampered_link_is_refused(client, world, mangle):
    assert _refused(client, f"/set-password/{mangle(password_link_token(world.user('acme_tech')))}")


def test_link_of_a_user_who_left_is_refused(client, world):
    user = world.user("acme_tech")
    path = f"/set-password/{password_link_token(user)}"
    set_status(user, "left")
    db.session.commit()
    assert _refused(client, path)


def test_invitation_mail_carries_a_working_link(app, client, world):
    create_user(
        UserInput(
            email="new@acme.example", name="New Tech", role="technician", partner_id=world.acme.id
        )
    )
    db.session.commit()
    (mail,) = _mails_to("new@acme.example")
    assert "Your Partner Support Portal account" in mail.subject
    assert _set_password(client, _link_path(mail)).status_code == 302
    assert _can_sign_in(app, "new@acme.example", NEW_PASSWORD)


# --- Forgot password --------------------------------------------------------------------


def _forgot(client, email):
    response = Browser(client).post(
        "/forgot-password", {"email": email}, form_page="/forgot-password"
    )
    notice = client.get(response.headers.get("Location", "/login")).get_data(as_text=True)
    return response, notice


def test_forgot_password_answers_the_same_for_unknown_emails(app, world):
    known, known_notice = _forgot(app.test_client(), "tech@acme.example")
    unknown, unknown_notice = _forgot(app.test_client(), "ghost@acme.example")
    assert (known.status_code, known.headers["Location"]) == (302, "/login")
    assert (unknown.status_code, unknown.headers["Location"]) == (302, "/login")
    notice = "If that address has an account, a link to set a new password is on its way."
    assert notice in known_notice and notice in unknown_notice
    strip = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')
    assert strip.sub("", known_notice) == strip.sub("", unknown_notice)


def test_forgot_password_queues_a_mail_only_for_a_real_account(app, client, world):
    before = db.session.query(OutboxMessage).count()
    _forgot(client, "ghost@acme.example")
    assert db.session.query(OutboxMessage).count() == before
    _forgot(client, "TECH@acme.example")
    assert db.session.query(OutboxMessage).count() == before + 1
    (mail,) = _mails_to("tech@acme.example")
    assert mail.subject == "Reset your Partner Support Portal password"
    assert mail.status == "pending"
    assert _set_password(app.test_client(), _link_path(mail)).status_code == 302
    assert _can_sign_in(app, "tech@acme.example", NEW_PASSWORD)


def test_forgot_password_sends_nothing_to_a_user_who_left(client, world):
    set_status(world.user("acme_tech"), "left")
    db.session.commit()
    _forgot(client, "tech@acme.example")
    assert _mails_to("tech@acme.example") == []


def test_forgot_password_is_rate_limited_per_address(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per hour")
    for n in range(3):
        assert _forgot(client, f"guess{n}@acme.example")[0].status_code == 302
    response = Browser(client).post(
        "/forgot-password", {"email": "tech@acme.example"}, form_page="/forgot-password"
    )
    assert response.status_code == 429
    assert _mails_to("tech@acme.example") == []
