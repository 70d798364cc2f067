"""Fee arithmetic: a partner's fee period, the vendor's share of its declared support fees,
and the suggestion to readjust the terms. Pure functions over `Decimal`, never float.

Rounding (ROUND_HALF_UP to the currency's cents at each step; every currency an agreement
may name has two minor units, see `CURRENCIES`):

1. vendor share = declared fees × percentage / 100, rounded (the `percentage` model);
   the fixed fee per period (the `fixed` model);
2. tier discount = vendor share × the tier's discount percent / 100, rounded;
3. amount due = vendor share − tier discount (exact: both are whole cents);
4. cost per escalation = amount due / escalations submitted in the period, rounded;
   none when the period had no escalation.

Periods are calendar-aligned: a month, a quarter (January, April, July, October) or a
year, as the agreement's `fee_period` says.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENTS = Decimal("0.01")
HUNDRED = Decimal("100")
#: The most a report may declare: a typo's guard, within the columns' numeric(14, 2).
MAX_DECLARED = Decimal("9999999999.99")
#: ISO 4217 codes an agreement's fees may be in: each has cents (two minor units).
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "SGD")
#: The escalation volume that suggests readjusting the terms: above this multiple of the
#: average of the previous reports' volumes ...
READJUST_FACTOR = Decimal("1.5")
#: ... over at most this many previous reports, and at least `READJUST_MIN_HISTORY`.
READJUST_HISTORY = 4
READJUST_MIN_HISTORY = 2

_MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
# Digits with an optional decimal point, or thousands separated by commas ("12,500.00").
_AMOUNT = re.compile(r"(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?", re.ASCII)


def to_cents(value: Decimal) -> Decimal:
    """`value` rounded half up to cents: 0.005 -> 0.01, 0.00499 -> 0.00."""
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


# --- Periods -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter or year
    start: date
    end: date  # the last day, inclusive

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        return str(self.start.year)

    @property
    def months(self) -> list[date]:
        """The first day of each month of the period."""
        return [_add_months(self.start, n) for n in range(_MONTHS_IN[self.kind])]

    def previous(self) -> "Period":
        return period_containing(self.start - timedelta(days=1), self.kind)

    def has_started(self, today: date) -> bool:
        return self.start <= today


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(day: date, kind: str) -> Period:
    """The calendar-aligned period of `kind` that `day` falls in."""
    if kind not in _MONTHS_IN:
        raise ValueError(f"unknown fee period {kind!r}")
    length = _MONTHS_IN[kind]
    first_month = (day.month - 1) // length * length + 1
    start = date(day.year, first_month, 1)
    return Period(kind, start, _add_months(start, length) - timedelta(days=1))


def period_starting(start: date, kind: str) -> Period | None:
    """The period of `kind` that begins on `start`; None when no period begins that day."""
    period = period_containing(start, kind)
    return period if period.start == start else None


def period_kind(start: date, end: date) -> str | None:
    """The kind of period running from `start` to `end`, as a report keeps it."""
    for kind in _MONTHS_IN:
        if period_starting(start, kind) is not None and period_containing(start, kind).end == end:
            return kind
    return None


def recent_periods(today: date, kind: str, count: int) -> list[Period]:
    """The current period and the `count - 1` before it, newest first."""
    periods = [period_containing(today, kind)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods


# --- Declared amounts --------------------------------------------------------------------


class InvalidAmount(ValueError):
    """An amount a person typed that is not one; the message says how to write it."""


def parse_amount(text) -> Decimal:
    """A declared amount as typed ("12500", "12,500.5", "12500.50") as a Decimal in cents.

    :raises InvalidAmount: for anything else: blank, negative, not a number, more than two
        decimals, above `MAX_DECLARED`, control characters.
    """
    text = "" if text is None else str(text).strip()
    if not text:
        raise InvalidAmount("Enter the support fees you invoiced in the period, such as 12500.00.")
    if text.startswith("-"):
        raise InvalidAmount("An amount cannot be negative.")
    if not _AMOUNT.fullmatch(text):
        raise InvalidAmount("Use digits and a decimal point, such as 12500.00.")
    value = Decimal(text.replace(",", ""))
    if value.as_tuple().exponent < -2:
        raise InvalidAmount("At most two decimals (cents), such as 12500.50.")
    if value > MAX_DECLARED:
        raise InvalidAmount(f"That is more than {money_text(MAX_DECLARED)}: check the amount.")
    return value.quantize(CENTS)


def money_text(value: Decimal | None, currency: str = "") -> str:
    """'EUR 1,234.50': an amount with its currency's code (a dash for none)."""
    if value is None:
        return "—"
    amount = f"{to_cents(Decimal(value)):,.2f}"
    return f"{currency} {amount}" if currency else amount


# --- The vendor's share ------------------------------------------------------------------


@dataclass(frozen=True)
class FeeTerms:
    """The agreement's financial terms and the partner's tier, as they apply to a period."""

    currency: str
    fee_model: str  # percentage or fixed
    fee_percentage: Decimal | None
    fixed_fee: Decimal | None
    tier: str
    discount_percent: Decimal


@dataclass(frozen=True)
class FeeFigures:
    vendor_share: Decimal
    discount_amount: Decimal
    amount_due: Decimal
    escalations: int
    cost_per_escalation: Decimal | None


def vendor_share(declared: Decimal, terms: FeeTerms) -> Decimal:
    if terms.fee_model == "percentage":
        return to_cents(declared * terms.fee_percentage / HUNDRED)
    if terms.fee_model == "fixed":
        return to_cents(terms.fixed_fee)
    raise ValueError(f"unknown fee model {terms.fee_model!r}")


def fee_figures(declared: Decimal, terms: FeeTerms, escalations: int) -> FeeFigures:
    """The vendor's share, the tier discount, the amount due and the cost per escalation."""
    share = vendor_share(declared, terms)
    discount = to_cents(share * terms.discount_percent / HUNDRED)
    due = share - discount
    cost = to_cents(due / escalations) if escalations > 0 else None
    return FeeFigures(share, discount, due, escalations, cost)


# --- Readjusting the terms ---------------------------------------------------------------


@dataclass(frozen=True)
class Readjustment:
    """The period's escalation volume has grown past what the previous reports showed."""

    volume: int
    previous: tuple[int, ...]  # newest first

    @property
    def average(self) -> Decimal:
        return (Decimal(sum(self.previous)) / len(self.previous)).quantize(Decimal("0.1"))

    @property
    def threshold(self) -> Decimal:
        exact = READJUST_FACTOR * sum(self.previous) / len(self.previous)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def readjustment(volume: int, previous: list[int]) -> Readjustment | None:
    """A suggestion to readjust the terms when `volume` is above 1.5 × the average of the
    previous reports' volumes (newest first; the latest four count, at least two needed).

    Compared in whole numbers (volume × n > 1.5 × sum), so no rounding decides it.
    """
    recent = tuple(previous[:READJUST_HISTORY])
    if len(recent) < READJUST_MIN_HISTORY:
        return None
    if volume * len(recent) > READJUST_FACTOR * sum(recent):
        return Readjustment(volume, recent)
    return None
