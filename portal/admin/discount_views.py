"""The vendor admin's page for the fee discount each tier earns (routes on `admin.bp`)."""

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from portal.access import current_principal, roles_required
from portal.admin.views import bp
from portal.errors import DomainError
from portal.extensions import db
from portal.partners.discounts import set_tier_discounts, tier_discounts
from portal.partners.forms import show_domain_errors
from portal.roles import VENDOR_ADMIN

TIER_HELP = {
    "registered": "Partners not yet compliant on every product of their agreement.",
    "certified": "Compliant on every product: enough certified technicians and a current lab.",
    "premier": "Certified, and escalating well-prepared cases.",
}


def _percent_field(label: str) -> StringField:
    return StringField(
        label,
        validators=[Length(max=12)],  # the service says what a percentage must be
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class TierDiscountForm(FlaskForm):
    registered = _percent_field("Registered")
    certified = _percent_field("Certified")
    premier = _percent_field("Premier")

    def values(self) -> dict[str, str]:
        return {tier: (self[tier].data or "").strip().replace(",", ".") for tier in TIER_HELP}


@bp.route("/tier-discounts", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def tier_discounts_page():
    current = tier_discounts()
    form = TierDiscountForm(data={tier: f"{value}" for tier, value in current.items()})
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            try:
                changed = set_tier_discounts(form.values(), actor=current_principal())
            except DomainError as exc:
                db.session.rollback()
                show_domain_errors(form, exc)
            else:
                db.session.commit()
                flash(
                    "Discounts saved." if changed else "Nothing changed.",
                    "success" if changed else "info",
                )
                return redirect(url_for("admin.tier_discounts_page"))
    return render_template(
        "admin/tier_discounts.html", form=form, current=current, help=TIER_HELP
    ), status
