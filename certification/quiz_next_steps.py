"""The technician's home: the quiz to take next.

For each product the partner must support and the technician holds no current
certification on, the open quiz of its newest release. Renewing a certification that
still counts is the certifications' own step (`certification.next_steps`). One query
(three with the releases and products loaded), whatever the number of quizzes.
"""

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from certification.models import Certification, Quiz, TrainingSession
from certification.quizzes import agreement_product_ids, offered_clause
from certification.status import current_clause
from portal import next_steps
from portal.extensions import db
from portal.models import Release
from portal.models.base import utcnow
from portal.next_steps import NextStep, StepItem
from portal.roles import TECHNICIAN

#: Quizzes read to find one per product (a partner supports a handful of products).
CANDIDATES = 50


def quizzes_to_take(principal, now=None) -> list[Quiz]:
    """One open quiz per required product the technician is not certified on, newest
    release first."""
    now = now or utcnow()
    held = select(Certification.product_id).where(
        Certification.user_id == principal.id, current_clause(now.date())
    )
    rows = db.session.scalars(
        select(Quiz)
        .join(TrainingSession, TrainingSession.id == Quiz.session_id)
        .join(Release, Release.id == TrainingSession.release_id)
        .where(
            *offered_clause(principal.partner_id, now),
            Release.product_id.in_(agreement_product_ids(principal.partner_id, required_only=True)),
            Release.product_id.not_in(held),
        )
        .options(
            selectinload(Quiz.session)
            .selectinload(TrainingSession.release)
            .selectinload(Release.product)
        )
        .order_by(Release.released_on.desc(), Release.id.desc(), Quiz.id.desc())
        .limit(CANDIDATES)
    ).all()
    first_per_product = {}
    for quiz in rows:
        first_per_product.setdefault(quiz.session.release.product_id, quiz)
    return sorted(first_per_product.values(), key=lambda q: q.session.release.product.name)


def quiz_to_take(principal) -> list[NextStep]:
    quizzes = quizzes_to_take(principal)
    return [
        NextStep(
            key="quiz_to_take",
            title="The quiz to take next",
            hint="Your partner must support these products and you are not certified on "
            "them: passing the quiz certifies you.",
            action="Open the quiz",
            items=next_steps.first_items(
                quizzes,
                lambda q: StepItem(
                    f"{q.session.release.label}: {q.title}",
                    url_for("certification.quiz", quiz_id=q.id),
                    f"{q.questions_per_attempt} questions · {q.time_limit_s // 60} minutes · "
                    f"pass mark {q.pass_mark}%",
                ),
            ),
            urgency="soon",
            total=len(quizzes),
            more_url=url_for("certification.quizzes"),
        )
    ]


def register() -> None:
    next_steps.register_providers(quiz_to_take, roles=(TECHNICIAN,))
