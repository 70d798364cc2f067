"""The support manager's next steps that partner management owns: fee reports waiting for
a decision and check-ins that are overdue.

Both run a fixed number of queries, however many reports, partners and check-ins exist.
"""

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import next_steps
from portal.extensions import db
from portal.management.checkins import checkin_status
from portal.management.fee_reports import DECIDERS, report_period
from portal.models import FeeReport, Partner
from portal.models.base import utcnow
from portal.next_steps import NextStep, StepItem
from portal.roles import SUPPORT_MANAGER


def fee_reports_to_decide(principal) -> list[NextStep]:
    """Submitted fee reports, the longest waiting first."""
    submitted = select(FeeReport).where(FeeReport.status == "submitted")
    total = db.session.scalar(submitted.with_only_columns(func.count()))
    if not total:
        return []
    reports = db.session.scalars(
        submitted.options(selectinload(FeeReport.partner))
        .order_by(FeeReport.submitted_at, FeeReport.id)
        .limit(next_steps.ITEMS_SHOWN)
    ).all()
    return [
        NextStep(
            key="fee_reports_to_decide",
            title="Fee reports awaiting your decision",
            hint="The partner declared its support fees for the period: approve the report, "
            "or send it back saying what to correct.",
            action="Decide",
            items=tuple(
                StepItem(
                    f"{report.partner.name} · {report_period(report).label}",
                    url_for("fees.report", partner_id=report.partner_id, report_id=report.id),
                    f"submitted on {report.submitted_at:%Y-%m-%d}" if report.submitted_at else "",
                )
                for report in reports
            ),
            urgency="soon",
            total=total,
            more_url=url_for("fees.awaiting"),
        )
    ]


def check_ins_overdue(principal) -> list[NextStep]:
    """Active partners whose next check-in is past due, this manager's own first."""
    partners = db.session.scalars(
        select(Partner).where(Partner.status == "active").order_by(Partner.name, Partner.id)
    ).all()
    today = utcnow().date()
    status = checkin_status([p.id for p in partners], today)
    overdue = [p for p in partners if status[p.id].overdue]
    overdue.sort(key=lambda p: (p.support_manager_id != principal.id, status[p.id].next_due_on))
    if not overdue:
        return []

    def item(partner: Partner) -> StepItem:
        row = status[partner.id]
        last = f"last held on {row.last_held_on}" if row.last_held_on else "never held"
        return StepItem(
            partner.name + (" · yours" if partner.support_manager_id == principal.id else ""),
            url_for("checkins.log", partner_id=partner.id),
            f"due on {row.next_due_on} ({(today - row.next_due_on).days} days ago); {last}",
        )

    return [
        NextStep(
            key="check_ins_overdue",
            title="Check-ins overdue",
            hint="Meet the partner: go over its figures and the open actions, agree what must "
            "happen next, and record the check-in.",
            action="Log",
            items=next_steps.first_items(overdue, item),
            urgency="soon",
            total=len(overdue),
        )
    ]


def register() -> None:
    """Register this module's providers (called when the management views load)."""
    next_steps.register_providers(fee_reports_to_decide, roles=DECIDERS)
    next_steps.register_providers(check_ins_overdue, roles=(SUPPORT_MANAGER,))
