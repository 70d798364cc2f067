"""Changes that must leave an audit entry: who, which partner, which object, what changed.

Each action is taken the way a user takes it (a page or the API), then its one entry
is read back: a missing entry, or one naming the wrong actor, partner or object, fails.
Secrets (a raw token, a password, its hash) never reach the log.
"""

import re

from sqlalchemy import select

from portal.auth.services import password_link_token
from portal.extensions import db
from portal.models import Agreement, AuditEntry, User
from portal.models.users import ApiToken
from portal.partners.agreements import AgreementTerms, propose_agreement
from tests.factories import PASSWORD, Browser, signed_in

NEW_PASSWORD = "a-fresh-passphrase-for-the-log"


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def _only_entry(action: str) -> AuditEntry:
    entries = _entries(action)
    assert len(entries) == 1, [(e.action, e.object_id) for e in entries]
    return entries[0]


def _assert_by(entry: AuditEntry, user: User, partner_id: int | None, obj) -> None:
    assert (entry.actor_id, entry.actor_label) == (user.id, user.email)
    assert entry.partner_id == partner_id
    assert (entry.object_type, entry.object_id) == (type(obj).__name__, obj.id)


def _logged_text(entry: AuditEntry) -> str:
    return repr((entry.summary, entry.before, entry.after))


# --- Agreements ---------------------------------------------------------------------------


def test_withdrawing_a_proposal_is_logged_with_its_status_change(app, world):
    vendor_admin = world.user("vendor_admin")
    proposal = propose_agreement(world.acme, AgreementTerms(), actor=vendor_admin)
    db.session.commit()
    client = signed_in(app, vendor_admin)
    path = f"/partners/{world.acme.id}/agreements/{proposal.id}"

    response = Browser(client).post(f"{path}/withdraw", {"confirmed": "yes"}, form_page=path)

    assert response.status_code == 302
    entry = _only_entry("agreement.withdrawn")
    assert db.session.get(Agreement, proposal.id).status == "withdrawn"
    _assert_by(entry, vendor_admin, world.acme.id, proposal)
    assert entry.changes == [("status", "proposed", "withdrawn")]
    assert f"Version {proposal.version}" in entry.summary


# --- Personal API tokens --------------------------------------------------------------------


def test_creating_a_token_on_the_profile_page_is_logged_without_the_token(app, world):
    user = world.user("acme_tech")
    client = signed_in(app, user)

    response = Browser(client).post("/profile/tokens", {"token-name": "ticketing sync"})

    assert response.status_code == 200
    raw = re.search(r'class="token-once">([^<]+)<', response.get_data(as_text=True))[1].strip()
    token = ApiToken.find_active(raw)
    entry = _only_entry("token.created")
    _assert_by(entry, user, world.acme.id, token)
    assert entry.before is None
    assert entry.after == {"name": "ticketing sync", "prefix": raw[:10]}
    assert raw not in _logged_text(entry) and token.token_hash not in _logged_text(entry)


def test_creating_a_token_through_the_api_is_logged_without_the_token(client, world):
    user = world.user("globex_admin")

    response = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": PASSWORD, "name": "CI job"}
    )

    assert response.status_code == 201
    raw = response.get_json()["token"]
    token = ApiToken.find_active(raw)
    entry = _only_entry("token.created")
    _assert_by(entry, user, world.globex.id, token)
    assert entry.before is None
    assert entry.after == {"name": "CI job", "prefix": raw[:10]}
    assert raw not in _logged_text(entry) and PASSWORD not in _logged_text(entry)


def test_a_vendor_users_token_is_logged_without_a_partner(client, world):
    user = world.user("vendor_engineer")
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    entry = _only_entry("token.created")
    _assert_by(entry, user, None, ApiToken.find_active(response.get_json()["token"]))


def test_revoking_a_token_is_logged_with_its_revocation(app, world):
    from portal.auth.services import create_token

    user = world.user("acme_admin")
    token, raw = create_token(user, "old laptop")
    db.session.commit()
    client = signed_in(app, user)

    response = Browser(client).post(f"/profile/tokens/{token.id}/revoke", {"confirmed": "yes"})

    assert response.status_code == 302
    entry = _only_entry("token.revoked")
    _assert_by(entry, user, world.acme.id, token)
    assert entry.changes == [("prefix", None, raw[:10]), ("revoked", False, True)]
    assert raw not in _logged_text(entry)
    # Revoking it again changes nothing, and logs nothing.
    Browser(client).post(f"/profile/tokens/{token.id}/revoke", {"confirmed": "yes"})
    assert len(_entries("token.revoked")) == 1


# --- Passwords ------------------------------------------------------------------------------


def test_setting_a_password_from_an_emailed_link_is_logged_without_the_password(app, world):
    user = world.user("globex_tech")
    client = app.test_client()
    path = f"/set-password/{password_link_token(user)}"

    response = Browser(client).post(
        path, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, form_page="/login"
    )

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    entry = _only_entry("user.password_set")
    # Nobody is signed in: the link's holder is the actor, as the log must say.
    _assert_by(entry, user, world.globex.id, user)
    secrets = (NEW_PASSWORD, db.session.get(User, user.id).password_hash)
    assert not any(secret in _logged_text(entry) for secret in secrets)
