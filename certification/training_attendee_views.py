"""Training pages that change who attends: sign-up, withdrawal, enrolment, removal and
attendance. Each posts from the session's page and answers with it, a refusal shown
there as a message (another partner's attendee or technician: 404).
"""

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for

from certification.blueprint import bp
from certification.models import TrainingSession
from certification.training_attendance import (
    enrol,
    mark_attendance,
    remove_attendee,
    sign_up,
    withdraw,
)
from certification.training_forms import AttendanceForm, EnrolByEmailForm
from certification.training_scope import load_attendee, load_session, load_user
from portal.access import current_principal, roles_required
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db
from portal.ids import as_id
from portal.models import User
from portal.models.base import utcnow
from portal.roles import PARTNER_ADMIN, TECHNICIAN, VENDOR_ADMIN


def _act(session: TrainingSession, action: Callable[[], object], success: str):
    """Run a one-button action on a session; its refusal is a message on the session page."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for(".training_session", session_id=session.id))


@bp.post("/training/<int:session_id>/sign-up")
@roles_required(TECHNICIAN)
def training_signup(session_id: int):
    session = load_session(session_id)
    principal = current_principal()
    return _act(
        session,
        lambda: sign_up(session, principal, now=utcnow()),
        f"You are signed up for “{session.title}”. Add it to your calendar below.",
    )


@bp.post("/training/<int:session_id>/withdraw")
@roles_required(TECHNICIAN)
def training_withdraw(session_id: int):
    session = load_session(session_id)
    principal = current_principal()
    return _act(
        session,
        lambda: withdraw(session, principal, now=utcnow()),
        f"You are no longer signed up for “{session.title}”.",
    )


def _technician_to_enrol(principal) -> User:
    """The technician the form names: by e-mail for the vendor, by id within a partner.

    :raises DomainError: the form names nobody. A partner admin naming anyone outside its
        own partner gets a 404, as if there were no such person.
    """
    if principal.is_vendor:
        form = EnrolByEmailForm()
        if not form.validate_on_submit():
            raise DomainError("validation_error", "Enter the technician's e-mail address.")
        user = User.by_email(form.email.data)
        if user is None:
            raise DomainError("unknown_email", f"Nobody has the e-mail address {form.email.data}.")
        return user
    user_id = as_id(request.form.get("technician", ""))
    if user_id is None:
        raise DomainError("validation_error", "Choose the technician to enrol.")
    return load_user(user_id)


@bp.post("/training/<int:session_id>/attendees")
@roles_required(VENDOR_ADMIN, PARTNER_ADMIN)
def training_enrol(session_id: int):
    session = load_session(session_id)
    principal = current_principal()
    try:
        technician = _technician_to_enrol(principal)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".training_session", session_id=session.id, _anchor="attendees"))
    return _act(
        session,
        lambda: enrol(session, technician, actor=principal, now=utcnow()),
        f"{technician.name} is enrolled in “{session.title}”.",
    )


@bp.post("/training/<int:session_id>/attendees/<int:attendee_id>/remove")
@roles_required(VENDOR_ADMIN, PARTNER_ADMIN)
def training_remove_attendee(session_id: int, attendee_id: int):
    session = load_session(session_id)
    attendee = load_attendee(session, attendee_id)
    if not is_confirmed():
        return ask_to_confirm(
            confirmation("training.remove_attendee", attendee=attendee, session=session),
            cancel_url=url_for(".training_session", session_id=session.id),
        )
    name = attendee.user.name
    return _act(
        session,
        lambda: remove_attendee(attendee, actor=current_principal(), now=utcnow()),
        f"{name} is no longer on the list for “{session.title}”.",
    )


@bp.post("/training/<int:session_id>/attendees/<int:attendee_id>/attendance")
@roles_required(VENDOR_ADMIN)
def training_attendance(session_id: int, attendee_id: int):
    session = load_session(session_id)
    attendee = load_attendee(session, attendee_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        flash("Say whether they attended.", "error")
        return redirect(url_for(".training_session", session_id=session.id))
    attended = form.attended.data == "yes"
    return _act(
        session,
        lambda: mark_attendance(attendee, attended, actor=current_principal(), now=utcnow()),
        f"{attendee.user.name}: {'attended' if attended else 'did not attend'}.",
    )
