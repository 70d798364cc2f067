"""The technician's submission form: a new escalation, or a draft of the partner's.

The form calls the same service (and so the same gate) as POST /api/v1/escalations; a
refused technician sees why and how to get there, and nothing is written. "Save draft"
keeps an incomplete escalation (no gate yet) that any technician of the partner can
reopen; a certified colleague submits it, and the gate judges the colleague. Evidence
files are stored in the same transaction: a refused file refuses the whole form.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certification.models import Certification
from certification.status import current_clause
from escalations.blueprint import bp
from escalations.forms import EscalationForm
from escalations.gate import GateRefusal
from escalations.models import Escalation
from escalations.records import attachments_of, deflection_log
from escalations.scope import visible_escalations
from escalations.services import add_attachment, clean_file_name, save_draft, submit_escalation
from escalations.suggest_views import deflection_panel
from portal.access import current_principal, roles_required
from portal.errors import DomainError
from portal.extensions import db
from portal.ids import as_id
from portal.models import Partner
from portal.models.base import utcnow
from portal.partners.forms import show_domain_errors
from portal.partners.presentation import COVER_LABELS
from portal.roles import TECHNICIAN

SAVE_DRAFT = "draft"


def _holds_a_certification(user) -> bool:
    """Whether `user` holds any current certification (the gate then checks the product)."""
    found = db.session.scalar(
        select(Certification.id)
        .where(Certification.user_id == user.id, current_clause(utcnow().date()))
        .limit(1)
    )
    return found is not None


def _form_page(form, partner, refusal=None, status: int = 200, draft=None):
    principal = current_principal()
    form.fill_choices(partner.id)
    agreement = partner.agreement_in_force
    return render_template(
        "escalations/new.html",
        form=form,
        draft=draft,
        attachments=attachments_of(draft) if draft is not None else [],
        refusal=refusal,
        certified=_holds_a_certification(principal),
        suggestions=deflection_panel(
            principal,
            form.symptoms_text(),
            form.kb_suggested.slugs,
            form.kb_opened.slugs,
            form.kb_reviewed.slugs,
        ),
        files_dropped=request.method == "POST" and bool(form.evidence.chosen),
        agreement=agreement,
        cover_label=COVER_LABELS.get(agreement.out_of_hours_cover, "") if agreement else "",
    ), status


def _save(form, partner, draft=None):
    """Save the draft or submit, with the evidence, in one transaction; or say why not."""
    principal = current_principal()
    if not form.validate_on_submit():
        return _form_page(form, partner, status=400, draft=draft)
    saving_draft = request.form.get("action") == SAVE_DRAFT
    files = form.evidence_files()
    try:
        if saving_draft:
            escalation = save_draft(principal, form.to_input(), escalation=draft)
        else:
            escalation = submit_escalation(principal, form.to_input(), draft=draft)
        for name, content in files:
            try:
                add_attachment(escalation, principal, name, content)
            except DomainError as exc:
                exc.fields = {"file": f"{clean_file_name(name)}: {exc.message}"}
                raise
    except GateRefusal as refusal:
        db.session.rollback()
        if refusal.fields:  # the alert says the rest; the fields show where
            show_domain_errors(form, refusal)
        return _form_page(form, partner, refusal=refusal, status=refusal.status, draft=draft)
    except DomainError as exc:
        db.session.rollback()
        show_domain_errors(form, exc)
        status = exc.status if exc.status in (409, 413) else 422
        return _form_page(form, partner, status=status, draft=draft)
    db.session.commit()
    if saving_draft:
        flash(
            f"Draft #{escalation.id} is saved: any technician of {partner.name} can reopen it "
            "from their home page, and a certified one can submit it.",
            "success",
        )
        return redirect(url_for(".edit_draft", draft_id=escalation.id))
    flash(f"Escalation #{escalation.id} is submitted: the vendor's engineers have it.", "success")
    return redirect(url_for(".queue"))


@bp.route("/escalations/new", methods=["GET", "POST"])
@roles_required(TECHNICIAN)
def new():
    partner = db.session.get(Partner, current_principal().partner_id)
    form = EscalationForm()
    if request.method == "GET":
        return _form_page(form, partner)
    return _save(form, partner)


def get_draft_or_404(draft_id) -> Escalation:
    """A draft of the principal's partner; anything else (submitted, another partner's,
    absent) is a 404."""
    draft = db.session.scalar(
        visible_escalations()
        .options(joinedload(Escalation.drafted_by))
        .where(Escalation.id == as_id(draft_id), Escalation.status == "draft")
    )
    if draft is None:
        abort(404)
    return draft


@bp.route("/escalations/<int:draft_id>/edit", methods=["GET", "POST"])
@roles_required(TECHNICIAN)
def edit_draft(draft_id: int):
    draft = get_draft_or_404(draft_id)
    partner = db.session.get(Partner, draft.partner_id)
    if request.method == "GET":
        form = EscalationForm.for_draft(draft, deflection_log(draft))
        return _form_page(form, partner, draft=draft)
    return _save(EscalationForm(), partner, draft=draft)
