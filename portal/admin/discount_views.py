"""The vendor admin's page for the fee discount each tier earns, and the escalation quality
the premier tier asks for (routes on `admin.bp`)."""

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length

from portal.access import current_principal, roles_required
from portal.admin.views import bp
from portal.errors import DomainError
from portal.extensions import db
from portal.partners.discounts import set_tier_discounts, tier_discounts
from portal.partners.forms import show_domain_errors
from portal.partners.premier import (
    MINIMUM_ESCALATIONS,
    WINDOW_DAYS,
    premier_threshold,
    set_premier_threshold,
)
from portal.roles import VENDOR_ADMIN

TIER_HELP = {
    "registered": "Partners not yet compliant on every product of their agreement.",
    "certified": "Compliant on every product: enough certified technicians and a current lab.",
    "premier": "Certified, and escalating well-prepared cases (below).",
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


class PremierQualityForm(FlaskForm):
    """Posted to the same page; told apart from the discounts by its prefixed button."""

    threshold = _percent_field("Unwarranted rate below")
    save = SubmitField("Save threshold")


def _saved(form, save, success: str) -> bool:
    """Run `save` on a valid form; commit and flash, or roll back and show its errors."""
    if not form.validate():
        return False
    try:
        changed = save()
    except DomainError as exc:
        db.session.rollback()
        show_domain_errors(form, exc)
        return False
    db.session.commit()
    flash(success if changed else "Nothing changed.", "success" if changed else "info")
    return True


@bp.route("/tier-discounts", methods=["GET", "POST"])
@roles_required(VENDOR_ADMIN)
def tier_discounts_page():
    current = tier_discounts()
    threshold = premier_threshold()
    form = TierDiscountForm(data={tier: f"{value}" for tier, value in current.items()})
    quality_form = PremierQualityForm(prefix="quality", data={"threshold": f"{threshold}"})
    status = 200
    actor = current_principal()
    if request.method == "POST":
        status = 400
        if quality_form.save.data:
            value = (quality_form.threshold.data or "").strip()
            saved = _saved(
                quality_form,
                lambda: set_premier_threshold(value, actor=actor),
                "Premier threshold saved; tiers follow it.",
            )
        else:
            saved = _saved(
                form, lambda: set_tier_discounts(form.values(), actor=actor), "Discounts saved."
            )
        if saved:
            return redirect(url_for("admin.tier_discounts_page"))
    return render_template(
        "admin/tier_discounts.html",
        form=form,
        current=current,
        help=TIER_HELP,
        quality_form=quality_form,
        threshold=threshold,
        window_months=round(WINDOW_DAYS / 30.4),
        minimum_escalations=MINIMUM_ESCALATIONS,
    ), status
