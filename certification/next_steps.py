"""Certifications on the home page: what a technician must renew, and whose certifications
a partner admin is about to lose. Each provider runs a fixed number of queries."""

from datetime import timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from certification.advice import advise, open_quizzes
from certification.holdings import standing_of_holder
from certification.models import Certification
from certification.status import EXPIRING_SOON_DAYS, current_clause, ends_on, ends_on_expression
from portal import next_steps
from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
from portal.next_steps import NextStep, StepItem
from portal.roles import PARTNER_ADMIN, TECHNICIAN


def technician_steps(principal) -> list[NextStep]:
    now = utcnow()
    today = now.date()
    standing = standing_of_holder(principal)
    quizzes = open_quizzes({r.id for c in standing for r in c.product.releases}, now)
    advice = [advise(c, today, c.product.releases, quizzes) for c in standing]
    page = url_for("certification.my_certifications")

    def item(a) -> StepItem:
        c = a.certification
        return StepItem(
            f"{c.product.name} {c.release.version}",
            a.quiz_url or page,
            f"{a.explanation} {a.action}",
        )

    ended = [a for a in advice if a.status != "valid" and a.action]
    soon = [a for a in advice if a.expiring_soon]
    steps = []
    if ended:
        steps.append(
            NextStep(
                key="certifications_ended",
                title="Certifications to earn again",
                hint="These no longer count: you cannot escalate on these products until you "
                "pass a quiz again.",
                action="Recertify",
                items=next_steps.first_items(ended, item),
                urgency="now",
                total=len(ended),
                more_url=page,
            )
        )
    if soon:
        steps.append(
            NextStep(
                key="certifications_expiring",
                title="Certifications ending within 30 days",
                hint="Pass the quiz of a current release before the date to keep certified.",
                action="Renew",
                items=next_steps.first_items(soon, item),
                urgency="soon",
                total=len(soon),
                more_url=page,
            )
        )
    return steps


def expiring_at_partner(partner_id: int, today):
    """SQL: the partner's active technicians' certifications ending within 30 days."""
    horizon = today + timedelta(days=EXPIRING_SOON_DAYS)
    return (
        select(Certification)
        .join(User, User.id == Certification.user_id)
        .where(
            Certification.partner_id == partner_id,
            User.partner_id == partner_id,
            User.status == "active",
            User.role == TECHNICIAN,
            current_clause(today),
            ends_on_expression() <= horizon,
        )
    )


def partner_admin_steps(principal) -> list[NextStep]:
    today = utcnow().date()
    stmt = expiring_at_partner(principal.partner_id, today)
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None))
    if not total:
        return []
    rows = db.session.scalars(
        stmt.options(
            joinedload(Certification.user),
            joinedload(Certification.product),
            joinedload(Certification.release),
        )
        .order_by(ends_on_expression(), Certification.id)
        .limit(next_steps.ITEMS_SHOWN)
    ).all()
    return [
        NextStep(
            key="certifications_expiring_at_partner",
            title="Technicians whose certification ends within 30 days",
            hint="Each must pass the quiz of a current release before the date, or stop "
            "counting towards your agreement's minimum.",
            action="View",
            items=tuple(
                StepItem(
                    c.user.name,
                    url_for("certification.certification_history", code=c.code),
                    f"{c.product.name} {c.release.version} · ends {ends_on(c):%Y-%m-%d}",
                )
                for c in rows
            ),
            urgency="soon",
            total=total,
            more_url=url_for("certification.my_partner_certifications"),
        )
    ]


def register() -> None:
    next_steps.register_providers(technician_steps, roles=(TECHNICIAN,))
    next_steps.register_providers(partner_admin_steps, roles=(PARTNER_ADMIN,))
