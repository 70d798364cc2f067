"""The technician's submission form.

The form calls the same service (and so the same gate) as POST /api/v1/escalations; a
refused technician sees why and how to get there, and nothing is written.
"""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from certification.models import Certification
from certification.status import current_clause
from escalations.blueprint import bp
from escalations.forms import EscalationForm
from escalations.gate import GateRefusal
from escalations.services import submit_escalation
from portal.access import current_principal, roles_required
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Partner
from portal.models.base import utcnow
from portal.partners.forms import show_domain_errors
from portal.partners.presentation import COVER_LABELS
from portal.roles import TECHNICIAN


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
