"""A partner's figures on a date, as a check-in keeps them: what was true when we talked.

The escalation figures cover the 90 days ending on the date, read through the metrics
core (`portal.management.metrics`): escalations submitted in the window, as they stand
when the snapshot is taken. Open escalations and open actions are counted as they were at
the end of the date. Seats, certified technicians and compliance are what the portal
holds when the snapshot is taken (their history is not kept). The result is plain JSON,
stored once with the check-in and never recomputed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from escalations.models import Escalation
from portal.extensions import db
from portal.management.metrics import Window, partner_tallies, rate_per_100_seats, seats_by_partner
from portal.management.tally import Tally
from portal.models import Partner
from portal.models.base import utcnow
from portal.models.checkins import CheckIn, CheckInAction
from portal.partners.compliance import compliance_for

WINDOW_DAYS = 90
#: An escalation in one of these states is in the vendor's hands or the partner's.
OPEN_STATUSES = ("submitted", "accepted", "waiting_on_partner")


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _text(value) -> str | None:
    return None if value is None else str(value)


def _open_escalations(partner_id: int, as_of: date) -> int:
    """Submitted by the end of `as_of` and still open then: open now, or ended (resolved,
    rejected, withdrawn) only after that day."""
    end = _end_of(as_of)
    ended_at = func.coalesce(Escalation.resolved_at, Escalation.closed_at)
    return db.session.scalar(
        select(func.count())
        .select_from(Escalation)
        .where(
            Escalation.partner_id == partner_id,
            Escalation.submitted_at < end,
            or_(Escalation.status.in_(OPEN_STATUSES), ended_at >= end),
        )
    )


def _open_actions(partner_id: int, as_of: date) -> int:
    """Agreed at a check-in held by `as_of` and not done by its end."""
    return db.session.scalar(
        select(func.count())
        .select_from(CheckInAction)
        .join(CheckIn, CheckIn.id == CheckInAction.check_in_id)
        .where(
            CheckInAction.partner_id == partner_id,
            CheckIn.held_on <= as_of,
            or_(CheckInAction.done_at.is_(None), CheckInAction.done_at >= _end_of(as_of)),
        )
    )


def _compliance(partner: Partner) -> tuple[list[dict], bool | None]:
    rows = compliance_for(partner)
    products = [
        {
            "product": row.product.name,
            "certified": row.certified_active,
            "minimum": row.minimum,
            "environment_ok": row.environment_ok,
            "compliant": row.compliant,
        }
        for row in rows
    ]
    return products, (all(row.compliant for row in rows) if rows else None)


def partner_snapshot(partner: Partner, as_of: date) -> dict:
    """The partner's figures on `as_of`, JSON-ready (see the module's docstring)."""
    window = Window.last_days(WINDOW_DAYS, as_of)
    tally = partner_tallies(window, [partner.id]).get(partner.id) or Tally()
    seats = seats_by_partner([partner.id]).get(partner.id, 0)
    products, compliant = _compliance(partner)
    median = tally.median_triage_seconds
    return {
        "as_of": as_of.isoformat(),
        "taken_at": utcnow().isoformat(timespec="seconds"),
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "escalations": tally.submitted,
        "unwarranted": tally.unwarranted,
        "unwarranted_rate": _text(tally.unwarranted_rate),
        "unwarranted_reasons": dict(
            sorted(
                ((reason, n) for reason, n in tally.reasons.items() if n),
                key=lambda item: (-item[1], item[0]),
            )
        ),
        "median_triage_seconds": None if median is None else round(median),
        "seats": seats,
        "rate_per_100_seats": _text(rate_per_100_seats(tally.submitted, seats)),
        "products": products,
        "compliant": compliant,
        "tier": partner.tier,
        "open_escalations": _open_escalations(partner.id, as_of),
        "open_actions": _open_actions(partner.id, as_of),
    }
