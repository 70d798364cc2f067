"""The check-in log of a partner, recording a check-in, and the partner's cadence.

Vendor staff read every partner's log; a partner admin reads its own partner's (another
partner's is a 404, through the scoped loader). Vendor admins and partner-support
managers record check-ins, mark actions done and set the cadence.
"""

from flask import Blueprint, flash, redirect, render_template, url_for

from portal.access import current_principal, roles_required
from portal.errors import DomainError
from portal.extensions import db
from portal.management.checkin_forms import (
    CHANNEL_LABELS,
    OWNER_LABELS,
    CadenceForm,
    CheckInForm,
)
from portal.management.checkins import (
    RECORDER_ROLES,
    check_in_log,
    checkin_status,
    mark_action_done,
    open_actions,
    record_check_in,
    set_cadence,
)
from portal.models.base import utcnow
from portal.models.checkins import CheckInAction
from portal.pagination import paginate_rows
from portal.partners.blueprint import form_status, load_owned, load_partner, refused
from portal.roles import PARTNER_ADMIN, VENDOR_ROLES

bp = Blueprint("checkins", __name__, url_prefix="/partners")

READ_ROLES = (*VENDOR_ROLES, PARTNER_ADMIN)
#: Check-ins per page of the log (a few a year: pages stay short).
PER_PAGE = 10


@bp.app_template_filter("channel")
def channel_label(value: str) -> str:
    return CHANNEL_LABELS.get(value, value)


@bp.app_template_filter("owner_side")
def owner_label(value: str) -> str:
    return OWNER_LABELS.get(value, value)


@bp.app_template_filter("seconds_text")
def seconds_text(seconds) -> str:
    """A median time as people read it: '40 min', '3.5 h', '2.1 days'."""
    seconds = int(seconds)
    if seconds < 3600:
        return f"{max(seconds // 60, 1) if seconds else 0} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} days".replace(".0 days", " days")


def _log_url(partner) -> str:
    return url_for(".log", partner_id=partner.id)


@bp.get("/<int:partner_id>/check-ins")
@roles_required(*READ_ROLES)
def log(partner_id):
    partner = load_partner(partner_id)
    today = utcnow().date()
    return render_template(
        "checkins/log.html",
        partner=partner,
        status=checkin_status([partner.id], today)[partner.id],
        carried=open_actions(partner),
        page=paginate_rows(check_in_log(partner), per_page=PER_PAGE),
        today=today,
    )


@bp.route("/<int:partner_id>/check-ins/new", methods=["GET", "POST"])
@roles_required(*RECORDER_ROLES)
def new(partner_id):
    partner = load_partner(partner_id)
    carried = open_actions(partner)
    principal = current_principal()
    form = CheckInForm()
    form.set_open_actions(carried)
    if not form.is_submitted():
        form.held_on.data = utcnow().date()
        form.vendor_attendees.data = principal.name
    status = form_status()
    if form.validate_on_submit():
        try:
            check_in = record_check_in(partner, form.to_input(), actor=principal)
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(
                f"Check-in of {check_in.held_on:%Y-%m-%d} recorded; the next is due on "
                f"{check_in.next_due_on:%Y-%m-%d}.",
                "success",
            )
            return redirect(_log_url(partner))
    return render_template(
        "checkins/form.html", partner=partner, form=form, carried=carried
    ), status


@bp.post("/<int:partner_id>/check-ins/actions/<int:action_id>/done")
@roles_required(*RECORDER_ROLES)
def action_done(partner_id, action_id):
    partner = load_partner(partner_id)
    action = load_owned(CheckInAction, action_id, partner)
    try:
        mark_action_done(action, actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"Marked done: {action.description}", "success")
    return redirect(_log_url(partner))


@bp.route("/<int:partner_id>/check-ins/cadence", methods=["GET", "POST"])
@roles_required(*RECORDER_ROLES)
def cadence(partner_id):
    partner = load_partner(partner_id)
    form = CadenceForm()
    if not form.is_submitted():
        form.days.data = partner.checkin_cadence_days
    status = form_status()
    if form.validate_on_submit():
        try:
            set_cadence(partner, form.days.data, actor=current_principal())
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(f"A check-in with {partner.name} every {form.days.data} days.", "success")
            return redirect(_log_url(partner))
    return render_template("checkins/cadence.html", partner=partner, form=form), status
