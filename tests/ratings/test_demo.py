"""The demo's customer ratings: both partners have some, varied, with comments; each keeps
one open link for its people to pass on; none was mailed (both demo agreements keep the
vendor from contacting customers)."""

from sqlalchemy import select

from escalations.models import Escalation
from escalations.ratings.models import RatingRequest
from escalations.ratings.services import token_for
from escalations.ratings.summary import ratings_summary
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models import OutboxMessage, Partner
from portal.models.base import utcnow
from tests.factories import Browser


def test_the_demo_has_ratings_for_both_partners_and_a_link_to_pass_on(app):
    seed_demo()
    now = utcnow()
    partners = {p.slug: p for p in db.session.scalars(select(Partner))}
    requests = db.session.scalars(select(RatingRequest)).all()
    resolved = db.session.scalars(
        select(Escalation.id).where(Escalation.status.in_(("resolved", "closed")))
    ).all()
    # Every resolution asked for a rating; both agreements have the partner pass links on.
    assert {r.escalation_id for r in requests} >= set(resolved)
    assert {r.delivery for r in requests} == {"partner"}
    summaries = ratings_summary([p.id for p in partners.values()])
    for slug in ("acme", "globex"):
        summary = summaries[partners[slug].id]
        assert summary.count >= 4, slug
        assert len({s for s, n in summary.distribution.items() if n}) >= 3, slug
        assert summary.latest_comments, slug
        live = [r for r in requests if r.partner_id == partners[slug].id and r.is_live(now)]
        assert len(live) >= 1, slug
    # Nothing was mailed to a customer: no request names a recipient, no mail holds a link.
    assert all(r.recipient is None for r in requests)
    bodies = db.session.scalars(select(OutboxMessage.body)).all()
    assert not any(token_for(r) in body for r in requests for body in bodies)

    # The partner admin sees the open link on the escalation's page and the link works.
    live = next(r for r in requests if r.partner_id == partners["acme"].id and r.is_live(now))
    client = Browser(app.test_client())
    assert client.login("admin@acme.example", DEMO_PASSWORD).status_code == 302
    page = client.client.get(f"/escalations/{live.escalation_id}")
    assert token_for(live) in page.text
    assert app.test_client().get(f"/rate/{token_for(live)}").status_code == 200
    assert client.client.get(f"/partners/{partners['acme'].id}/ratings").status_code == 200
