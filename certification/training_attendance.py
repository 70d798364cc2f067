"""Who attends a training session: signing up, withdrawing, enrolling, attendance.

- A technician signs up, and may withdraw, until the session starts; only for a product
  their partner's agreement in force lists (`training_scope.agreement_products`).
- A partner admin enrols and removes its own partner's technicians, on the same terms.
- A vendor admin enrols any active technician and removes any attendee, at any time
  (someone who turned up without signing up can be recorded), and marks attendance once
  the session has started.

Every change is audited under the attendee's partner, so its admin reads it in the log;
a technician enrolled or removed by someone else is told by e-mail.
"""

from datetime import datetime

from sqlalchemy import select

from certification.models import TrainingAttendee, TrainingSession
from certification.training import local_time
from certification.training_scope import agreement_products
from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.mail import enqueue_mail
from portal.models import User
from portal.roles import TECHNICIAN

AUDITED_FIELDS = ("session_id", "user_id", "partner_id", "enrolled_by_id", "attended")


def _state(attendee: TrainingAttendee) -> dict:
    return {name: getattr(attendee, name) for name in AUDITED_FIELDS}


def _summary(attendee_user: User, session: TrainingSession) -> str:
    return f"{attendee_user.name} at “{session.title}”"


def attendee_of(session: TrainingSession, user: User) -> TrainingAttendee | None:
    return db.session.scalar(
        select(TrainingAttendee).where(
            TrainingAttendee.session_id == session.id, TrainingAttendee.user_id == user.id
        )
    )


def _refuse_once_started(session: TrainingSession, now: datetime, doing: str) -> None:
    if now >= session.starts_at:
        raise DomainError(
            "session_started",
            f"“{session.title}” has started: {doing} is closed. Ask the vendor if you need a "
            "change.",
            status=409,
        )


def attendance_problem(session: TrainingSession, user: User, *, product_rule: bool) -> str | None:
    """Why `user` cannot attend `session`; None when they can."""
    if user.role != TECHNICIAN:
        return f"{user.name} is not a technician: training sessions are for technicians."
    if user.status != "active":
        return f"{user.name} no longer works on their partner's support."
    if product_rule:
        product = session.release.product
        if product.id not in agreement_products(user.partner_id):
            return (
                f"{user.partner.name}'s agreement does not cover {product.name}, so its "
                "technicians do not train for it."
            )
    return None


def _add(session: TrainingSession, user: User, *, enrolled_by: User | None) -> TrainingAttendee:
    if attendee_of(session, user) is not None:
        raise DomainError(
            "already_attending",
            f"{user.name} is already signed up for “{session.title}”.",
            status=409,
        )
    attendee = TrainingAttendee(
        session_id=session.id,
        user_id=user.id,
        partner_id=user.partner_id,
        enrolled_by_id=enrolled_by.id if enrolled_by else None,
    )
    db.session.add(attendee)
    return attendee


def sign_up(session: TrainingSession, technician: User, *, now: datetime) -> TrainingAttendee:
    """The technician signs themselves up.

    :raises DomainError: the session has started, they cannot attend it
        (`attendance_problem`), or they are signed up already.
    """
    _refuse_once_started(session, now, "signing up")
    problem = attendance_problem(session, technician, product_rule=True)
    if problem:
        raise DomainError("cannot_attend", problem)
    attendee = _add(session, technician, enrolled_by=None)
    record_change(
        "training_attendee.signed_up",
        attendee,
        partner_id=attendee.partner_id,
        actor=technician,
        after=_state(attendee),
        summary=_summary(technician, session),
    )
    return attendee


def withdraw(session: TrainingSession, technician: User, *, now: datetime) -> None:
    """The technician takes back their sign-up (or an enrolment) before the start."""
    attendee = attendee_of(session, technician)
    if attendee is None:
        raise DomainError(
            "not_attending", f"You are not signed up for “{session.title}”.", status=409
        )
    _refuse_once_started(session, now, "withdrawing")
    record_change(
        "training_attendee.withdrawn",
        attendee,
        partner_id=attendee.partner_id,
        actor=technician,
        before=_state(attendee),
        summary=_summary(technician, session),
    )
    db.session.delete(attendee)
    db.session.flush()


def enrol(
    session: TrainingSession, technician: User, *, actor: User, now: datetime
) -> TrainingAttendee:
    """Enrol a technician: a partner admin its own, before the start; a vendor admin anyone.

    :raises DomainError: as `sign_up`; a partner admin naming another partner's technician
        gets `not_found` (404), as if there were no such person.
    """
    if not actor.is_vendor:
        if technician.partner_id != actor.partner_id:
            raise DomainError("not_found", "No such technician.", status=404)
        _refuse_once_started(session, now, "enrolling")
    problem = attendance_problem(session, technician, product_rule=not actor.is_vendor)
    if problem:
        raise DomainError("cannot_attend", problem, fields={"technician": problem})
    attendee = _add(session, technician, enrolled_by=actor)
    record_change(
        "training_attendee.enrolled",
        attendee,
        partner_id=attendee.partner_id,
        actor=actor,
        after=_state(attendee),
        summary=_summary(technician, session),
    )
    if now < session.ends_at:
        _tell(technician, session, "enrolled", "You are enrolled in a training session", actor)
    return attendee


def remove_attendee(attendee: TrainingAttendee, *, actor: User, now: datetime) -> None:
    """Take an attendee off the list: a partner admin its own before the start, a vendor
    admin anyone at any time."""
    session, user = attendee.session, attendee.user
    if not actor.is_vendor:
        if attendee.partner_id != actor.partner_id:
            raise DomainError("not_found", "No such attendee.", status=404)
        _refuse_once_started(session, now, "changing who attends")
    record_change(
        "training_attendee.removed",
        attendee,
        partner_id=attendee.partner_id,
        actor=actor,
        before=_state(attendee),
        summary=_summary(user, session),
    )
    db.session.delete(attendee)
    db.session.flush()
    if user.id != actor.id and now < session.ends_at and user.status == "active":
        _tell(user, session, "removed", "You are no longer enrolled in a training session", actor)


def mark_attendance(
    attendee: TrainingAttendee, attended: bool, *, actor: User, now: datetime
) -> bool:
    """Record whether the attendee came (once the session has started); whether it changed."""
    session = attendee.session
    if now < session.starts_at:
        raise DomainError(
            "session_not_started",
            f"“{session.title}” has not started yet: attendance is marked from its start.",
            status=409,
        )
    if attendee.attended is attended:
        return False
    before = _state(attendee)
    attendee.attended = attended
    record_change(
        "training_attendee.attendance_marked",
        attendee,
        partner_id=attendee.partner_id,
        actor=actor,
        before=before,
        after=_state(attendee),
        summary=_summary(attendee.user, session),
    )
    return True


def _tell(user: User, session: TrainingSession, what: str, subject: str, actor: User) -> None:
    enqueue_mail(
        user.email,
        f"{subject}: {session.title}",
        f"certification/training/mail/{what}.txt",
        user=user,
        session=session,
        actor=actor,
        starts=local_time(session),
        ends=local_time(session, session.ends_at),
    )
