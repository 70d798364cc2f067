"""An escalation's SLA clocks: due dates set at submission, paused while waiting on the
partner, shifted on resumption.

The calendar arithmetic (business hours, working days, holidays) is `escalations.sla`'s;
this module only decides when to start, stop and move the clocks.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from escalations import sla
from escalations.models import Escalation
from portal.models import Agreement

#: Without an agreement in force there is no calendar to count in: round the clock.
ROUND_THE_CLOCK = sla.Calendar(coverage="24x7")


def calendar_of(agreement: Agreement | None) -> sla.Calendar:
    return sla.Calendar.from_agreement(agreement) if agreement is not None else ROUND_THE_CLOCK


def due_after(agreement: Agreement | None, start: datetime, minutes: int) -> datetime:
    """`minutes` of the agreement's service time after `start`."""
    return sla.add_business_time(calendar_of(agreement), start, minutes * 60)


def start(escalation: Escalation, agreement: Agreement | None, now: datetime) -> None:
    """Set the due dates from the agreement's targets for the escalation's severity."""
    target = agreement.sla_for(escalation.severity) if agreement is not None else None
    if target is None:
        escalation.first_response_due = escalation.resolution_due = None
        return
    escalation.first_response_due = due_after(agreement, now, target.first_response_minutes)
    escalation.resolution_due = due_after(agreement, now, target.resolution_minutes)


def pause(escalation: Escalation, now: datetime) -> None:
    if escalation.paused_at is None:
        escalation.paused_at = now


def resume(escalation: Escalation, now: datetime, agreement: Agreement | None = None) -> None:
    """Restart the clocks: what was left of each unmet target when they stopped is left now."""
    paused_at = escalation.paused_at
    if paused_at is None:
        return
    if agreement is None and escalation.partner is not None:
        agreement = escalation.partner.agreement_in_force
    escalation.paused_seconds += max(int((now - paused_at).total_seconds()), 0)
    escalation.paused_at = None
    calendar = calendar_of(agreement)
    if escalation.first_response_at is None and escalation.first_response_due is not None:
        escalation.first_response_due = _shifted(
            calendar, escalation.first_response_due, paused_at, now
        )
    if escalation.resolved_at is None and escalation.resolution_due is not None:
        escalation.resolution_due = _shifted(calendar, escalation.resolution_due, paused_at, now)


def _shifted(calendar: sla.Calendar, due: datetime, paused_at: datetime, now: datetime):
    """The due date moved by the service time that passed while paused; one already
    missed when the clock stopped stays where it was (a breach is never forgiven)."""
    if due <= paused_at:
        return due
    left = sla.business_time_between(calendar, paused_at, due)
    return sla.add_business_time(calendar, now, left.total_seconds())


def sla_state(escalation: Escalation, now: datetime) -> dict:
    """`{first_response_due, resolution_due, paused, breached}` as the API shows it.

    A clock stops when its target is met, while paused, and for good when the escalation
    ends unresolved (rejected or withdrawn: `closed_at`)."""
    ended = escalation.closed_at
    first_moment = escalation.first_response_at or ended or escalation.paused_at or now
    first_breached = (
        escalation.first_response_due is not None and first_moment > escalation.first_response_due
    )
    resolved_or_now = escalation.resolved_at or ended or escalation.paused_at or now
    resolution_breached = (
        escalation.resolution_due is not None and resolved_or_now > escalation.resolution_due
    )
    return {
        "first_response_due": escalation.first_response_due,
        "resolution_due": escalation.resolution_due,
        "paused": escalation.paused_at is not None,
        "breached": bool(first_breached or resolution_breached),
    }


#: Open: the SLA clocks run (or are paused, waiting on the partner).
OPEN = ("submitted", "accepted", "waiting_on_partner")
#: A running clock with less than this left is nearly due (the queue marks it).
NEARLY_DUE = timedelta(hours=2)


@dataclass(frozen=True)
class QueueSla:
    due: datetime | None
    state: str  # breached, nearly_due, paused, running or none


def queue_sla(escalation: Escalation, now: datetime) -> QueueSla:
    state = sla_state(escalation, now)
    due = (
        escalation.first_response_due
        if escalation.first_response_at is None
        else escalation.resolution_due
    )
    if escalation.status not in OPEN:
        return QueueSla(due, "breached" if state["breached"] else "none")
    if state["breached"]:
        return QueueSla(due, "breached")
    if state["paused"]:
        return QueueSla(due, "paused")
    if due is not None and due - now <= NEARLY_DUE:
        return QueueSla(due, "nearly_due")
    return QueueSla(due, "running" if due is not None else "none")
