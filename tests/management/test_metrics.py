"""The figures on small hand-computed data: rates, the unwarranted rate, the vendor median,
median times, and windows that cut a month in two."""

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.management.metrics import (
    Window,
    monthly_tallies,
    partner_tallies,
    rate_per_100_seats,
    seats_by_partner,
    vendor_median_unwarranted,
)
from portal.management.tally import Tally, bucket_of, contribution, median_of_histogram, percent
from tests.factories import make_customer
from tests.management.rollup_support import placed

TODAY = date(2026, 12, 2)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (0, 0, None),
        (0, 4, Decimal("0.0")),
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (1, 8, Decimal("12.5")),
        (1, 16, Decimal("6.3")),
    ],  # 6.25 rounds half up
)
def test_percent_to_one_decimal_half_up(part, whole, expected):
    assert percent(part, whole) == expected


def test_rate_per_100_seats():
    assert rate_per_100_seats(3, 0) is None
    assert rate_per_100_seats(3, 150) == Decimal("2.00")
    assert rate_per_100_seats(1, 300) == Decimal("0.33")
    assert rate_per_100_seats(1, 8) == Decimal("12.50")


def test_buckets_take_the_bound_into_the_next_bucket():
    assert bucket_of(0) == "15m"
    assert bucket_of(899) == "15m"
    assert bucket_of(900) == "30m"
    assert bucket_of(3600) == "2h"
    assert bucket_of(31 * 86400) == "more"


def test_median_is_interpolated_within_the_middle_bucket():
    assert median_of_histogram(Counter()) is None
    # 4 values: 1 in [0, 15m), 2 in [1h, 2h), 1 in [2h, 4h). The middle (2 of 4) is the
    # first of the two in [1h, 2h): 1h + 1h * (2 - 1) / 2 = 1.5 h.
    assert median_of_histogram(Counter({"15m": 1, "2h": 2, "4h": 1})) == 5400
    # 3 values, middle 1.5: all three in [15m, 30m): 15m + 15m * 1.5 / 3 = 22.5 min.
    assert median_of_histogram(Counter({"30m": 3})) == 1350
    # In the open last bucket, its lower bound: 30 days.
    assert median_of_histogram(Counter({"more": 1})) == 30 * 86400


def test_an_escalations_contribution_by_state():
    base = {
        "partner_id": 1,
        "product_id": 2,
        "submitted_at": at("2026-10-31", 23),
        "first_response_at": at("2026-11-01", 1),
        "resolved_at": None,
        "resumes_to": None,
        "rejection_reason": None,
    }
    assert contribution({**base, "status": "draft", "submitted_at": None}) is None
    key, tally = contribution({**base, "status": "rejected", "rejection_reason": "duplicate"})
    assert key == (1, 2, date(2026, 10, 1))  # the month it was submitted in
    assert (tally.submitted, tally.rejected, tally.accepted, tally.triaged) == (1, 1, 0, 1)
    assert tally.triage_seconds == 7200 and tally.triage == Counter({"4h": 1})
    assert tally.reasons == Counter({"duplicate": 1})
    _, tally = contribution({**base, "status": "waiting_on_partner", "resumes_to": "accepted"})
    assert tally.accepted == 1
    _, tally = contribution({**base, "status": "waiting_on_partner", "resumes_to": "submitted"})
    assert tally.accepted == 0
    _, tally = contribution({**base, "status": "closed", "resolved_at": at("2026-11-02", 23)})
    assert (tally.accepted, tally.resolved, tally.resolve_seconds) == (1, 1, 2 * 86400)
    _, tally = contribution({**base, "status": "withdrawn"})
    assert (tally.submitted, tally.withdrawn, tally.accepted) == (1, 1, 0)


def test_unwarranted_rate_counts_rejections_over_everything_submitted():
    tally = Tally(submitted=8, rejected=2, withdrawn=1, accepted=5)
    assert tally.unwarranted == 2
    assert tally.unwarranted_rate == Decimal("25.0")
    assert Tally().unwarranted_rate is None


def test_vendor_median_odd_even_and_minimum():
    tallies = {
        1: Tally(submitted=10, rejected=1),  # 10 %
        2: Tally(submitted=10, rejected=3),  # 30 %
        3: Tally(submitted=4, rejected=2),  # 50 %, but only 4 escalations
        4: Tally(),
    }
    assert vendor_median_unwarranted(tallies) == Decimal("30.0")  # 10, 30, 50
    assert vendor_median_unwarranted(tallies, min_escalations=5) == Decimal("20.0")  # 10, 30
    assert vendor_median_unwarranted({4: Tally()}) is None


def test_window_split_reads_partial_months_from_escalations():
    window = Window.last_days(30, TODAY)  # 3 Nov .. 2 Dec
    assert (window.start, window.end, window.days) == (date(2026, 11, 3), TODAY, 30)
    assert window.split(TODAY) == ([date(2026, 12, 1)], [(date(2026, 11, 3), date(2026, 11, 30))])
    months = Window.months(date(2026, 9, 1), date(2026, 11, 1))
    assert (months.start, months.end) == (date(2026, 9, 1), date(2026, 11, 30))
    assert months.split(TODAY) == ([date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)], [])
    # A window ending in the past, mid-month, reads that month's days from escalations.
    past = Window(date(2026, 10, 1), date(2026, 10, 15))
    assert past.split(TODAY) == ([], [(date(2026, 10, 1), date(2026, 10, 15))])


def test_partner_tallies_over_a_window_that_cuts_a_month(esc):
    world = esc.world
    # acme: 2 Nov (outside the 30 days), 10 Nov rejected, 1 Dec triaged in 30 minutes.
    placed(esc, at("2026-11-02"), "rejected", reason="customization")
    placed(esc, at("2026-11-10"), "rejected", reason="duplicate", triage_hours=3)
    placed(esc, at("2026-12-01"), "accepted", triage_hours=0.5)
    # globex: 20 Nov accepted and resolved.
    placed(esc, at("2026-11-20"), "resolved", "globex", triage_hours=1, resolve_hours=48)
    db.session.commit()

    tallies = partner_tallies(Window.last_days(30, TODAY), today=TODAY)
    acme, globex = tallies[world.acme.id], tallies[world.globex.id]
    assert (acme.submitted, acme.rejected, acme.accepted) == (2, 1, 1)
    assert acme.reasons == Counter({"duplicate": 1})
    assert acme.unwarranted_rate == Decimal("50.0")
    # Triage times 3 h ([2h, 4h)) and 30 min ([30m, 1h)); middle 1 of 2 is the 30 min
    # bucket's only value: 30m + 30m * 1/1 = 1 h.
    assert acme.median_triage_seconds == 3600
    assert (globex.submitted, globex.resolved, globex.resolve_seconds) == (1, 1, 48 * 3600)

    whole_november = partner_tallies(Window.months(date(2026, 11, 1), date(2026, 11, 1)))
    assert whole_november[world.acme.id].submitted == 2
    assert whole_november[world.acme.id].reasons == Counter({"customization": 1, "duplicate": 1})
    only_one = partner_tallies(Window.last_days(30, TODAY), [world.globex.id], today=TODAY)
    assert list(only_one) == [world.globex.id]


def test_monthly_tallies_have_every_month_and_seats_add_up(esc):
    world = esc.world
    placed(esc, at("2026-09-15"), "rejected", reason="out_of_scope")
    placed(esc, at("2026-11-15"), "submitted")
    make_customer(world.acme, "Second", seats=50)
    db.session.commit()
    monthly = monthly_tallies([world.acme.id], date(2026, 9, 1), date(2026, 11, 1))
    assert [(m, t.submitted, t.rejected) for m, t in monthly[world.acme.id].items()] == [
        (date(2026, 9, 1), 1, 1),
        (date(2026, 10, 1), 0, 0),
        (date(2026, 11, 1), 1, 0),
    ]
    assert seats_by_partner([world.acme.id, world.globex.id]) == {
        world.acme.id: 150,
        world.globex.id: 100,
    }
