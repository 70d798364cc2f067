"""Demo: customers' ratings of the demo's resolved and closed escalations.

Called by `seed-demo` after the escalation demo, whose resolutions asked for the ratings
(both demo agreements keep the vendor from contacting customers: the links went to the
partners). Each partner's latest open link stays pending, to pass on; a few earlier ones
are answered through the same service as the rating page, at the moment the customer
answered.
"""

from datetime import timedelta

from sqlalchemy import select

from escalations.ratings.models import RatingRequest
from escalations.ratings.services import record_rating, token_for
from portal.extensions import db
from portal.models import Partner
from portal.models.base import utcnow

ANSWERS = {
    "acme": (
        (5, "Fixed within the day, and the workaround kept us going meanwhile."),
        (4, ""),
        (5, "Clear explanations at every step."),
        (3, "It took several rounds of questions before anyone reproduced it."),
        (4, "Good outcome; the status mails were helpful."),
    ),
    "globex": (
        (4, "Solved, thank you."),
        (2, "We waited a week for a first answer."),
        (3, ""),
        (4, "The engineer found the cause quickly once the logs were in."),
    ),
}


def seed(world: dict) -> None:
    seed_ratings()


def seed_ratings(now=None) -> None:
    now = now or utcnow()
    for slug, answers in ANSWERS.items():
        partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
        if partner is None:
            continue
        requests = db.session.scalars(
            select(RatingRequest)
            .where(RatingRequest.partner_id == partner.id, RatingRequest.rated_at.is_(None))
            .order_by(RatingRequest.issued_at.desc(), RatingRequest.id.desc())
        ).all()
        # The latest open link is left for the partner to pass on.
        pending = next((r for r in requests if r.is_live(now)), None)
        answered = [r for r in requests if r is not pending][: len(answers)]
        for request, (score, comment) in zip(answered, answers, strict=False):
            moment = min(request.issued_at + timedelta(days=2, hours=3), now)
            record_rating(token_for(request), score, comment, now=moment)
    db.session.flush()
