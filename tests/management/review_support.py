"""What the partner review tests set up beyond escalations: a customer's rating, and a
partner whose onboarding is complete."""

from datetime import datetime, timedelta

from sqlalchemy import update

from escalations.ratings.services import record_rating, token_for
from portal.extensions import db
from portal.models import CheckIn, User
from portal.models.base import utcnow
from portal.partners.onboarding import checklist_for, confirm_procedures
from tests.ratings.support import resolved


def rated(esc, partner: str, score: int, comment: str, at: datetime):
    """A resolved escalation of `partner` whose customer rated it `score` at `at`."""
    _escalation, request = resolved(esc, partner, now=at - timedelta(days=1))
    record_rating(token_for(request), score, comment, now=at)
    db.session.commit()


def complete_onboarding(esc, partner) -> None:
    """Everything the checklist asks of `partner`, done."""
    today = utcnow().date()
    db.session.execute(
        update(User).where(User.partner_id == partner.id).values(last_login_at=utcnow())
    )
    db.session.add(
        CheckIn(
            partner_id=partner.id,
            held_on=today,
            channel="phone",
            next_due_on=today + timedelta(days=90),
        )
    )
    db.session.commit()
    if not checklist_for(partner).item("procedures").done:
        confirm_procedures(partner, esc.user(f"{partner.slug}_admin"))
        db.session.commit()
    missing = [item.key for item in checklist_for(partner).items if not item.done]
    assert missing == [], missing
