"""Nobody learns which accounts exist, and nobody guesses passwords faster than sign-in allows.

Timing is not measured (tests assert no durations): instead, every failed sign-in is
shown to do the same password-hash work, whatever the account.
"""

import pytest
from werkzeug import security

import portal.auth.services as auth_services
import portal.models.users as user_models
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.users.services import UserInput, create_user
from tests.factories import PASSWORD, Browser, signed_in


@pytest.fixture
def hash_checks(monkeypatch):
    """Records the hash method of every password check, wherever it is made."""
    methods = []

    def counting(pwhash, password):
        methods.append(pwhash.split("$", 1)[0])
        return security.check_password_hash(pwhash, password)

    monkeypatch.setattr(user_models, "check_password_hash", counting)
    monkeypatch.setattr(auth_services, "check_password_hash", counting)
    return methods


def _invited(world):
    """An account whose owner has not chosen a password yet."""
    user = create_user(UserInput("invited@acme.example", "Invited", "technician", world.acme.id))
    db.session.commit()
    return user


@pytest.mark.parametrize("case", ["unknown", "wrong_password", "left", "no_password_yet"])
def test_every_failed_sign_in_does_the_same_hash_work(app, world, hash_checks, case):
    email = {
        "unknown": "nobody@acme.example",
        "wrong_password": "tech@acme.example",
        "left": "tech@acme.example",
        "no_password_yet": "invited@acme.example",
    }[case]
    if case == "left":
        world.user("acme_tech").status = "left"
        db.session.commit()
    if case == "no_password_yet":
        _invited(world)
    password = PASSWORD if case == "left" else "not-the-password"
    response = Browser(app.test_client()).login(email, password)
    assert response.status_code == 400
    method = app.config["PASSWORD_HASH_METHOD"].split(":")[0]
    assert hash_checks and all(m.startswith(method) for m in hash_checks)
    assert len(hash_checks) == 1


def test_token_endpoint_does_the_same_hash_work_for_unknown_accounts(client, world, hash_checks):
    response = client.post(
        "/api/v1/tokens", json={"email": "nobody@acme.example", "password": "whatever-it-is"}
    )
    assert response.status_code == 401
    assert len(hash_checks) == 1


def _change(client, current):
    return Browser(client).post(
        "/profile/password",
        {"pw-current_password": current, "pw-new_password": "x" * 12, "pw-confirm": "x" * 12},
    )


def test_current_password_checks_are_limited_like_sign_in(app, world):
    """The default limit (10 a minute per account) applies to the password-change form."""
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"
    client = signed_in(app, world.user("acme_tech"))
    statuses = [_change(client, f"guess-{n}").status_code for n in range(10)]
    assert statuses == [400] * 10
    assert _change(client, PASSWORD).status_code == 429
    # Per account: a colleague can still change theirs.
    other = signed_in(app, world.user("acme_admin"))
    assert _change(other, "wrong-guess").status_code == 400


@pytest.mark.parametrize(
    "typed",
    ["ＴＥＣＨ@ａｃｍｅ.example", "Tech@ACME.example", " tech@acme.example ", "TECH@acme.EXAMPLE"],
)
def test_an_address_is_one_account_however_it_is_typed(app, world, typed):
    limiter.reset()
    assert Browser(app.test_client()).login(typed).status_code == 302


@pytest.mark.parametrize("typed", ["ａｄｍｉｎ@acme.example", "ADMIN@Acme.Example"])
def test_a_second_account_cannot_take_an_address_in_another_spelling(app, world, typed):
    with pytest.raises(DomainError) as refused:
        create_user(UserInput(typed, "Someone", "technician", world.acme.id))
    assert "email" in refused.value.fields


def test_api_token_exchange_accepts_any_spelling_of_the_address(client, world):
    response = client.post(
        "/api/v1/tokens", json={"email": "ＴＥＣＨ@ACME.example", "password": PASSWORD}
    )
    assert response.status_code == 201
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {response.json['token']}"}
        ).json["email"]
        == "tech@acme.example"
    )
