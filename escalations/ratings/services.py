"""Rating requests: issued when an escalation is resolved, answered once through their link.

The link carries the request's random nonce signed with the app's secret key
(itsdangerous, salted for this use). The nonce is stored in clear, not hashed as the
password links are, because the partner must be able to see the link again on the
escalation's page for as long as it is unused when the agreement has it pass the link on.
Signing keeps a leaked table from being enough to forge a link; a link names no
escalation (only the nonce), so it reveals nothing of any other. Single use, expiry and
the one-request-per-escalation rule live in the row (`rated_at`, `expires_at`, a unique
`escalation_id`), so moving `now` in a test moves them too.
"""

import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from escalations.models import Escalation
from escalations.ratings.models import SCORES, RatingRequest
from portal.access import Anonymous
from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.mail import enqueue_mail
from portal.models.base import utcnow

TOKEN_SALT = "customer-rating"
#: Longer than any token we sign: refused before any work.
TOKEN_MAX = 200
COMMENT_MAX = 2000

NOT_FOUND = "This rating link is not valid. Check that it was copied whole."
USED = "This link has already been used: the rating was received. Thank you."
EXPIRED = "This rating link has expired."

#: Who the audit log names for a rating: the customer has no account.
CUSTOMER_LABEL = "the customer, through the rating link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def token_for(request: RatingRequest) -> str:
    return _serializer().dumps(request.nonce)


def rating_link(request: RatingRequest) -> str:
    """The rating page under PUBLIC_BASE_URL, built without a request (mail is queued by
    services called from the API, the worker and the CLI too)."""
    path = current_app.url_map.bind("").build("ratings.rate", {"rating_token": token_for(request)})
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def customer_address(escalation: Escalation) -> str | None:
    """Where the vendor may mail the customer: its contact address, only when the
    partner's agreement in force lets the vendor contact customers directly."""
    agreement = escalation.partner.agreement_in_force
    customer = escalation.customer
    if agreement is None or not agreement.vendor_may_contact_customers or customer is None:
        return None
    return customer.contact_email or None


def request_rating(
    escalation: Escalation, now: datetime | None = None, *, actor=None
) -> RatingRequest:
    """Ask the customer to rate the support on a just-resolved escalation.

    One request per escalation: a second resolution (after a reopen) keeps the link already
    issued while it is unused and unexpired, and asks nothing once the customer has rated;
    only a link that expired unused is replaced (a new nonce: the old link stays dead).
    `actor` (who resolved the escalation) is named in the audit log.
    """
    now = now or utcnow()
    request = db.session.scalar(
        select(RatingRequest).where(RatingRequest.escalation_id == escalation.id)
    )
    if request is not None and (request.is_rated or request.is_live(now)):
        return request
    recipient = customer_address(escalation)
    if request is None:
        request = RatingRequest(escalation=escalation, partner_id=escalation.partner_id)
    request.nonce = secrets.token_urlsafe(24)
    request.issued_at = now
    request.expires_at = now + timedelta(days=current_app.config["RATING_LINK_DAYS"])
    request.delivery = "mail" if recipient else "partner"
    request.recipient = recipient
    db.session.add(request)
    db.session.flush()
    record_change(
        "rating_request.issued",
        request,
        partner_id=request.partner_id,
        after={
            "delivery": request.delivery,
            "recipient": recipient,
            "expires_at": request.expires_at,
        },
        summary=f"Rating link for escalation #{escalation.id} "
        + (f"mailed to {recipient}" if recipient else "handed to the partner to pass on"),
        actor=actor,
    )
    if recipient:
        enqueue_mail(
            recipient,
            f"How was the support on: {escalation.title}",
            "ratings/mail/rating_request.txt",
            escalation=escalation,
            request=request,
            link=rating_link(request),
        )
    return request


def request_for_token(token: str, now: datetime | None = None) -> RatingRequest:
    """The request a link names, still open for a rating; DomainError 404 for a link we did
    not sign (or no longer know), 410 for one used or expired."""
    now = now or utcnow()
    nonce = None
    if len(token or "") <= TOKEN_MAX:
        try:
            nonce = _serializer().loads(token)
        except BadSignature:
            nonce = None
    request = None
    if isinstance(nonce, str):
        request = db.session.scalar(select(RatingRequest).where(RatingRequest.nonce == nonce))
    if request is None:
        raise DomainError("link_not_found", NOT_FOUND, status=404)
    if request.is_rated:
        raise DomainError("link_used", USED, status=410)
    if now >= request.expires_at:
        raise DomainError("link_expired", EXPIRED, status=410)
    return request


def _checked(score, comment: str | None) -> tuple[int, str]:
    fields = {}
    if score not in SCORES:
        fields["score"] = "Choose a rating from 1 to 5."
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        fields["comment"] = f"At most {COMMENT_MAX:,} characters."
    elif "\x00" in comment:
        fields["comment"] = "The comment holds a character that cannot be stored."
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)
    return score, comment


def record_rating(token: str, score, comment: str | None, now: datetime | None = None):
    """Keep the customer's rating; the link is used from then on. The update claims the
    row only while unrated, so two submissions at once record one rating, not two."""
    now = now or utcnow()
    request = request_for_token(token, now)
    score, comment = _checked(score, comment)
    claimed = db.session.execute(
        update(RatingRequest)
        .where(RatingRequest.id == request.id, RatingRequest.rated_at.is_(None))
        .values(score=score, comment=comment, rated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise DomainError("link_used", USED, status=410)
    db.session.refresh(request)
    entry = record_change(
        "rating_request.answered",
        request,
        partner_id=request.partner_id,
        after={"score": score, "comment_length": len(comment)},
        summary=f"Escalation #{request.escalation_id} rated {score}/5 by its customer",
        actor=Anonymous(),
    )
    entry.actor_label = CUSTOMER_LABEL
    return request


def rating_of(escalation: Escalation) -> RatingRequest | None:
    """The escalation's rating request, if it was resolved since ratings exist."""
    return db.session.scalar(
        select(RatingRequest).where(RatingRequest.escalation_id == escalation.id)
    )


def rating_panel(escalation: Escalation, principal, now: datetime | None = None) -> dict:
    """The escalation page's rating block: the request, and the link for the partner's
    people to pass on while it is theirs to pass on and still open (never for vendor
    staff, whom the agreement keeps from contacting the customer)."""
    now = now or utcnow()
    request = rating_of(escalation)
    link = None
    if (
        request is not None
        and request.delivery == "partner"
        and request.is_live(now)
        and principal.is_partner_user
        and principal.partner_id == request.partner_id
    ):
        link = rating_link(request)
    return {"rating": request, "rating_link": link, "now": now}
