"""Changing one's password on the profile page."""

import re

from portal.extensions import db
from portal.models import AuditEntry
from tests.factories import PASSWORD, Browser, signed_in

NEW_PASSWORD = "a-brand-new-passphrase"


def _change(client, current, new=NEW_PASSWORD, confirm=None):
    return Browser(client).post(
        "/profile/password",
        {
            "pw-current_password": current,
            "pw-new_password": new,
            "pw-confirm": new if confirm is None else confirm,
        },
    )


def _can_sign_in(app, email, password) -> bool:
    return Browser(app.test_client()).login(email, password).status_code == 302


def test_new_password_works_and_the_old_one_does_not(app, world):
    client = signed_in(app, world.user("acme_tech"))
    response = _change(client, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    assert _can_sign_in(app, "tech@acme.example", NEW_PASSWORD)
    assert not _can_sign_in(app, "tech@acme.example", PASSWORD)
    assert db.session.query(AuditEntry).filter_by(action="user.password_changed").count() == 1


def test_wrong_current_password_is_refused_next_to_the_field(app, world):
    client = signed_in(app, world.user("acme_tech"))
    response = _change(client, "not-my-password")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    field = re.search(
        r'id="pw-current_password".*?<div class="invalid-feedback">([^<]+)</div>', page, re.S
    )
    assert field and field.group(1).strip() == "Not correct."
    assert not _can_sign_in(app, "tech@acme.example", NEW_PASSWORD)
    assert _can_sign_in(app, "tech@acme.example", PASSWORD)


def test_mismatched_or_short_new_password_is_refused(app, world):
    client = signed_in(app, world.user("acme_tech"))
    assert _change(client, PASSWORD, confirm="something-else").status_code == 400
    assert _change(client, PASSWORD, new="short").status_code == 400
    assert _can_sign_in(app, "tech@acme.example", PASSWORD)
