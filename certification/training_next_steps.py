"""The technician's home: the training sessions coming up, theirs and those to sign up for.

Registered with `portal.next_steps` when the training pages load. Each step runs two
queries (the first few rows, with their release and product joined in, and the count),
whatever the number of sessions.
"""

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from certification.models import TrainingAttendee, TrainingSession
from certification.training_presentation import when_text, zone_label
from portal import next_steps
from portal.extensions import db
from portal.models import Agreement, ProductMinimum, Release
from portal.models.base import utcnow
from portal.next_steps import NextStep, StepItem
from portal.roles import TECHNICIAN


def _first_and_total(stmt) -> tuple[list[TrainingSession], int]:
    rows = db.session.scalars(
        stmt.options(joinedload(TrainingSession.release).joinedload(Release.product)).limit(
            next_steps.ITEMS_SHOWN
        )
    ).all()
    total = db.session.scalar(stmt.with_only_columns(func.count()).order_by(None))
    return rows, total


def _item(session: TrainingSession) -> StepItem:
    return StepItem(
        session.title,
        url_for("certification.training_session", session_id=session.id),
        f"{session.release.label} · {when_text(session)} · {zone_label(session)}",
    )


def _attending(principal):
    return select(TrainingAttendee.session_id).where(TrainingAttendee.user_id == principal.id)


def my_sessions(principal) -> list[NextStep]:
    """Sessions the technician is signed up for that have not ended."""
    rows, total = _first_and_total(
        select(TrainingSession)
        .where(TrainingSession.id.in_(_attending(principal)), TrainingSession.ends_at > utcnow())
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return [
        NextStep(
            key="training_signed_up",
            title="Your training sessions coming up",
            hint="Each session's page has its materials, a calendar file and later its quiz.",
            action="Open",
            items=tuple(_item(s) for s in rows),
            total=total,
            more_url=url_for("certification.training_index"),
        )
    ]


def sessions_to_sign_up_for(principal) -> list[NextStep]:
    """Sessions not started yet, for products the partner must support, not signed up for."""
    required = (
        select(ProductMinimum.product_id)
        .join(Agreement, Agreement.id == ProductMinimum.agreement_id)
        .where(
            Agreement.partner_id == principal.partner_id,
            Agreement.status == "in_force",
            ProductMinimum.minimum > 0,
        )
    )
    rows, total = _first_and_total(
        select(TrainingSession)
        .join(Release, Release.id == TrainingSession.release_id)
        .where(
            Release.product_id.in_(required),
            TrainingSession.starts_at > utcnow(),
            TrainingSession.id.not_in(_attending(principal)),
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return [
        NextStep(
            key="training_to_sign_up",
            title="Training sessions you can sign up for",
            hint="Training for the products your partner supports; its quiz certifies you.",
            action="Sign up",
            items=tuple(_item(s) for s in rows),
            urgency="when_convenient",
            total=total,
            more_url=url_for("certification.training_index"),
        )
    ]


def register() -> None:
    next_steps.register_providers(my_sessions, sessions_to_sign_up_for, roles=(TECHNICIAN,))
