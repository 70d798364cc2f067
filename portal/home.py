"""The home page: one per role."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from portal.access import current_principal, public, scoped
from portal.extensions import db
from portal.models import Agreement, AuditEntry, Customer, Partner, User

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index():
    principal = current_principal()
    if not principal.is_authenticated:
        return render_template("home/public.html")
    if principal.is_vendor:
        return render_template("home/vendor.html", **_vendor_figures())
    return render_template("home/partner.html", **_partner_figures(principal))


def _vendor_figures() -> dict:
    partners = db.session.scalars(select(Partner).order_by(Partner.name)).all()
    pending = db.session.scalars(
        select(Agreement).where(Agreement.status.in_(("proposed", "returned")))
    ).all()
    recent = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(8)
    ).all()
    return {"partners": partners, "open_agreements": pending, "recent_audit": recent}


def _partner_figures(principal) -> dict:
    partner = db.session.get(Partner, principal.partner_id)
    technicians = db.session.scalar(
        scoped(User)
        .with_only_columns(func.count())
        .where(User.role == "technician", User.status == "active")
    )
    customers = db.session.scalar(scoped(Customer).with_only_columns(func.count()))
    return {
        "partner": partner,
        "active_technicians": technicians,
        "customer_count": customers,
        "agreement": partner.agreement_in_force,
        "pending_agreement": partner.pending_agreement,
    }
