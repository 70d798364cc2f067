"""How agreement terms read on a page: labels, formatted values, what changed between versions."""

from dataclasses import dataclass
from decimal import Decimal

from portal.holiday_calendar import parse_closed_dates
from portal.models import Agreement
from portal.models.agreements import SEVERITIES, WEEKDAYS

SEVERITY_LABELS = {
    "S1": "Production down, no workaround",
    "S2": "Serious impairment",
    "S3": "Minor impairment",
    "S4": "Question",
}
WEEKDAY_LABELS = {
    "mon": "Mon",
    "tue": "Tue",
    "wed": "Wed",
    "thu": "Thu",
    "fri": "Fri",
    "sat": "Sat",
    "sun": "Sun",
}
FEE_PERIOD_LABELS = {"month": "Per month", "quarter": "Per quarter", "year": "Per year"}
COVER_LABELS = {
    "none": "No out-of-hours cover",
    "first_line": "First line only",
    "senior_engineer": "A senior engineer",
}
COVERAGE_LABELS = {"business_hours": "Business hours", "24x7": "24x7"}
PARTY_LABELS = {"partner": "Partner", "vendor": "Vendor"}

TERM_LABELS = {
    "customer_owner": "Owns the customer",
    "customer_billing": "Bills the customer",
    "troubleshooting_required": "Troubleshooting before escalating",
    "customer_kb_access": "End-customer KB access",
    "update_distribution": "Update distribution",
    "vendor_may_contact_customers": "Vendor may contact customers",
    "fee_model": "Fee model",
    "fee_percentage": "Fee percentage",
    "fixed_fee": "Fixed fee",
    "fee_period": "Fee period",
    "currency": "Currency",
    "certification_validity_months": "Certification validity",
    "coverage": "Coverage",
    "timezone": "Time zone",
    "business_days": "Working days",
    "business_start": "Working day starts",
    "business_end": "Working day ends",
    "holiday_country": "Public holidays of",
    "holiday_region": "Public holidays of the region",
    "closed_dates": "Also closed on",
    "vendor_contact": "Vendor contact",
    "partner_contact": "Partner contact",
    "out_of_hours_cover": "Out-of-hours cover",
    "out_of_hours_response_minutes": "Out-of-hours response",
    "out_of_hours_extra_cost": "Out-of-hours extra cost",
}


def duration_text(minutes: int | None) -> str:
    """'45 min', '1.5 h', '3 days (72 h)': targets are entered in minutes, read in hours."""
    if minutes is None:
        return "—"
    if minutes < 60:
        return f"{minutes} min"
    hours = f"{Decimal(minutes) / 60:.2f}".rstrip("0").rstrip(".")
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days > 1 else ''} ({hours} h)"
    return f"{hours} h"


def minutes_text(minutes: int | None) -> str:
    """'90 min (1.5 h)': the minutes as entered, with the hours they make."""
    if minutes is None or minutes < 60:
        return duration_text(minutes)
    return f"{minutes} min ({duration_text(minutes)})"


def days_text(days: str) -> str:
    chosen = [d for d in WEEKDAYS if d in days.split(",")]
    if not chosen:
        return "—"
    indexes = [WEEKDAYS.index(d) for d in chosen]
    if len(chosen) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{WEEKDAY_LABELS[chosen[0]]}–{WEEKDAY_LABELS[chosen[-1]]}"
    return ", ".join(WEEKDAY_LABELS[d] for d in chosen)


def closed_dates_text(text: str) -> str:
    """'24 Dec 2026, 31 Dec 2026': the agreement's own closed dates, as dates read."""
    try:
        days = parse_closed_dates(text)
    except ValueError:  # kept before the form checked it: shown as written
        return ", ".join(line.strip() for line in text.splitlines() if line.strip())
    return ", ".join(f"{d.day} {d:%b %Y}" for d in days) or "—"


def money_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def term_text(name: str, value) -> str:
    """One term as a reader sees it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name in ("customer_owner", "customer_billing"):
        return PARTY_LABELS.get(value, value)
    if name == "fee_model":
        return "Percentage of support fees" if value == "percentage" else "Fixed fee"
    if name == "fee_percentage":
        return f"{value:.2f} %"
    if name in ("fixed_fee", "out_of_hours_extra_cost"):
        return money_text(value)
    if name == "fee_period":
        return FEE_PERIOD_LABELS.get(value, value)
    if name == "certification_validity_months":
        return f"{value} months"
    if name == "coverage":
        return COVERAGE_LABELS.get(value, value)
    if name == "business_days":
        return days_text(value)
    if name == "closed_dates":
        return closed_dates_text(value)
    if name == "out_of_hours_cover":
        return COVER_LABELS.get(value, value)
    if name == "out_of_hours_response_minutes":
        return minutes_text(value)
    return str(value)


def term_values(agreement: Agreement) -> dict[str, tuple[str, str]]:
    """Every term of a version, flattened: key -> (label, text)."""
    rows = {
        name: (label, term_text(name, getattr(agreement, name)))
        for name, label in TERM_LABELS.items()
    }
    for severity in SEVERITIES:
        target = agreement.sla_for(severity)
        rows[f"sla.{severity}.first_response"] = (
            f"{severity} first response",
            minutes_text(target.first_response_minutes if target else None),
        )
        rows[f"sla.{severity}.resolution"] = (
            f"{severity} resolution",
            minutes_text(target.resolution_minutes if target else None),
        )
    for minimum in sorted(agreement.product_minimums, key=lambda m: m.product.name):
        rows[f"minimums.{minimum.product_id}"] = (
            f"Minimum certified technicians: {minimum.product.name}",
            str(minimum.minimum),
        )
    return rows


@dataclass(frozen=True)
class TermChange:
    label: str
    before: str
    after: str


def terms_diff(base: Agreement, current: Agreement) -> list[TermChange]:
    """The terms of `current` that differ from `base`, in reading order."""
    old, new = term_values(base), term_values(current)
    keys = list(new) + [k for k in old if k not in new]
    changes = []
    for key in keys:
        label = (new.get(key) or old[key])[0]
        before = old[key][1] if key in old else "not covered"
        after = new[key][1] if key in new else "not covered"
        if before != after:
            changes.append(TermChange(label, before, after))
    return changes


def comparison_base(agreement: Agreement, versions: list[Agreement]):
    """The version to compare `agreement` with, and a phrase naming it.

    Against the version in force, when that is another one; for the version in force, against
    the one it superseded; otherwise against the version before it. (None, "") for a first
    version.
    """
    in_force = next((a for a in versions if a.status == "in_force"), None)
    if in_force is not None and in_force is not agreement:
        return in_force, f"version {in_force.version}, in force"
    earlier = [a for a in versions if a.version < agreement.version]
    if agreement.in_force_from is not None:
        earlier = [a for a in earlier if a.in_force_from is not None] or earlier
    if not earlier:
        return None, ""
    previous = max(earlier, key=lambda a: a.version)
    return previous, f"version {previous.version} ({previous.status.replace('_', ' ')})"
