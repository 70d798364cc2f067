"""The review runs the same statements however much history there is: more months of
escalations, on other products, rejected for other reasons, more technicians with
certifications, more check-ins with actions, more open escalations, more ratings with
comments; on the page, its PDF and its CSV."""

from datetime import UTC, datetime, timedelta

import pytest

from certification.certifications import issue_certification
from portal.extensions import db
from portal.models.base import utcnow
from portal.models.checkins import CheckIn, CheckInAction
from tests.factories import make_product, make_user, signed_in
from tests.management.review_support import rated
from tests.management.rollup_support import placed

REASONS = ("customization", "duplicate", "out_of_scope", "documented_in_kb")
URLS = (
    "/management/partners/acme?window=365",
    "/management/partners/acme/reasons.csv?window=365",
    "/management/partners/acme/technicians.csv?window=365",
    "/management/partners/acme/review.pdf?window=365",
)


def days_ago(days: int) -> datetime:
    return (utcnow() - timedelta(days=days)).replace(hour=10, tzinfo=UTC)


def check_in(esc, days: int, actions: int) -> None:
    held_on = days_ago(days).date()
    meeting = CheckIn(
        partner_id=esc.world.acme.id,
        held_on=held_on,
        channel="video",
        next_due_on=held_on + timedelta(days=90),
        snapshot={},
    )
    db.session.add(meeting)
    db.session.flush()
    for n in range(actions):
        db.session.add(
            CheckInAction(
                check_in_id=meeting.id,
                partner_id=esc.world.acme.id,
                description=f"Action {days}-{n}",
                owner_side="partner",
                due_on=held_on + timedelta(days=30),
            )
        )


def more_history(esc, first: int, last: int) -> None:
    """Escalations `first`..`last`-1, a month apart, each on a product of its own, with
    its own reason; a technician each, certified; a check-in each with two actions."""
    for n in range(first, last):
        product = make_product(f"product-{n}", releases=(f"{n}.0.0",))
        for status in ("rejected", "accepted", "submitted"):
            escalation = placed(
                esc,
                days_ago(30 * n + 2),
                status,
                reason=REASONS[n % len(REASONS)],
                triage_hours=n + 1 if status != "submitted" else None,
            )
            escalation.product = product
            escalation.release = product.releases[0]
        technician = make_user("technician", esc.world.acme, name=f"Technician {n}")
        issue_certification(technician, product.releases[0], today=utcnow().date())
        check_in(esc, 30 * n + 1, actions=2)
        rated(esc, "acme", 1 + n % 5, f"Comment {n}", days_ago(30 * n + 1))
    db.session.commit()


def statements(client, count_queries) -> list[int]:
    counts = []
    for url in URLS:
        with count_queries() as counter:
            response = client.get(url)
            response.get_data()
        assert response.status_code == 200, url
        counts.append(counter.count)
    return counts


@pytest.mark.parametrize("who", ["support_manager", "acme_admin"])
def test_the_review_runs_the_same_statements_for_more_history(app, esc, count_queries, who):
    client = signed_in(app, esc.user(who))
    more_history(esc, 0, 1)
    small = statements(client, count_queries)
    more_history(esc, 1, 5)
    html = client.get(URLS[0]).get_data(as_text=True)
    # The new rows are shown.
    assert "Technician 4" in html and "Action 31-1" in html and "Comment 0" in html
    assert statements(client, count_queries) == small
