"""Fee arithmetic on hand-computed values: both fee models, each tier, the rounding (half up
to the cent at each step), periods, declared amounts and the suggestion to readjust."""

from datetime import date
from decimal import Decimal as D

import pytest

from portal.management.fees import (
    FeeTerms,
    InvalidAmount,
    fee_figures,
    money_text,
    parse_amount,
    period_containing,
    period_kind,
    period_starting,
    readjustment,
    recent_periods,
)

# The tiers' discounts of these tests: registered none, certified 5 %, premier 12.5 %.
TIER_DISCOUNTS = {"registered": D("0"), "certified": D("5"), "premier": D("12.5")}


def percentage(percent: str, tier: str = "registered") -> FeeTerms:
    return FeeTerms("EUR", "percentage", D(percent), None, tier, TIER_DISCOUNTS[tier])


def fixed(fee: str, tier: str = "registered") -> FeeTerms:
    return FeeTerms("EUR", "fixed", None, D(fee), tier, TIER_DISCOUNTS[tier])


# 18 % of 12,345.67 = 2,222.2206 -> 2,222.22; then each tier's discount of that share.
@pytest.mark.parametrize(
    ("tier", "discount", "due", "per_escalation"),
    [
        ("registered", "0.00", "2222.22", "317.46"),  # 2222.22 / 7 = 317.4600
        ("certified", "111.11", "2111.11", "301.59"),  # 111.111 -> 111.11; 2111.11/7 = 301.587
        ("premier", "277.78", "1944.44", "277.78"),  # 277.7775 -> 277.78; 1944.44/7 = 277.777
    ],
)
def test_percentage_model_for_each_tier(tier, discount, due, per_escalation):
    figures = fee_figures(D("12345.67"), percentage("18", tier), escalations=7)
    assert figures.vendor_share == D("2222.22")
    assert figures.discount_amount == D(discount)
    assert figures.amount_due == D(due)
    assert figures.escalations == 7
    assert figures.cost_per_escalation == D(per_escalation)


# The fixed fee is the share whatever was declared.
@pytest.mark.parametrize(
    ("tier", "discount", "due", "per_escalation"),
    [
        ("registered", "0.00", "4500.00", "1500.00"),
        ("certified", "225.00", "4275.00", "1425.00"),
        ("premier", "562.50", "3937.50", "1312.50"),
    ],
)
def test_fixed_model_for_each_tier(tier, discount, due, per_escalation):
    figures = fee_figures(D("98765.43"), fixed("4500", tier), escalations=3)
    assert figures.vendor_share == D("4500.00")
    assert figures.discount_amount == D(discount)
    assert figures.amount_due == D(due)
    assert figures.cost_per_escalation == D(per_escalation)


@pytest.mark.parametrize(
    ("declared", "percent", "share"),
    [
        ("0.25", "2", "0.01"),  # 0.005 rounds half up (half-even would give 0.00)
        ("0.24", "2", "0.00"),  # 0.0048 rounds down
        ("100.05", "10", "10.01"),  # 10.005 -> 10.01 (half-even: 10.00)
        ("100.04", "10", "10.00"),  # 10.004
        ("0.00", "18", "0.00"),
    ],
)
def test_vendor_share_rounds_half_up_to_the_cent(declared, percent, share):
    assert fee_figures(D(declared), percentage(percent), 1).vendor_share == D(share)


def test_discount_and_cost_per_escalation_round_half_up_at_their_own_step():
    # share 10.10 (101.00 × 10 %); 5 % of it is 0.505 -> 0.51; due 9.59; / 2 = 4.795 -> 4.80
    figures = fee_figures(D("101.00"), percentage("10", "certified"), escalations=2)
    assert (figures.vendor_share, figures.discount_amount) == (D("10.10"), D("0.51"))
    assert figures.amount_due == D("9.59")
    assert figures.cost_per_escalation == D("4.80")
    # 0.05 due over 2 escalations: 0.025 -> 0.03
    assert fee_figures(D("0.05"), fixed("0.05"), 2).cost_per_escalation == D("0.03")


def test_no_cost_per_escalation_without_escalations():
    assert fee_figures(D("1000"), percentage("20"), 0).cost_per_escalation is None


def test_figures_are_decimals_never_floats():
    figures = fee_figures(D("1000"), percentage("20", "premier"), 3)
    for value in (figures.vendor_share, figures.discount_amount, figures.amount_due):
        assert type(value) is D and value.as_tuple().exponent == -2
    assert type(figures.cost_per_escalation) is D


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12500", "12500.00"), ("12,500.5", "12500.50"), (" 0.01 ", "0.01"), ("0", "0.00")],
)
def test_declared_amounts_as_people_type_them(typed, value):
    assert parse_amount(typed) == D(value)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Enter the support fees"),
        ("-5", "cannot be negative"),
        ("twelve", "Use digits"),
        ("1e5", "Use digits"),
        ("NaN", "Use digits"),
        ("Infinity", "Use digits"),
        ("12,50", "Use digits"),
        ("١٢", "Use digits"),  # Arabic-Indic digits: Decimal would take them
        ("12\x00", "Use digits"),
        ("10.005", "At most two decimals"),
        ("10000000000", "more than"),
    ],
)
def test_declared_amounts_that_are_not_amounts_are_refused(typed, says):
    with pytest.raises(InvalidAmount, match=says):
        parse_amount(typed)


def test_money_is_shown_with_the_currency_code():
    assert money_text(D("1234.5"), "EUR") == "EUR 1,234.50"
    assert money_text(D("0.005"), "USD") == "USD 0.01"
    assert money_text(None, "EUR") == "—"


def test_periods_are_calendar_aligned():
    quarter = period_containing(date(2026, 5, 17), "quarter")
    assert (quarter.start, quarter.end, quarter.label) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        "Q2 2026",
    )
    month = period_containing(date(2028, 2, 10), "month")
    assert (month.end, month.label) == (date(2028, 2, 29), "February 2028")
    year = period_containing(date(2026, 12, 31), "year")
    assert (year.start, year.end, year.label) == (date(2026, 1, 1), date(2026, 12, 31), "2026")
    assert quarter.months == [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    assert quarter.previous() == period_containing(date(2026, 3, 31), "quarter")
    assert period_containing(date(2026, 1, 5), "quarter").previous().label == "Q4 2025"
    assert period_starting(date(2026, 5, 1), "quarter") is None
    assert period_kind(date(2026, 4, 1), date(2026, 6, 30)) == "quarter"
    assert [p.label for p in recent_periods(date(2026, 2, 1), "quarter", 3)] == [
        "Q1 2026",
        "Q4 2025",
        "Q3 2025",
    ]


@pytest.mark.parametrize(
    ("volume", "previous", "suggested"),
    [
        (15, [10, 10], False),  # exactly 1.5 × the average: not above
        (16, [10, 10], True),
        (16, [10], False),  # one previous report says too little
        (100, [], False),
        (16, [10, 11, 12], False),  # average 11, threshold 16.5
        (17, [10, 11, 12], True),
        # Only the latest four count: the average of 10, 10, 10, 10 (not of the 100 too).
        (16, [10, 10, 10, 10, 100], True),
        (1, [0, 0], True),
        (0, [0, 0], False),
    ],
)
def test_readjusting_the_terms_is_suggested_above_one_and_a_half_times_the_average(
    volume, previous, suggested
):
    assert (readjustment(volume, previous) is not None) is suggested


def test_the_suggestion_carries_its_numbers():
    found = readjustment(18, [10, 11, 12, 13, 99])  # 18 × 4 = 72 > 1.5 × 46 = 69
    assert found.previous == (10, 11, 12, 13)
    assert (found.average, found.threshold) == (D("11.5"), D("17.3"))
