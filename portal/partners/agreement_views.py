"""Agreement pages: one version in full, proposing a version, and the partner's decision.

The workflow itself (who may move a version where) is in `portal.partners.agreements`.
"""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.access import current_principal, roles_required, signed_in
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db
from portal.holiday_calendar import holiday_countries
from portal.ids import query_id
from portal.models import Agreement, Product
from portal.partners.agreements import (
    AgreementTerms,
    accept_agreement,
    check_return,
    propose_agreement,
    return_agreement,
    withdraw_agreement,
)
from portal.partners.blueprint import (
    agreement_history_options,
    bp,
    load_owned,
    load_partner,
    own_partner_id,
    refused,
)
from portal.partners.forms import ReturnAgreementForm, agreement_form
from portal.partners.presentation import SEVERITY_LABELS, comparison_base, terms_diff
from portal.roles import PARTNER_ADMIN, VENDOR_ADMIN
from portal.time_zones import zone_names


def _agreement_url(agreement: Agreement) -> str:
    return url_for(".agreement", partner_id=agreement.partner_id, agreement_id=agreement.id)


@bp.get("/mine/agreement")
@roles_required(PARTNER_ADMIN)
def my_agreement():
    """The version in force, else the proposal awaiting a decision, else an empty state."""
    partner = load_partner(own_partner_id(), agreement_history_options())
    current = partner.agreement_in_force or partner.pending_agreement
    if current is not None:
        return redirect(_agreement_url(current))
    return render_template("partners/no_agreement.html", partner=partner)


def _load_version(partner_id: int, agreement_id: int):
    partner = load_partner(partner_id, agreement_history_options())
    return partner, load_owned(Agreement, agreement_id, partner)


def _render_version(partner, agreement, return_form=None, status=200):
    base, base_label = comparison_base(agreement, partner.agreements)
    return render_template(
        "partners/agreement.html",
        partner=partner,
        agreement=agreement,
        base=base,
        base_label=base_label,
        changes=terms_diff(base, agreement) if base is not None else [],
        return_form=return_form or ReturnAgreementForm(),
        severity_labels=SEVERITY_LABELS,
    ), status


@bp.get("/<int:partner_id>/agreements/<int:agreement_id>")
@signed_in
def agreement(partner_id, agreement_id):
    partner, version = _load_version(partner_id, agreement_id)
    return _render_version(partner, version)


@bp.route("/<int:partner_id>/agreements/new", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def propose_version(partner_id):
    """Propose a new version, pre-filled from the one in force or from `?from=<id>` (revise)."""
    partner = load_partner(partner_id, agreement_history_options())
    source_id = query_id("from")
    source = load_owned(Agreement, source_id, partner) if source_id else partner.agreement_in_force
    products = db.session.scalars(select(Product).order_by(Product.name)).all()
    prefill = None
    if request.method == "GET":
        prefill = AgreementTerms.from_agreement(source) if source else AgreementTerms()
    form = agreement_form(products, prefill)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            version = propose_agreement(partner, form.to_terms(), actor=current_principal())
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(
                f"Version {version.version} proposed to {partner.name}. It comes into force "
                "when their admin accepts it.",
                "success",
            )
            return redirect(_agreement_url(version))
    return render_template(
        "partners/agreement_form.html",
        partner=partner,
        form=form,
        source=source,
        revising=source_id is not None,
        pending=partner.pending_agreement,
        timezones=zone_names(),
        holiday_countries=sorted(holiday_countries()),
        severity_labels=SEVERITY_LABELS,
    ), status


def _decide(partner_id, agreement_id, action, success_message, asked: str):
    """Apply a one-button decision (accept, withdraw) to a version; 409s become a flash.

    The decision binds (or cannot be undone), so it is confirmed first (`asked` names the
    confirmation); a version no longer awaiting a decision is refused without asking.
    """
    partner, version = _load_version(partner_id, agreement_id)
    if version.status == "proposed" and not is_confirmed():
        return ask_to_confirm(
            confirmation(asked, agreement=version), cancel_url=_agreement_url(version)
        )
    try:
        action(version, actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(success_message.format(version=version.version), "success")
    return redirect(url_for(".agreement", partner_id=partner.id, agreement_id=agreement_id))


@bp.post("/<int:partner_id>/agreements/<int:agreement_id>/accept")
@roles_required(PARTNER_ADMIN)
def accept_version(partner_id, agreement_id):
    return _decide(
        partner_id,
        agreement_id,
        accept_agreement,
        "You accepted version {version}: it is now in force.",
        "agreement.accept",
    )


@bp.post("/<int:partner_id>/agreements/<int:agreement_id>/withdraw")
@roles_required(VENDOR_ADMIN)
def withdraw_version(partner_id, agreement_id):
    return _decide(
        partner_id,
        agreement_id,
        withdraw_agreement,
        "Version {version} withdrawn. The version in force is unchanged.",
        "agreement.withdraw",
    )


@bp.post("/<int:partner_id>/agreements/<int:agreement_id>/return")
@roles_required(PARTNER_ADMIN)
def return_version(partner_id, agreement_id):
    partner, version = _load_version(partner_id, agreement_id)
    form = ReturnAgreementForm()
    status = 400
    if form.validate_on_submit():
        try:
            if not is_confirmed():
                check_return(version, form.comments.data)  # refuse before asking
                return ask_to_confirm(
                    confirmation("agreement.return", agreement=version),
                    cancel_url=_agreement_url(version),
                    values={"comments": form.comments.data},
                )
            return_agreement(version, form.comments.data, actor=current_principal())
        except DomainError as exc:
            status = refused(form, exc)
            if status == 409:
                return redirect(_agreement_url(version))
        else:
            db.session.commit()
            flash(
                f"Version {version.version} sent back to the vendor with your comments.", "success"
            )
            return redirect(_agreement_url(version))
    return _render_version(partner, version, form, status)
