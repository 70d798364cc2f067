"""Escalations on the home page (`portal.next_steps`).

- A technician: the open escalations they submitted, with their status and what is due
  (those waiting on the partner first: the vendor waits for an answer), and their
  partner's drafts, which any technician of the partner may finish and a certified one
  submit.
- A partner admin: the partner's open escalations.

Each provider runs two queries (a count, then the first few rows), whatever the history.
"""

from flask import url_for
from sqlalchemy import case, func
from sqlalchemy.orm import joinedload

from escalations.clock import OPEN, queue_sla
from escalations.models import Escalation
from escalations.scope import visible_escalations
from portal import next_steps
from portal.extensions import db
from portal.models.base import utcnow
from portal.next_steps import NextStep, StepItem
from portal.roles import PARTNER_ADMIN, TECHNICIAN

STATUS_LABELS = {
    "submitted": "Submitted, not yet triaged",
    "accepted": "Accepted by the vendor",
    "waiting_on_partner": "Waiting on you: the vendor asked for information",
}
#: How a partner admin reads the same states (the technician who submitted is asked).
ADMIN_STATUS_LABELS = {
    **STATUS_LABELS,
    "waiting_on_partner": "Waiting on your partner: the vendor asked for information",
}
SLA_LABELS = {
    "breached": "overdue since",
    "nearly_due": "due soon,",
    "running": "due",
}


def _counted_rows(stmt, order_by, *options) -> tuple[int, list]:
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None))
    if not total:
        return 0, []
    rows = db.session.scalars(
        stmt.options(*options).order_by(*order_by).limit(next_steps.ITEMS_SHOWN)
    ).all()
    return total, rows


def _waiting_first():
    return case((Escalation.status == "waiting_on_partner", 0), else_=1)


def _next_due():
    return case(
        (Escalation.first_response_at.is_(None), Escalation.first_response_due),
        else_=Escalation.resolution_due,
    )


def _open_item(escalation: Escalation, now, labels=STATUS_LABELS) -> StepItem:
    sla = queue_sla(escalation, now)
    note = labels.get(escalation.status, escalation.status)
    if sla.state == "paused":
        note += " · the SLA clock is paused until the partner answers"
    elif sla.due is not None and sla.state in SLA_LABELS:
        what = "first response" if escalation.first_response_at is None else "resolution"
        note += f" · {what} {SLA_LABELS[sla.state]} {sla.due:%Y-%m-%d %H:%M} UTC"
    return StepItem(
        f"#{escalation.id} {escalation.severity}: {escalation.title}",
        url_for("escalations.detail", escalation_id=escalation.id),
        note,
    )


def my_escalations(principal) -> list[NextStep]:
    """The technician's open escalations, those waiting on the partner first."""
    now = utcnow()
    stmt = visible_escalations(principal).where(
        Escalation.submitter_id == principal.id, Escalation.status.in_(OPEN)
    )
    total, rows = _counted_rows(stmt, (_waiting_first(), _next_due(), Escalation.id))
    if not total:
        return []
    waiting = any(e.status == "waiting_on_partner" for e in rows)
    return [
        NextStep(
            key="my_escalations",
            title="Your open escalations",
            hint="The ones waiting on you come first: the vendor's clock is paused until you "
            "answer.",
            action="Open",
            items=tuple(_open_item(e, now) for e in rows),
            urgency="now" if waiting else "when_convenient",
            total=total,
            more_url=url_for("escalations.queue"),
        )
    ]


def partner_drafts(principal) -> list[NextStep]:
    """The drafts of the technician's partner, the most recently saved first."""
    stmt = visible_escalations(principal).where(Escalation.status == "draft")
    total, rows = _counted_rows(
        stmt,
        (Escalation.updated_at.desc(), Escalation.id.desc()),
        joinedload(Escalation.drafted_by),
    )
    if not total:
        return []
    return [
        NextStep(
            key="partner_drafts",
            title="Draft escalations of your partner",
            hint="Any technician of your partner can finish a draft; a certified one submits "
            "it, and the checks apply to whoever submits.",
            action="Edit",
            items=tuple(
                StepItem(
                    f"Draft #{e.id}: {e.title}",
                    url_for("escalations.edit_draft", draft_id=e.id),
                    f"By {e.drafted_by.name} · saved {e.updated_at:%Y-%m-%d %H:%M} UTC",
                )
                for e in rows
            ),
            urgency="soon",
            total=total,
            more_url=url_for("escalations.queue", status="draft"),
        )
    ]


def partner_open_escalations(principal) -> list[NextStep]:
    """The partner admin's view: the partner's open escalations, what is due first."""
    now = utcnow()
    stmt = visible_escalations(principal).where(Escalation.status.in_(OPEN))
    total, rows = _counted_rows(stmt, (_waiting_first(), _next_due(), Escalation.id))
    if not total:
        return []
    return [
        NextStep(
            key="partner_open_escalations",
            title="Your partner's open escalations",
            hint="Those waiting on your partner come first: the vendor asked your technicians "
            "for information.",
            action="Open",
            items=tuple(_open_item(e, now, ADMIN_STATUS_LABELS) for e in rows),
            urgency="when_convenient",
            total=total,
            more_url=url_for("escalations.queue"),
        )
    ]


def register() -> None:
    next_steps.register_providers(my_escalations, partner_drafts, roles=(TECHNICIAN,))
    next_steps.register_providers(partner_open_escalations, roles=(PARTNER_ADMIN,))
