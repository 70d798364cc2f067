"""Escalation quality: the share of a partner's escalations rejected as unwarranted, and
the premier tier it earns (the rule and its threshold: portal.partners.premier).

Every rejection is unwarranted (it carries one of the reason codes), so the rate is the
partner's escalations now rejected over those it submitted in the window, counted by
submission date: a draft never submitted does not count; one withdrawn after submission
does (it reached the vendor's queue). Escalations still open count as submitted and not
rejected, until the vendor rejects them.

Compliance asks for premier quality through its providers (registered below). The
stored tier follows through the worker's `refresh_premier_tiers`, which each poll moves
the partners whose quality crossed the threshold: after a submission or a rejection, as
the window slides past old escalations, and when the threshold changes (the vendor
admin's change also moves them at once).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from escalations.models import Escalation
from portal import periodic
from portal.extensions import db
from portal.models import Agreement, Partner, ProductMinimum
from portal.models.base import utcnow
from portal.partners.compliance import refresh_tiers, register_providers
from portal.partners.premier import (
    MINIMUM_ESCALATIONS,
    QUALITY_TIERS,
    WINDOW_DAYS,
    premier_threshold,
)

#: Partners read per round of the worker's check (each round is a fixed number of queries).
SWEEP_BATCH = 200


@dataclass(frozen=True)
class Quality:
    submitted: int
    rejected: int

    @property
    def unwarranted_percent(self) -> Decimal | None:
        if not self.submitted:
            return None
        return (Decimal(self.rejected * 100) / self.submitted).quantize(Decimal("0.01"))

    def earns_premier(self, threshold: Decimal) -> bool:
        """Enough escalations, and a rate strictly below `threshold` (compared exactly)."""
        return (
            self.submitted >= MINIMUM_ESCALATIONS
            and Decimal(self.rejected * 100) < threshold * self.submitted
        )


def quality_by_partner(partner_ids: list[int], now: datetime | None = None) -> dict[int, Quality]:
    """Each partner's escalations submitted and rejected over the window ending `now`."""
    now = now or utcnow()
    since = now - timedelta(days=WINDOW_DAYS)
    counts = {
        partner_id: Quality(int(submitted), int(rejected or 0))
        for partner_id, submitted, rejected in db.session.execute(
            select(
                Escalation.partner_id,
                func.count(),
                func.sum(case((Escalation.status == "rejected", 1), else_=0)),
            )
            .where(
                Escalation.partner_id.in_(partner_ids),
                Escalation.submitted_at > since,
                Escalation.submitted_at <= now,
            )
            .group_by(Escalation.partner_id)
        )
    }
    return {partner_id: counts.get(partner_id, Quality(0, 0)) for partner_id in partner_ids}


def premier_partners(partner_ids: list[int], now: datetime | None = None) -> set[int]:
    """The partners among `partner_ids` whose escalation quality earns premier."""
    if not partner_ids:
        return set()
    threshold = premier_threshold()
    return {
        partner_id
        for partner_id, quality in quality_by_partner(partner_ids, now).items()
        if quality.earns_premier(threshold)
    }


def is_premier_quality(partner_id: int) -> bool:
    return partner_id in premier_partners([partner_id])


def refresh_premier_tiers(now: datetime) -> int:
    """Move the tier of each certified or premier partner whose quality says otherwise;
    how many tiers changed. Safe with several workers: the partners to move are locked
    and read afresh before their tier is recomputed, so each change is audited once."""
    changed = 0
    after_id = 0
    while True:
        rows = db.session.execute(
            select(Partner.id, Partner.tier)
            .where(Partner.tier.in_(QUALITY_TIERS), Partner.id > after_id)
            .order_by(Partner.id)
            .limit(SWEEP_BATCH)
        ).all()
        if not rows:
            return changed
        after_id = rows[-1].id
        premier = premier_partners([partner_id for partner_id, _ in rows], now)
        moved = [pid for pid, tier in rows if (pid in premier) != (tier == "premier")]
        if moved:
            changed += len(refresh_tiers(_locked(moved)))


def _locked(partner_ids: list[int]) -> list[Partner]:
    """The partners, their rows locked (PostgreSQL) and read afresh."""
    db.session.execute(
        select(Partner.id).where(Partner.id.in_(partner_ids)).order_by(Partner.id).with_for_update()
    )
    return db.session.scalars(
        select(Partner)
        .options(
            selectinload(Partner.agreements)
            .selectinload(Agreement.product_minimums)
            .selectinload(ProductMinimum.product)
        )
        .where(Partner.id.in_(partner_ids))
        .order_by(Partner.id)
        .execution_options(populate_existing=True)
    ).all()


def register() -> None:
    register_providers(premier_quality=is_premier_quality, premier_partners=premier_partners)
    periodic.register("escalations.refresh_premier_tiers", refresh_premier_tiers)
