"""The partner review's figures on small hand-computed data: the months x reasons table,
the median time to triage per month, the window's totals, the vendor median beside them
(vendor staff only), and what the review lists: open escalations, technicians, the
customers' ratings and the onboarding checklist while it is not complete."""

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.management.dashboard import WindowChoice
from portal.management.metrics import Window
from portal.management.review import build_review, hours
from tests.management.review_support import complete_onboarding, rated
from tests.management.rollup_support import placed

TODAY = date(2026, 12, 2)
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def months(first: date, last: date) -> WindowChoice:
    return WindowChoice(Window.months(first, last), first_month=first, last_month=last)


@pytest.fixture
def history(esc):
    """acme: September two customisation rejections (triaged in 1 h and 3 h) and one
    accepted (30 min); October a duplicate (10 h) and one not triaged yet; November
    nothing. globex: five in October, one rejected as documented in the KB."""
    placed(esc, at("2026-09-03"), "rejected", reason="customization", triage_hours=1)
    placed(esc, at("2026-09-14"), "rejected", reason="customization", triage_hours=3)
    placed(esc, at("2026-09-30", 23), "accepted", triage_hours=0.5)
    placed(esc, at("2026-10-01", 0), "rejected", reason="duplicate", triage_hours=10)
    placed(esc, at("2026-10-20"), "submitted")
    placed(esc, at("2026-10-05"), "rejected", "globex", reason="documented_in_kb")
    for day in ("06", "07", "08", "09"):
        placed(esc, at(f"2026-10-{day}"), "accepted", "globex", triage_hours=2)
    db.session.commit()
    return esc


def test_months_by_reasons_counts_each_rejection_in_its_month_of_submission(history):
    review = build_review(history.world.acme, months(SEP, NOV), for_vendor=True, today=TODAY)
    table = {
        row.month: {reason: row.reason_count(reason) for reason in review.reasons}
        for row in review.months
    }
    assert review.reasons == ["customization", "duplicate"]  # the workflow's order
    assert table == {
        SEP: {"customization": 2, "duplicate": 0},
        OCT: {"customization": 0, "duplicate": 1},
        NOV: {"customization": 0, "duplicate": 0},
    }
    assert [(row.escalations, row.unwarranted) for row in review.months] == [
        (3, 2),
        (2, 1),
        (0, 0),
    ]
    # globex's documented_in_kb is globex's alone.
    assert review.months_total.reasons == Counter({"customization": 2, "duplicate": 1})


def test_median_time_to_triage_per_month(history):
    review = build_review(history.world.acme, months(SEP, NOV), for_vendor=False, today=TODAY)
    # September: 30 min in [30m, 1h), 1 h in [1h, 2h), 3 h in [2h, 4h). The middle (1.5 of
    # 3) falls in [1h, 2h), half-way through its one value: 1 h + 1 h * 0.5 = 1.5 h.
    # October: 10 h alone in [8h, 1d): 8 h + 16 h * 0.5 / 1 = 16 h. November: nothing.
    assert [row.median_triage_hours for row in review.months] == [
        Decimal("1.5"),
        Decimal("16.0"),
        None,
    ]


def test_window_totals_seats_and_the_vendor_median(history):
    acme = history.world.acme
    review = build_review(acme, months(SEP, NOV), for_vendor=True, today=TODAY)
    assert (review.total.submitted, review.total.unwarranted) == (5, 3)
    assert review.total.unwarranted_rate == Decimal("60.0")
    # acme's one customer has 100 seats: 5 escalations are 5.00 per 100 seats, September's
    # 3 are 3.00.
    assert review.seats == 100
    assert review.per_100_seats == Decimal("5.00")
    assert review.months[0].per_100_seats == Decimal("3.00")
    # The median of acme's 60 % and globex's 20 % (each with at least 5 escalations).
    assert review.vendor_median == Decimal("40.0")
    assert "unwarranted_rate_high" in review.flags  # 60 % > 25 %


def test_a_partners_own_review_reads_no_other_partners_figures(history):
    review = build_review(history.world.acme, months(SEP, NOV), for_vendor=False, today=TODAY)
    assert review.vendor_median is None
    assert review.flags == []
    assert review.total.unwarranted_rate == Decimal("60.0")


def test_a_window_of_days_counts_its_days_and_shows_the_months_it_touches(history):
    # 30 days ending 2 November: 4 October to 2 November. October's 20th is in, its 1st
    # (the duplicate) is out; the table still shows October and November whole.
    choice = WindowChoice(Window.last_days(30, date(2026, 11, 2)), days=30)
    review = build_review(history.world.acme, choice, for_vendor=False, today=TODAY)
    assert [row.month for row in review.months] == [OCT, NOV]
    assert (review.total.submitted, review.total.unwarranted) == (1, 0)
    assert review.months_total.unwarranted == 1


def test_open_escalations_newest_first(history):
    review = build_review(history.world.acme, months(SEP, NOV), for_vendor=False, today=TODAY)
    assert review.open_count == 2  # October's submitted one, September's accepted one
    assert [e.submitted_at.date() for e in review.open_escalations] == [
        date(2026, 10, 20),
        date(2026, 9, 30),
    ]


def test_technicians_with_their_certifications(history):
    review = build_review(history.world.acme, months(SEP, NOV), for_vendor=False, today=TODAY)
    names = {t.email: review.certifications.get(t.id, []) for t in review.technicians}
    assert set(names) == {
        "tech@acme.example",
        "newbie@acme.example",
        "colleague@acme.example",
    }
    assert names["newbie@acme.example"] == []
    assert [c["status"] for c in names["tech@acme.example"]] == ["valid"]


def test_hours_and_reasons_helpers():
    assert hours(None) is None
    assert hours(5400) == Decimal("1.5")
    assert hours(180) == Decimal("0.1")  # 0.05 h rounds half up


def test_the_ratings_given_in_the_window_are_the_partners_own(esc):
    # In September to November: acme 5 ("Quick") and 2 ("Slow"); before it, acme's 1;
    # globex's 4 in the window is globex's alone.
    rated(esc, "acme", 1, "Long ago", at("2026-08-20"))
    rated(esc, "acme", 5, "Quick", at("2026-09-20"))
    rated(esc, "acme", 2, "Slow", at("2026-10-20"))
    rated(esc, "globex", 4, "Globex's customer", at("2026-10-21"))
    review = build_review(esc.world.acme, months(SEP, NOV), for_vendor=False, today=TODAY)
    assert review.ratings.count == 2
    assert review.ratings.mean == Decimal("3.5")
    assert review.ratings.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert [c.comment for c in review.ratings.latest_comments] == ["Slow", "Quick"]


def test_the_onboarding_checklist_shows_until_it_is_complete(esc):
    acme = esc.world.acme
    review = build_review(acme, months(SEP, NOV), for_vendor=True, today=TODAY)
    assert review.onboarding is not None
    assert review.onboarding.item("check_in").done is False
    complete_onboarding(esc, acme)
    db.session.expire_all()
    assert build_review(acme, months(SEP, NOV), for_vendor=True, today=TODAY).onboarding is None
