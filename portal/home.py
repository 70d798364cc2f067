"""The home page: what the signed-in user should do next, by role.

The items come from the providers registered with `portal.next_steps`: `portal/`
registers its own below; feature packages register theirs when they load.
"""

from flask import Blueprint, current_app, redirect, render_template, url_for
from sqlalchemy import select

from portal.access import current_principal, public
from portal.extensions import db
from portal.models import AuditEntry, Partner
from portal.next_steps import next_steps_for
from portal.partners import next_steps as partner_steps
from portal.partners.onboarding import checklist_for
from portal.roles import PARTNER_ADMIN, SUPPORT_MANAGER, VENDOR_ADMIN

bp = Blueprint("home", __name__)

partner_steps.register()

#: How many recent changes the vendor admin's home lists.
RECENT_CHANGES = 8


@bp.get("/")
@public
def index():
    principal = current_principal()
    if not principal.is_authenticated:
        return render_template("home/public.html")
    if principal.role == SUPPORT_MANAGER and "management.dashboard" in current_app.view_functions:
        # The support manager's home is the partner dashboard, its next steps on top.
        return redirect(url_for("management.dashboard"))
    steps = next_steps_for(principal)
    if principal.is_vendor:
        return render_template("home/vendor.html", steps=steps, **_vendor_context(principal))
    partner = db.session.get(Partner, principal.partner_id)
    checklist = checklist_for(partner) if principal.role == PARTNER_ADMIN else None
    return render_template(
        "home/partner.html",
        steps=steps,
        partner=partner,
        agreement=partner.agreement_in_force,
        checklist=checklist if checklist is not None and not checklist.complete else None,
    )


def _vendor_context(principal) -> dict:
    if principal.role != VENDOR_ADMIN:
        return {"recent_changes": []}
    return {
        "recent_changes": db.session.scalars(
            select(AuditEntry)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(RECENT_CHANGES)
        ).all()
    }
