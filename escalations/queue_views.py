"""The queue: the escalations the principal may see (`escalations.scope`), filtered,
what is due first on top."""

from dataclasses import dataclass

from flask import render_template, request
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from escalations.blueprint import bp
from escalations.clock import OPEN, queue_sla
from escalations.models import STATUSES, Escalation
from escalations.scope import visible_escalations
from portal.access import current_principal, signed_in
from portal.extensions import db
from portal.ids import as_id
from portal.models import Partner, Release
from portal.models.agreements import SEVERITIES
from portal.models.base import utcnow
from portal.pagination import paginate_rows

STATUS_CHOICES = [("open", "Open"), ("", "Any status")] + [
    (status, status.replace("_", " ").capitalize()) for status in STATUSES
]


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open"
    severity: str = ""
    partner_id: int | None = None
    mine: bool = False

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        status = args.get("status", "open")
        severity = args.get("severity", "")
        return cls(
            status=status if status in STATUSES or status in ("open", "") else "open",
            severity=severity if severity in SEVERITIES else "",
            partner_id=as_id(args.get("partner")),
            mine=args.get("mine") == "1",
        )


def _next_due():
    """SQL: the next due date, the first response's until it is given."""
    return case(
        (Escalation.first_response_at.is_(None), Escalation.first_response_due),
        else_=Escalation.resolution_due,
    )


def queue_stmt(principal, filters: QueueFilters):
    stmt = visible_escalations(principal).options(
        joinedload(Escalation.partner),
        joinedload(Escalation.release).joinedload(Release.product),
        joinedload(Escalation.assignee),
    )
    if filters.status == "open":
        stmt = stmt.where(Escalation.status.in_(OPEN))
    elif filters.status:
        stmt = stmt.where(Escalation.status == filters.status)
    if filters.severity:
        stmt = stmt.where(Escalation.severity == filters.severity)
    if filters.partner_id is not None and principal.is_vendor:
        stmt = stmt.where(Escalation.partner_id == filters.partner_id)
    if filters.mine:
        stmt = stmt.where(Escalation.assignee_id == principal.id)
    due = _next_due()
    # What is due first on top; escalations without a due date after them.
    return stmt.order_by(case((due.is_(None), 1), else_=0), due, Escalation.id)


@bp.get("/escalations")
@signed_in
def queue():
    principal = current_principal()
    now = utcnow()
    filters = QueueFilters.from_args(request.args)
    page = paginate_rows(queue_stmt(principal, filters))
    partners = (
        db.session.execute(
            select(Partner.id, Partner.name).order_by(func.lower(Partner.name))
        ).all()
        if principal.is_vendor
        else []
    )
    return render_template(
        "escalations/queue.html",
        page=page,
        filters=filters,
        partners=partners,
        severities=SEVERITIES,
        status_choices=STATUS_CHOICES,
        sla_of=lambda escalation: queue_sla(escalation, now),
    )
