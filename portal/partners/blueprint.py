"""The partners blueprint, shared by the view modules of this package, and its page helpers."""

from flask import Blueprint, abort, flash, request
from sqlalchemy.orm import selectinload

from portal.access import current_principal, scoped
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Agreement, Partner, ProductMinimum
from portal.navigation import can_use
from portal.partners.discounts import tier_discounts
from portal.partners.forms import show_domain_errors
from portal.partners.presentation import duration_text, minutes_text, term_text

bp = Blueprint("partners", __name__, url_prefix="/partners")
bp.add_app_template_global(can_use, "can")
bp.add_app_template_global(tier_discounts, "tier_discounts")
bp.add_app_template_filter(minutes_text, "minutes")
bp.add_app_template_filter(duration_text, "duration")


@bp.app_template_filter("term")
def term_filter(value, name: str) -> str:
    """`{{ agreement.fee_model|term('fee_model') }}`: a term as a reader sees it."""
    return term_text(name, value)


def load_partner(partner_id: int, *options) -> Partner:
    """The partner, if the principal may see it (404 otherwise), with loader options."""
    partner = db.session.scalar(scoped(Partner).where(Partner.id == partner_id).options(*options))
    if partner is None:
        abort(404)
    return partner


def own_partner_id() -> int:
    """The signed-in partner user's partner (the "mine" pages)."""
    partner_id = current_principal().partner_id
    if partner_id is None:
        abort(404)
    return partner_id


def load_owned(model, object_id: int, partner: Partner, *criteria):
    """A row of `partner` by id, within the principal's scope; 404 if absent or not visible.

    The row must belong to the partner named in the URL too, so that
    /partners/1/customers/7 cannot reach partner 2's customer 7.
    """
    row = db.session.scalar(
        scoped(model).where(model.id == object_id, model.partner_id == partner.id, *criteria)
    )
    if row is None:
        abort(404)
    return row


def refused(form, error: DomainError) -> int:
    """Undo the request's changes, show a service's refusal on `form`; the status to answer.

    A conflict (409: wrong state, already pending...) is a flash message; field errors go
    next to their fields.
    """
    db.session.rollback()
    if error.status == 409:
        flash(error.message, "error")
        return 409
    show_domain_errors(form, error)
    return 400


def form_status() -> int:
    """200 for a fresh form, 400 for a submitted one that did not validate."""
    return 400 if request.method == "POST" else 200


def agreement_history_options():
    """Loader options for a partner's agreements with everything their pages show."""
    return selectinload(Partner.agreements).options(
        selectinload(Agreement.sla_targets),
        selectinload(Agreement.product_minimums).selectinload(ProductMinimum.product),
        selectinload(Agreement.proposed_by),
        selectinload(Agreement.decided_by),
    )
