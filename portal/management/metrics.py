"""Partner figures over a window of days or months, read from the roll-ups.

A window's whole months come from the roll-ups (a few rows per partner and month, however
many escalations there were); a month the window covers only in part (a "last 30 days"
window starting mid-month) is summed from its escalations, through the index on
`submitted_at`, so its cost is at most one month of escalations. A month that ends after
today counts as whole: nothing was submitted after now.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from escalations.models import Escalation
from portal.extensions import db
from portal.management.tally import COUNTS, FIELDS, Tally, contribution, month_of
from portal.models import Customer
from portal.models.base import utcnow
from portal.models.rollups import EscalationRollup, EscalationRollupCount

_RATE = Decimal("0.01")
_PERCENT = Decimal("0.1")


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first`'s to `last`'s, as their first days."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class Window:
    """The days `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Window:
        today = today or utcnow().date()
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def months(cls, first: date, last: date) -> Window:
        """From the first day of `first`'s month to the last day of `last`'s."""
        return cls(month_of(first), next_month(month_of(last)) - timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def split(self, today: date) -> tuple[list[date], list[tuple[date, date]]]:
        """The months read from the roll-ups, and the day ranges read from escalations."""
        whole, parts = [], []
        for month in months_between(self.start, self.end):
            last_day = next_month(month) - timedelta(days=1)
            first, last = max(month, self.start), min(last_day, self.end)
            if first == month and (last == last_day or self.end >= today):
                whole.append(month)
            else:
                parts.append((first, last))
        return whole, parts


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _rollup_tallies(
    partner_ids, months: list[date], *, by_month: bool, by_product=False, breakdowns=True
):
    """{partner: {month or None: Tally}}, or {partner: {(month, product): Tally}}; without
    `breakdowns`, the counts alone (no reasons, no time buckets).

    The roll-ups are summed by the database over what the key leaves out, and read as
    plain rows: a page reads as many rows as it shows partners, months and products,
    never one object per stored roll-up."""
    result: dict[int, dict] = defaultdict(lambda: defaultdict(Tally))
    if not months:
        return result

    def grouping(model) -> tuple:
        """The columns the sums are kept apart by: partner, then month and product if asked."""
        return (
            model.partner_id,
            *((model.month,) if by_month else ()),
            *((model.product_id,) if by_product else ()),
        )

    rollups = (
        select(
            *grouping(EscalationRollup),
            *(func.sum(getattr(EscalationRollup, name)).label(name) for name in COUNTS),
        )
        .where(EscalationRollup.month.in_(months))
        .group_by(*grouping(EscalationRollup))
    )
    counted = (
        *grouping(EscalationRollupCount),
        EscalationRollupCount.kind,
        EscalationRollupCount.key,
    )
    counts = (
        select(*counted, func.sum(EscalationRollupCount.count).label("n"))
        .where(EscalationRollupCount.month.in_(months))
        .group_by(*counted)
    )
    if partner_ids is not None:
        rollups = rollups.where(EscalationRollup.partner_id.in_(partner_ids))
        counts = counts.where(EscalationRollupCount.partner_id.in_(partner_ids))

    def key(row):
        month = row.month if by_month else None
        return (month, row.product_id) if by_product else month

    for row in db.session.execute(rollups):
        tally = result[row.partner_id][key(row)]
        tally.add(Tally(**{name: int(getattr(row, name) or 0) for name in COUNTS}))
    if not breakdowns:
        return result
    for row in db.session.execute(counts):
        tally = result[row.partner_id][key(row)]
        tally.breakdown(row.kind)[row.key] += int(row.n or 0)
    return result


def _escalation_tallies(partner_ids, first: date, last: date) -> dict[int, Tally]:
    """Sums straight from the escalations submitted on the days `first` to `last`."""
    table = Escalation.__table__
    query = select(*(table.c[name] for name in FIELDS)).where(
        table.c.submitted_at >= _midnight(first),
        table.c.submitted_at < _midnight(last + timedelta(days=1)),
    )
    if partner_ids is not None:
        query = query.where(table.c.partner_id.in_(partner_ids))
    result: dict[int, Tally] = defaultdict(Tally)
    for row in db.session.execute(query):
        found = contribution(dict(row._mapping))
        if found is not None:
            result[found[0][0]].add(found[1])
    return result


def partner_tallies(
    window: Window, partner_ids: list[int] | None = None, today: date | None = None
) -> dict[int, Tally]:
    """Each partner's escalations submitted in the window (partners with none: absent)."""
    today = today or utcnow().date()
    whole, parts = window.split(today)
    result: dict[int, Tally] = defaultdict(Tally)
    for partner_id, by_month in _rollup_tallies(partner_ids, whole, by_month=False).items():
        result[partner_id].add(by_month[None])
    for first, last in parts:
        for partner_id, tally in _escalation_tallies(partner_ids, first, last).items():
            result[partner_id].add(tally)
    return dict(result)


def monthly_tallies(
    partner_ids: list[int] | None, first_month: date, last_month: date, breakdowns=True
) -> dict[int, dict[date, Tally]]:
    """Each partner's escalations per month of submission, every month present (without
    `breakdowns`, the counts alone: enough for a trend)."""
    months = months_between(first_month, last_month)
    found = _rollup_tallies(partner_ids, months, by_month=True, breakdowns=breakdowns)
    ids = partner_ids if partner_ids is not None else list(found)
    return {
        pid: {month: found[pid][month] if pid in found else Tally() for month in months}
        for pid in ids
    }


def monthly_product_tallies(
    partner_ids: list[int], first_month: date, last_month: date
) -> dict[int, dict[date, dict[int, Tally]]]:
    """Each partner's escalations per month of submission and product (only those with
    escalations: a missing month or product had none)."""
    found = _rollup_tallies(
        partner_ids, months_between(first_month, last_month), by_month=True, by_product=True
    )
    result: dict[int, dict] = {pid: defaultdict(dict) for pid in partner_ids}
    for pid, tallies in found.items():
        for (month, product_id), tally in tallies.items():
            result[pid][month][product_id] = tally
    return result


def seats_by_partner(partner_ids: list[int] | None = None) -> dict[int, int]:
    """The customer seats each partner serves (today's customers)."""
    query = select(Customer.partner_id, func.sum(Customer.seats)).group_by(Customer.partner_id)
    if partner_ids is not None:
        query = query.where(Customer.partner_id.in_(partner_ids))
    return {partner_id: int(seats or 0) for partner_id, seats in db.session.execute(query)}


def rate_per_100_seats(count: int, seats: int) -> Decimal | None:
    """Escalations per 100 customer seats, to two decimals (half up); None without seats."""
    if not seats:
        return None
    return (Decimal(count) * 100 / Decimal(seats)).quantize(_RATE, rounding=ROUND_HALF_UP)


def vendor_median_unwarranted(
    tallies: dict[int, Tally], min_escalations: int = 1
) -> Decimal | None:
    """The median of the partners' unwarranted rates, over the partners with at least
    `min_escalations` escalations (and at least one) in the window."""
    rates = [
        tally.unwarranted_rate
        for tally in tallies.values()
        if tally.submitted >= max(1, min_escalations)
    ]
    if not rates:
        return None
    return Decimal(statistics.median(rates)).quantize(_PERCENT, rounding=ROUND_HALF_UP)
