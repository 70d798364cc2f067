"""Escalation pages: the technician's submission form and the queue.

The form calls the same service (and so the same gate) as POST /api/v1/escalations; a
refused technician sees why and how to get there, and nothing is written. The queue
lists what the principal may see (`escalations.scope`), what is due first on top.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from certification.models import Certification
from certification.status import current_clause
from escalations import models  # noqa: F401  (registers the models with SQLAlchemy)
from escalations.clock import sla_state
from escalations.forms import EscalationForm
from escalations.gate import GateRefusal
from escalations.models import STATUSES, Escalation
from escalations.records import attachments_of, deflection_log, timeline
from escalations.scope import get_visible_escalation_or_404, visible_escalations
from escalations.services import submit_escalation
from escalations.storage import attachment_download
from portal.access import current_principal, roles_required, signed_in
from portal.errors import DomainError
from portal.extensions import db
from portal.ids import as_id
from portal.models import Partner, Release
from portal.models.agreements import SEVERITIES
from portal.models.base import utcnow
from portal.pagination import paginate_rows
from portal.partners.forms import show_domain_errors
from portal.partners.presentation import COVER_LABELS
from portal.roles import TECHNICIAN

bp = Blueprint("escalations", __name__, template_folder="templates")

OPEN = ("submitted", "accepted", "waiting_on_partner")
#: A running clock with less than this left is marked nearly due on the queue.
NEARLY_DUE = timedelta(hours=2)
STATUS_CHOICES = [("open", "Open"), ("", "Any status")] + [
    (status, status.replace("_", " ").capitalize()) for status in STATUSES
]


def _holds_a_certification(user) -> bool:
    """Whether `user` holds any current certification (the gate then checks the product)."""
    found = db.session.scalar(
        select(Certification.id)
        .where(Certification.user_id == user.id, current_clause(utcnow().date()))
        .limit(1)
    )
    return found is not None


def _form_page(form, partner, refusal=None, status: int = 200):
    form.fill_choices(partner.id)
    agreement = partner.agreement_in_force
    return render_template(
        "escalations/new.html",
        form=form,
        refusal=refusal,
        certified=_holds_a_certification(current_principal()),
        agreement=agreement,
        cover_label=COVER_LABELS.get(agreement.out_of_hours_cover, "") if agreement else "",
    ), status


@bp.route("/escalations/new", methods=["GET", "POST"])
@roles_required(TECHNICIAN)
def new():
    principal = current_principal()
    partner = db.session.get(Partner, principal.partner_id)
    form = EscalationForm()
    if request.method == "GET":
        return _form_page(form, partner)
    if not form.validate_on_submit():
        return _form_page(form, partner, status=400)
    try:
        escalation = submit_escalation(principal, form.to_input())
    except GateRefusal as refusal:
        db.session.rollback()
        if refusal.fields:  # the alert says the rest; the fields show where
            show_domain_errors(form, refusal)
        return _form_page(form, partner, refusal=refusal, status=refusal.status)
    except DomainError as exc:
        db.session.rollback()
        show_domain_errors(form, exc)
        return _form_page(form, partner, status=422)
    db.session.commit()
    flash(f"Escalation #{escalation.id} is submitted: the vendor's engineers have it.", "success")
    return redirect(url_for(".queue"))


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


@bp.get("/escalations/<int:escalation_id>")
@signed_in
def detail(escalation_id: int):
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    now = utcnow()
    return render_template(
        "escalations/detail.html",
        escalation=escalation,
        sla=queue_sla(escalation, now),
        clocks=sla_state(escalation, now),
        timeline=timeline(escalation, principal),
        attachments=attachments_of(escalation),
        deflections=deflection_log(escalation),
    )


@bp.get("/escalations/<int:escalation_id>/attachments/<int:attachment_id>")
@signed_in
def attachment(escalation_id: int, attachment_id: int):
    """The file, as an attachment (never rendered inline), to those who see the escalation."""
    escalation = get_visible_escalation_or_404(escalation_id, current_principal())
    return attachment_download(escalation, attachment_id)
