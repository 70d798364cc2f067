"""Ratings rolled up per partner, on hand-computed data, in a bounded number of queries."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from escalations.ratings.services import record_rating, token_for
from escalations.ratings.summary import RatingsSummary, partner_ratings_summary, ratings_summary
from portal.extensions import db
from portal.management.metrics import Window
from tests.factories import make_partner
from tests.ratings.support import resolved

DAY = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def rate(esc, partner, score, comment="", at=DAY, title=None):
    """A resolved escalation of `partner` rated `score` at `at`."""
    escalation, request = resolved(esc, partner, now=at - timedelta(days=1), title=title)
    record_rating(token_for(request), score, comment, now=at)
    db.session.commit()
    return escalation


def test_count_mean_distribution_and_latest_comments_per_partner(esc, count_queries):
    # acme: 5, 4, 4, 1 -> 14 / 4 = 3.5; globex: 2, 3 -> 2.5; a third partner: none.
    rate(esc, "acme", 5, "Great", at=DAY)
    rate(esc, "acme", 4, "", at=DAY + timedelta(days=1))
    rate(esc, "acme", 4, "Good", at=DAY + timedelta(days=2), title="Newest acme")
    rate(esc, "acme", 1, "Slow", at=DAY + timedelta(days=3), title="Latest acme")
    rate(esc, "globex", 2, "Meh", at=DAY)
    rate(esc, "globex", 3, "", at=DAY + timedelta(days=1))
    quiet = make_partner("quiet").id
    db.session.commit()
    acme, globex = esc.world.acme.id, esc.world.globex.id

    with count_queries() as counter:
        summaries = ratings_summary([acme, globex, quiet], comments=2)
    assert counter.count <= 2

    assert summaries[acme].count == 4
    assert summaries[acme].mean == Decimal("3.5")
    assert summaries[acme].distribution == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}
    # Latest first, empty comments left out, two per partner.
    assert [(c.score, c.comment, c.escalation_title) for c in summaries[acme].latest_comments] == [
        (1, "Slow", "Latest acme"),
        (4, "Good", "Newest acme"),
    ]
    assert summaries[globex].count == 2
    assert summaries[globex].mean == Decimal("2.5")
    assert summaries[globex].distribution == {1: 0, 2: 1, 3: 1, 4: 0, 5: 0}
    assert [c.comment for c in summaries[globex].latest_comments] == ["Meh"]
    assert summaries[quiet] == RatingsSummary()
    assert summaries[quiet].mean is None

    # The same two queries for one partner as for three.
    with count_queries() as counter:
        ratings_summary([acme])
    assert counter.count <= 2


def test_the_mean_rounds_half_up_to_one_decimal(esc):
    # 5 + 5 + 4 = 14 / 3 = 4.666... -> 4.7; globex 4 + 4 + 5 = 13 / 3 = 4.333... -> 4.3
    for score in (5, 5, 4):
        rate(esc, "acme", score)
    for score in (4, 4, 5):
        rate(esc, "globex", score)
    summaries = ratings_summary([esc.world.acme.id, esc.world.globex.id], comments=0)
    assert summaries[esc.world.acme.id].mean == Decimal("4.7")
    assert summaries[esc.world.globex.id].mean == Decimal("4.3")
    assert str(summaries[esc.world.acme.id].mean) == "4.7"


def test_a_window_counts_the_ratings_given_in_its_days(esc):
    rate(esc, "acme", 1, "Before", at=datetime(2026, 5, 31, 23, 59, tzinfo=UTC))
    rate(esc, "acme", 5, "First day", at=datetime(2026, 6, 1, 0, 0, tzinfo=UTC))
    rate(esc, "acme", 4, "Last day", at=datetime(2026, 6, 30, 23, 59, tzinfo=UTC))
    rate(esc, "acme", 2, "After", at=datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    june = Window(date(2026, 6, 1), date(2026, 6, 30))
    summary = ratings_summary([esc.world.acme.id], window=june)[esc.world.acme.id]
    assert (summary.count, summary.mean) == (2, Decimal("4.5"))
    assert [c.comment for c in summary.latest_comments] == ["Last day", "First day"]
    assert ratings_summary([esc.world.acme.id])[esc.world.acme.id].count == 4


def test_unanswered_requests_do_not_count(esc):
    resolved(esc, "acme")
    rate(esc, "acme", 3)
    summary = ratings_summary([esc.world.acme.id])[esc.world.acme.id]
    assert summary.count == 1 and summary.distribution[3] == 1


def test_no_partners_no_query(count_queries):
    with count_queries() as counter:
        assert ratings_summary([]) == {}
    assert counter.count == 0


def test_the_dashboard_gets_every_partners_figures_in_one_query(esc, count_queries):
    rate(esc, "acme", 5, "Great")
    rate(esc, "globex", 2, "Slow")
    partners = [esc.world.acme.id, esc.world.globex.id, make_partner("quiet").id]
    db.session.commit()
    with count_queries() as counter:
        summaries = ratings_summary(partners, comments=0)
    assert counter.count == 1
    assert [summaries[p].count for p in partners] == [1, 1, 0]
    assert all(s.latest_comments == [] for s in summaries.values())


def test_one_partners_summary(esc):
    rate(esc, "acme", 5, "Great", at=DAY)
    rate(esc, "acme", 2, "Slow", at=DAY + timedelta(days=40))
    rate(esc, "globex", 1, "Other partner")
    acme = esc.world.acme.id
    summary = partner_ratings_summary(acme)
    assert summary == ratings_summary([acme])[acme]
    assert (summary.count, summary.mean) == (2, Decimal("3.5"))
    june = Window(date(2026, 6, 1), date(2026, 6, 30))
    assert partner_ratings_summary(acme, june, comments=0) == RatingsSummary(
        count=1, mean=Decimal("5.0"), distribution={1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    )
