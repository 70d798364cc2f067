"""The queue: the escalations the principal may see (`escalations.scope`), filtered, what
is due first on top, or the best matches first when searching (`escalations.search`).

Vendor staff and a partner's users share the page; a partner's users see their own
partner's escalations (drafts too) and have no partner or "assigned to me" filter.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import and_, case, func, literal, not_, or_, select
from sqlalchemy.orm import joinedload

from escalations import search
from escalations.action_forms import REJECTION_LABELS
from escalations.blueprint import bp
from escalations.clock import NEARLY_DUE, OPEN, queue_sla
from escalations.models import REJECTION_REASONS, STATUSES, Escalation
from escalations.scope import visible_escalations
from portal.access import current_principal, signed_in
from portal.extensions import db
from portal.ids import as_id
from portal.models import Partner, Product, Release, User
from portal.models.agreements import SEVERITIES
from portal.models.base import UTCDateTime, utcnow
from portal.pagination import paginate_rows
from portal.roles import VENDOR_ENGINEER

STATUS_CHOICES = [("open", "Open"), ("", "Any status")] + [
    (status, status.replace("_", " ").capitalize()) for status in STATUSES
]
#: `?sla=`: the states the queue marks, as `escalations.clock.queue_sla` decides them.
SLA_CHOICES = [("breached", "Breached"), ("nearly_due", "Nearly due"), ("paused", "Paused")]
#: `?assignee=none`: nobody is assigned.
UNASSIGNED = "none"
#: `?submitted_from=` and `?submitted_to=`: days written YYYY-MM-DD, within these years.
FIRST_YEAR, LAST_YEAR = 2000, 2099
DATE_LABELS = {"submitted_from": "Submitted from", "submitted_to": "Submitted to"}


def _day(text: str) -> date | str | None:
    """A day written YYYY-MM-DD; None when empty; what is wrong with it otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        return f"A day written YYYY-MM-DD, from {FIRST_YEAR} to {LAST_YEAR}."
    return day


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open"
    severity: str = ""
    partner_id: int | None = None
    product_id: int | None = None
    #: "" anyone, UNASSIGNED, or an engineer's id (as typed in the query string).
    assignee: str = ""
    sla: str = ""
    mine: bool = False
    q: str = ""
    #: A rejection reason (the partner review's drill-down), and submission days.
    reason: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    #: Filters given but not valid, by name: what is wrong (they are not applied).
    problems: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        """The filters of a query string; a value that cannot be one is ignored (a reason
        or a day that is not valid is also named in `problems`)."""
        status = args.get("status", "open")
        assignee = args.get("assignee", "")
        sla = args.get("sla", "")
        reason = args.get("reason", "")
        days = {name: _day(args.get(name, "")) for name in DATE_LABELS}
        problems = [(name, value) for name, value in days.items() if isinstance(value, str)]
        if reason and reason not in REJECTION_REASONS:
            problems.insert(0, ("reason", "Not a rejection reason."))
            reason = ""
        first, last = (v if isinstance(v, date) else None for v in days.values())
        if first and last and first > last:
            problems.append(("submitted_to", "The range ends on or after the day it starts."))
            first = last = None
        return cls(
            status=status if status in STATUSES or status in ("open", "") else "open",
            severity=args.get("severity", "") if args.get("severity") in SEVERITIES else "",
            partner_id=as_id(args.get("partner")),
            product_id=as_id(args.get("product")),
            assignee=assignee if assignee == UNASSIGNED or as_id(assignee) is not None else "",
            sla=sla if sla in dict(SLA_CHOICES) else "",
            mine=args.get("mine") == "1",
            q=search.cleaned_query(args.get("q")),
            reason=reason,
            submitted_from=first,
            submitted_to=last,
            problems=tuple(problems),
        )

    @property
    def assignee_id(self) -> int | None:
        return as_id(self.assignee)

    @property
    def searching(self) -> bool:
        return bool(self.q)


def _next_due():
    """SQL: the next due date, the first response's until it is given."""
    return case(
        (Escalation.first_response_at.is_(None), Escalation.first_response_due),
        else_=Escalation.resolution_due,
    )


def sla_state_clause(state: str, now: datetime):
    """SQL: the escalation's clocks are in `state` (breached, nearly_due or paused) at
    `now`, as `escalations.clock.queue_sla` judges one escalation."""
    moment = literal(now, UTCDateTime())
    breached = or_(
        and_(
            Escalation.first_response_due.is_not(None),
            func.coalesce(Escalation.first_response_at, Escalation.paused_at, moment)
            > Escalation.first_response_due,
        ),
        and_(
            Escalation.resolution_due.is_not(None),
            func.coalesce(Escalation.resolved_at, Escalation.paused_at, moment)
            > Escalation.resolution_due,
        ),
    )
    if state == "breached":
        return breached
    running = and_(Escalation.status.in_(OPEN), not_(breached))
    if state == "paused":
        return and_(running, Escalation.paused_at.is_not(None))
    if state == "nearly_due":
        soon = literal(now + NEARLY_DUE, UTCDateTime())
        due = _next_due()
        return and_(running, Escalation.paused_at.is_(None), due.is_not(None), due <= soon)
    raise ValueError(f"no SLA state {state!r}")


def filtered(stmt, principal, filters: QueueFilters, now: datetime):
    """`stmt` (escalations the principal may see) narrowed by the filters."""
    if filters.status == "open":
        stmt = stmt.where(Escalation.status.in_(OPEN))
    elif filters.status:
        stmt = stmt.where(Escalation.status == filters.status)
    if filters.severity:
        stmt = stmt.where(Escalation.severity == filters.severity)
    if filters.partner_id is not None and principal.is_vendor:
        stmt = stmt.where(Escalation.partner_id == filters.partner_id)
    if filters.product_id is not None:
        stmt = stmt.where(Escalation.product_id == filters.product_id)
    if filters.assignee == UNASSIGNED:
        stmt = stmt.where(Escalation.assignee_id.is_(None))
    elif filters.assignee_id is not None:
        stmt = stmt.where(Escalation.assignee_id == filters.assignee_id)
    if filters.mine and principal.is_vendor:
        stmt = stmt.where(Escalation.assignee_id == principal.id)
    if filters.sla:
        stmt = stmt.where(sla_state_clause(filters.sla, now))
    if filters.reason:
        stmt = stmt.where(Escalation.rejection_reason == filters.reason)
    # Days in UTC, as the roll-ups count an escalation in its month of submission.
    if filters.submitted_from is not None:
        start = datetime.combine(filters.submitted_from, time.min, tzinfo=UTC)
        stmt = stmt.where(Escalation.submitted_at >= start)
    if filters.submitted_to is not None:
        end = datetime.combine(filters.submitted_to + timedelta(days=1), time.min, tzinfo=UTC)
        stmt = stmt.where(Escalation.submitted_at < end)
    return stmt


def queue_stmt(principal, filters: QueueFilters, now: datetime | None = None):
    """The queue's rows: what is due first on top, or the best matches when searching."""
    now = now or utcnow()
    stmt = filtered(visible_escalations(principal), principal, filters, now).options(
        joinedload(Escalation.partner),
        joinedload(Escalation.release).joinedload(Release.product),
        joinedload(Escalation.assignee),
    )
    if filters.searching:
        return search.ranked(stmt, filters.q, principal)
    due = _next_due()
    # What is due first on top; escalations without a due date after them.
    return stmt.order_by(case((due.is_(None), 1), else_=0), due, Escalation.id)


def _engineers(principal) -> list:
    """(id, name) of whom the assignee filter offers: every active engineer to vendor
    staff; to a partner's users, the engineers assigned to their partner's escalations."""
    stmt = select(User.id, User.name).order_by(func.lower(User.name), User.id)
    if principal.is_vendor:
        stmt = stmt.where(User.role == VENDOR_ENGINEER, User.status == "active")
    else:
        assigned = visible_escalations(principal).with_only_columns(Escalation.assignee_id)
        stmt = stmt.where(User.id.in_(assigned.where(Escalation.assignee_id.is_not(None))))
    return db.session.execute(stmt).all()


@bp.get("/escalations")
@signed_in
def queue():
    principal = current_principal()
    now = utcnow()
    filters = QueueFilters.from_args(request.args)
    page = paginate_rows(queue_stmt(principal, filters, now))
    partners = (
        db.session.execute(
            select(Partner.id, Partner.name).order_by(func.lower(Partner.name))
        ).all()
        if principal.is_vendor
        else []
    )
    products = db.session.execute(
        select(Product.id, Product.name).order_by(func.lower(Product.name))
    ).all()
    return render_template(
        "escalations/queue.html",
        page=page,
        filters=filters,
        partners=partners,
        products=products,
        engineers=_engineers(principal),
        severities=SEVERITIES,
        status_choices=STATUS_CHOICES,
        sla_choices=SLA_CHOICES,
        reasons=[(code, REJECTION_LABELS.get(code, code)) for code in REJECTION_REASONS],
        filter_labels={"reason": "Rejection reason", **DATE_LABELS},
        unassigned=UNASSIGNED,
        sla_of=lambda escalation: queue_sla(escalation, now),
    )
