"""The rating link: issued when an escalation is resolved, mailed or handed to the partner
as the agreement says, valid once, until it expires, and not forgeable."""

from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from escalations import services
from escalations.ratings.models import RatingRequest
from escalations.ratings.services import (
    TOKEN_SALT,
    rating_link,
    record_rating,
    request_for_token,
    token_for,
)
from portal.access import scoped
from portal.errors import DomainError
from portal.extensions import db
from portal.models import OutboxMessage
from portal.models.base import utcnow
from tests.escalations.support import reload
from tests.factories import PRINCIPALS
from tests.ratings.support import (
    CUSTOMER_EMAIL,
    agreement_terms,
    mail_to,
    request_of,
    resolved,
)


def refusal(token, now=None) -> DomainError:
    with pytest.raises(DomainError) as raised:
        request_for_token(token, now)
    return raised.value


# --- Issued on resolution, delivered as the agreement says ------------------------------


def test_resolving_asks_for_a_rating_valid_thirty_days(esc):
    now = utcnow()
    _, request = resolved(esc, now=now)
    assert request is not None
    assert request.rated_at is None and request.score is None
    assert request.expires_at - request.issued_at == timedelta(days=30)
    assert request.partner_id == esc.world.acme.id


def test_never_mailed_to_the_customer_when_the_agreement_forbids_direct_contact(esc):
    agreement_terms(esc, vendor_may_contact=False)
    escalation, request = resolved(esc)
    assert request.delivery == "partner" and request.recipient is None
    assert mail_to(CUSTOMER_EMAIL) == []
    link = rating_link(request)
    # Not in any mail but the partner's own: the link is theirs to pass on.
    holders = db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.body.contains(token_for(request)))
    ).all()
    assert holders and all(r.endswith("@acme.example") for r in holders)
    assert link in mail_to("admin@acme.example")[-1].body


def test_mailed_to_the_customer_contact_when_the_agreement_allows(esc):
    agreement_terms(esc, vendor_may_contact=True)
    escalation, request = resolved(esc, title="Sync stalls after upgrade")
    assert request.delivery == "mail" and request.recipient == CUSTOMER_EMAIL
    (mail,) = mail_to(CUSTOMER_EMAIL)
    assert rating_link(request) in mail.body
    assert "Sync stalls after upgrade" in mail.subject
    # The partner is told of the resolution, without a link to pass on.
    assert token_for(request) not in mail_to("admin@acme.example")[-1].body


def test_allowed_but_without_a_contact_address_the_partner_passes_it_on(esc):
    agreement_terms(esc, vendor_may_contact=True, email=None)
    _, request = resolved(esc)
    assert request.delivery == "partner"
    assert token_for(request) in mail_to("admin@acme.example")[-1].body


def test_each_partner_follows_its_own_agreement(esc):
    agreement_terms(esc, "acme", vendor_may_contact=True)
    agreement_terms(esc, "globex", vendor_may_contact=False, email="desk@globex-customer.example")
    _, acme_request = resolved(esc, "acme")
    _, globex_request = resolved(esc, "globex")
    assert acme_request.delivery == "mail"
    assert globex_request.delivery == "partner"
    assert mail_to("desk@globex-customer.example") == []


# --- Valid once, until it expires, not forgeable ---------------------------------------


def test_the_link_takes_one_rating(esc):
    now = utcnow()
    _, request = resolved(esc, now=now)
    token = token_for(request)
    assert request_for_token(token, now).id == request.id
    record_rating(token, 4, "  Quick and clear.  ", now=now + timedelta(days=1))
    db.session.commit()
    rated = request_of(request.escalation)
    assert (rated.score, rated.comment) == (4, "Quick and clear.")
    assert rated.rated_at == now + timedelta(days=1)
    error = refusal(token, now + timedelta(days=2))
    assert (error.status, error.code) == (410, "link_used")


def test_a_used_link_cannot_rate_again(esc):
    _, request = resolved(esc)
    token = token_for(request)
    record_rating(token, 5, "")
    db.session.commit()
    with pytest.raises(DomainError) as raised:
        record_rating(token, 1, "Changed my mind")
    assert raised.value.status == 410
    db.session.rollback()
    assert request_of(request.escalation).score == 5


def test_the_link_expires_after_thirty_days(esc):
    now = utcnow()
    _, request = resolved(esc, now=now)
    token = token_for(request)
    assert request_for_token(token, now + timedelta(days=30) - timedelta(seconds=1))
    error = refusal(token, now + timedelta(days=30))
    assert (error.status, error.code) == (410, "link_expired")
    with pytest.raises(DomainError):
        record_rating(token, 5, "", now=now + timedelta(days=31))


def _altered_signature(token: str) -> str:
    payload, signature = token.rsplit(".", 1)
    first = "B" if signature[0] == "A" else "A"
    return f"{payload}.{first}{signature[1:]}"


@pytest.mark.parametrize(
    "forge",
    [
        # The signature's first character: all its bits count (the last one's low bits
        # are base64 padding, so changing it may leave the signature as it was).
        pytest.param(lambda token, nonce: _altered_signature(token), id="sig"),
        pytest.param(lambda token, nonce: "x" + token, id="payload"),
        pytest.param(
            lambda token, nonce: URLSafeSerializer("another-key", salt=TOKEN_SALT).dumps(nonce),
            id="other-key",
        ),
        pytest.param(
            lambda token, nonce: URLSafeSerializer("test-secret", salt="other").dumps(nonce),
            id="other-salt",
        ),
        pytest.param(lambda token, nonce: nonce, id="bare-nonce"),
        pytest.param(lambda token, nonce: token + "A" * 300, id="too-long"),
        pytest.param(lambda token, nonce: "", id="empty"),
    ],
)
def test_a_forged_or_altered_link_is_not_found(esc, forge):
    _, request = resolved(esc)
    error = refusal(forge(token_for(request), request.nonce))
    assert (error.status, error.code) == (404, "link_not_found")


def test_a_link_signed_for_an_unknown_nonce_is_not_found(esc, app):
    resolved(esc)
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt=TOKEN_SALT).dumps("guessed")
    assert refusal(token).status == 404


def test_the_link_names_no_escalation(esc):
    escalation, request = resolved(esc)
    payload = URLSafeSerializer("ignored").load_payload(token_for(request).split(".")[0].encode())
    assert payload == request.nonce
    assert len(request.nonce) >= 32
    assert rating_link(request).endswith(f"/rate/{token_for(request)}")


@pytest.mark.parametrize(
    ("score", "comment", "field"),
    [
        (0, "", "score"),
        (6, "", "score"),
        (None, "", "score"),
        ("5", "", "score"),
        (3, "x" * 2001, "comment"),
        (3, "bad\x00byte", "comment"),
    ],
)
def test_a_bad_rating_is_refused_and_the_link_stays_open(esc, score, comment, field):
    _, request = resolved(esc)
    token = token_for(request)
    with pytest.raises(DomainError) as raised:
        record_rating(token, score, comment)
    assert raised.value.status == 422 and field in raised.value.fields
    db.session.rollback()
    assert request_of(request.escalation).rated_at is None
    assert request_for_token(token)


# --- A reopened escalation resolved again ----------------------------------------------


def _reopen_and_resolve(esc, escalation, now):
    services.transition(escalation, esc.user("acme_tech"), "reopen", now=now)
    services.transition(escalation, esc.user("vendor_engineer"), "resolve", note="Again", now=now)
    db.session.commit()
    return request_of(escalation)


def test_resolved_again_keeps_the_unused_link_and_mails_no_second(esc):
    agreement_terms(esc, vendor_may_contact=True)
    now = utcnow()
    escalation, first = resolved(esc, now=now)
    nonce, expires_at = first.nonce, first.expires_at
    again = _reopen_and_resolve(esc, reload(escalation), now + timedelta(days=3))
    assert (again.id, again.nonce, again.expires_at) == (first.id, nonce, expires_at)
    assert len(mail_to(CUSTOMER_EMAIL)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(RatingRequest)) == 1


def test_resolved_again_after_a_rating_asks_nothing_more(esc):
    now = utcnow()
    escalation, first = resolved(esc, now=now)
    nonce, issued_at = first.nonce, first.issued_at
    record_rating(token_for(first), 2, "Came back", now=now + timedelta(days=1))
    db.session.commit()
    mails = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))
    again = _reopen_and_resolve(esc, reload(escalation), now + timedelta(days=2))
    assert (again.score, again.nonce, again.issued_at) == (2, nonce, issued_at)
    # The partner hears of the resolution, with no new link to pass on.
    (resolved_mail,) = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)
    ).all()
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) > mails
    assert "/rate/" not in resolved_mail.body


def test_resolved_again_after_the_link_expired_unused_issues_a_new_one(esc):
    agreement_terms(esc, vendor_may_contact=True)
    now = utcnow() - timedelta(days=40)
    escalation, first = resolved(esc, now=now)
    old_token, old_nonce = token_for(first), first.nonce
    # Reopening is allowed for 14 days after the resolution: reopen within them, and
    # resolve again after the first link has expired.
    escalation = reload(escalation)
    services.transition(escalation, esc.user("acme_tech"), "reopen", now=now + timedelta(days=5))
    services.transition(
        escalation, esc.user("vendor_engineer"), "resolve", note="x", now=now + timedelta(days=35)
    )
    db.session.commit()
    renewed = request_of(escalation)
    assert renewed.id == first.id and renewed.nonce != old_nonce
    assert renewed.expires_at == now + timedelta(days=65)
    assert refusal(old_token, now + timedelta(days=36)).status == 404
    assert request_for_token(token_for(renewed), now + timedelta(days=36))
    assert len(mail_to(CUSTOMER_EMAIL)) == 2


# --- Who sees the ratings ---------------------------------------------------------------

#: principal -> sees acme's rating (the scoped query every page uses)
SEES_ACME_RATING = {
    "anonymous": False,
    "vendor_admin": True,
    "support_manager": True,
    "vendor_engineer": True,
    "acme_admin": True,
    "acme_tech": True,
    "globex_admin": False,
    "globex_tech": False,
}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_a_rating_is_visible_to_its_partner_and_the_vendor_only(esc, principal):
    from portal.access import Anonymous

    _, request = resolved(esc)
    record_rating(token_for(request), 3, "")
    db.session.commit()
    who = Anonymous() if principal == "anonymous" else esc.user(principal)
    visible = db.session.scalars(scoped(RatingRequest, who)).all()
    assert (request.id in [r.id for r in visible]) is SEES_ACME_RATING[principal]
