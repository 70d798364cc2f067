"""First-line volume: the cases a partner reports it handled itself each month, and the
escalations per 100 of them.

A month and product reported again replace the figure (idempotent: the same figure
again changes nothing and audits nothing). Only the partner's own admin reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.management.metrics import Window, monthly_product_tallies, months_between
from portal.models import Partner, Product
from portal.models.base import utcnow
from portal.models.case_volumes import MAX_CASES, CaseVolume
from portal.roles import PARTNER_ADMIN

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RATE = Decimal("0.01")
#: The earliest month a figure may be reported for.
EARLIEST = date(2000, 1, 1)


def parse_month(value, today: date | None = None) -> date:
    """A "YYYY-MM" month, not in the future, as its first day."""
    today = today or utcnow().date()
    match = _MONTH.match(value) if isinstance(value, str) else None
    month = None
    if match and 1 <= int(match.group(2)) <= 12:
        month = date(int(match.group(1)), int(match.group(2)), 1)
    if month is None or month < EARLIEST:
        raise DomainError("validation_error", "Invalid month.", fields={"month": "Use YYYY-MM."})
    if month > today.replace(day=1):
        raise DomainError(
            "validation_error",
            "That month has not begun.",
            fields={"month": "Report a month that has begun."},
        )
    return month


def _checked_cases(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CASES:
        raise DomainError(
            "validation_error",
            "Invalid number of cases.",
            fields={"cases": f"A whole number from 0 to {MAX_CASES:,}."},
        )
    return value


def report_cases(
    partner: Partner, actor, month_text, product_slug, cases, *, source: str = "api"
) -> CaseVolume:
    """Record (or replace) the cases `partner` handled itself in a month for a product.

    :raises DomainError: `forbidden` (403) unless `actor` is the partner's admin;
        `validation_error` for a bad month, product or number. Does not commit.
    """
    if actor.role != PARTNER_ADMIN or actor.partner_id != partner.id:
        raise DomainError("forbidden", "Only the partner's admin reports its cases.", status=403)
    month = parse_month(month_text)
    cases = _checked_cases(cases)
    product = (
        db.session.scalar(select(Product).where(Product.slug == product_slug))
        if isinstance(product_slug, str)
        else None
    )
    if product is None:
        raise DomainError(
            "validation_error", "Unknown product.", fields={"product": "Unknown product."}
        )
    key = {"partner_id": partner.id, "product_id": product.id, "month": month}
    row = db.session.scalar(select(CaseVolume).filter_by(**key).with_for_update())
    if row is None:
        try:
            with db.session.begin_nested():
                row = CaseVolume(**key, cases=cases, source=source, reported_by_id=actor.id)
                db.session.add(row)
            before = None
        except IntegrityError:  # the same month reported at the same moment: replace it
            row = db.session.scalar(select(CaseVolume).filter_by(**key).with_for_update())
            before = {"cases": row.cases}
    else:
        before = {"cases": row.cases}
    if before is not None and before["cases"] == cases:
        return row  # the same figure again: nothing changes
    row.cases, row.source, row.reported_by_id, row.reported_at = cases, source, actor.id, utcnow()
    record_change(
        "case_volume.reported",
        row,
        partner_id=partner.id,
        actor=actor,
        before=before,
        after={"cases": cases},
        summary=f"{product.name} {month:%Y-%m}: {cases} cases handled by the partner",
    )
    return row


@dataclass(frozen=True)
class CaseFigures:
    cases: int
    escalations: int

    @property
    def per_100_cases(self) -> Decimal | None:
        if not self.cases:
            return None
        return (Decimal(self.escalations) * 100 / self.cases).quantize(_RATE, ROUND_HALF_UP)


def case_figures(partner_ids: list[int] | None, window: Window) -> dict[int, CaseFigures]:
    """Per partner, over the months the window touches for which it reported cases: the
    cases, and the escalations submitted in those same months and products.

    Months without a report are left out on both sides, so that a missing report does not
    look like a flood of escalations.
    """
    months = months_between(window.start, window.end)
    query = select(CaseVolume).where(CaseVolume.month.in_(months))
    if partner_ids is not None:
        query = query.where(CaseVolume.partner_id.in_(partner_ids))
    reported = db.session.scalars(query).all()
    if not reported:
        return {}
    ids = sorted({row.partner_id for row in reported})
    escalations = monthly_product_tallies(ids, months[0], months[-1])
    figures: dict[int, CaseFigures] = {}
    for row in reported:
        tally = escalations[row.partner_id][row.month].get(row.product_id)
        previous = figures.get(row.partner_id, CaseFigures(0, 0))
        figures[row.partner_id] = CaseFigures(
            previous.cases + row.cases,
            previous.escalations + (tally.submitted if tally else 0),
        )
    return figures
