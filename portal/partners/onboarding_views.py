"""The partner admin's confirmation that it read its procedures (an onboarding step)."""

from flask import flash, redirect, url_for

from portal.access import current_principal, roles_required
from portal.errors import DomainError
from portal.extensions import db
from portal.partners.blueprint import bp, load_partner
from portal.partners.onboarding import confirm_procedures
from portal.roles import PARTNER_ADMIN


@bp.post("/<int:partner_id>/onboarding/procedures")
@roles_required(PARTNER_ADMIN)
def confirm_onboarding_procedures(partner_id: int):
    partner = load_partner(partner_id)
    try:
        confirm_procedures(partner, current_principal())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("home.index"))
    db.session.commit()
    flash("Noted: you have read your responsibilities and the out-of-hours rules.", "success")
    return redirect(url_for("home.index"))
