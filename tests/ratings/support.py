"""Rating test objects: a resolved escalation under a chosen agreement, and its link."""

from datetime import timedelta

from sqlalchemy import select

from escalations import services
from escalations.ratings.models import RatingRequest
from escalations.ratings.services import token_for
from portal.extensions import db
from portal.models import OutboxMessage
from portal.models.base import utcnow
from tests.escalations.support import escalation_in

CUSTOMER_EMAIL = "it-desk@customer.example"


def agreement_terms(esc, partner: str = "acme", *, vendor_may_contact: bool, email=CUSTOMER_EMAIL):
    """The partner's agreement in force lets the vendor contact customers (or not); its
    customer has `email` as contact address."""
    world = esc.world
    getattr(world, partner).agreement_in_force.vendor_may_contact_customers = vendor_may_contact
    getattr(world, f"{partner}_customer").contact_email = email
    db.session.commit()


def resolved(esc, partner: str = "acme", now=None, title=None):
    """An escalation of `partner` accepted, then resolved through the service (which asks
    for the rating); committed. Returns (escalation, its rating request)."""
    now = now or utcnow()
    escalation = escalation_in(esc, "accepted", partner, now=now - timedelta(hours=2))
    if title:
        escalation.title = title
    services.transition(escalation, esc.user("vendor_engineer"), "resolve", note="Fixed", now=now)
    db.session.commit()
    return escalation, request_of(escalation)


def request_of(escalation) -> RatingRequest | None:
    db.session.expire_all()
    return db.session.scalar(
        select(RatingRequest).where(RatingRequest.escalation_id == escalation.id)
    )


def link_path(request: RatingRequest) -> str:
    return f"/rate/{token_for(request)}"


def mail_to(recipient: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient)
    ).all()
