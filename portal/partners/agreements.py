"""The agreement workflow: the vendor proposes, the partner accepts or returns it.

proposed -> in_force (partner admin accepts; the previous in-force version is superseded)
proposed -> returned (partner admin sends it back with comments; the vendor revises by
                      proposing a new version)
proposed -> withdrawn (vendor admin takes the proposal back)
"""

import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from sqlalchemy import func, select

from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.holiday_calendar import (
    check_holiday_place,
    format_closed_dates,
    holiday_countries,
    parse_closed_dates,
)
from portal.management.fees import CURRENCIES
from portal.models import Agreement, Partner, Product, ProductMinimum, SlaTarget
from portal.models.agreements import (
    COVERAGES,
    FEE_MODELS,
    FEE_PERIODS,
    OUT_OF_HOURS_COVER,
    PARTY,
    SEVERITIES,
    WEEKDAYS,
)
from portal.models.base import utcnow
from portal.signals import agreement_in_force
from portal.time_zones import is_known_zone

TERM_FIELDS = (
    "customer_owner",
    "customer_billing",
    "troubleshooting_required",
    "customer_kb_access",
    "update_distribution",
    "vendor_may_contact_customers",
    "fee_model",
    "fee_percentage",
    "fixed_fee",
    "fee_period",
    "currency",
    "certification_validity_months",
    "coverage",
    "timezone",
    "business_days",
    "business_start",
    "business_end",
    "holiday_country",
    "holiday_region",
    "closed_dates",
    "vendor_contact",
    "partner_contact",
    "out_of_hours_cover",
    "out_of_hours_response_minutes",
    "out_of_hours_extra_cost",
)
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Upper bounds keep values within their columns (numeric(12,2), integer) and sane.
MAX_AMOUNT = Decimal("9999999999.99")
MAX_MINUTES = 366 * 24 * 60
MAX_MINIMUM = 10_000
MAX_VALIDITY_MONTHS = 120
#: The agreement keeps a holiday region's code in 10 characters.
REGION_MAX = 10

DEFAULT_SLA = {  # minutes: (first response, resolution)
    "S1": (60, 8 * 60),
    "S2": (4 * 60, 3 * 24 * 60),
    "S3": (8 * 60, 10 * 24 * 60),
    "S4": (2 * 24 * 60, 30 * 24 * 60),
}


@dataclass
class AgreementTerms:
    customer_owner: str = "partner"
    customer_billing: str = "partner"
    troubleshooting_required: str = ""
    customer_kb_access: bool = False
    update_distribution: str = ""
    vendor_may_contact_customers: bool = False
    fee_model: str = "percentage"
    fee_percentage: Decimal | None = Decimal("20")
    fixed_fee: Decimal | None = None
    fee_period: str = "quarter"
    #: ISO 4217 code of the fees (one of `portal.management.fees.CURRENCIES`).
    currency: str = "EUR"
    certification_validity_months: int = 12
    coverage: str = "business_hours"
    timezone: str = "UTC"
    business_days: str = "mon,tue,wed,thu,fri"
    business_start: str = "09:00"
    business_end: str = "17:00"
    #: Public holidays skipped by business-hours clocks: an ISO 3166 country (and region).
    holiday_country: str = ""
    holiday_region: str = ""
    #: The agreement's own closed dates, one YYYY-MM-DD per line.
    closed_dates: str = ""
    vendor_contact: str = ""
    partner_contact: str = ""
    out_of_hours_cover: str = "none"
    out_of_hours_response_minutes: int | None = None
    out_of_hours_extra_cost: Decimal | None = None
    #: severity -> (first response minutes, resolution minutes)
    sla: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(DEFAULT_SLA))
    #: product id -> minimum active certified technicians
    minimums: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_agreement(cls, agreement: Agreement) -> "AgreementTerms":
        terms = cls(**{name: getattr(agreement, name) for name in TERM_FIELDS})
        terms.sla = {
            t.severity: (t.first_response_minutes, t.resolution_minutes)
            for t in agreement.sla_targets
        }
        terms.minimums = {m.product_id: m.minimum for m in agreement.product_minimums}
        return terms

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in TERM_FIELDS}
        data["sla"] = {k: list(v) for k, v in sorted(self.sla.items())}
        data["minimums"] = {str(k): v for k, v in sorted(self.minimums.items())}
        return data


#: Free-text terms: None (a field left out of a post) is the same as empty.
TEXT_TERMS = (
    "troubleshooting_required",
    "update_distribution",
    "vendor_contact",
    "partner_contact",
    "timezone",
    "business_start",
    "business_end",
    "holiday_country",
    "holiday_region",
    "closed_dates",
)


def normalise_terms(terms: AgreementTerms) -> AgreementTerms:
    """Terms as they are kept, so that two ways of writing the same terms compare equal.

    Text is stripped (None is empty); the working days are in week order. The terms that
    the chosen options make meaningless are cleared, so none is kept by mistake: the fixed
    fee under the percentage model (and the reverse), the working week under 24x7
    coverage, the out-of-hours response time and cost without out-of-hours cover.
    """
    for name in TEXT_TERMS:
        setattr(terms, name, (getattr(terms, name) or "").strip())
    terms.currency = (terms.currency or "").strip().upper()
    if terms.fee_model == "percentage":
        terms.fixed_fee = None
    elif terms.fee_model == "fixed":
        terms.fee_percentage = None
    if terms.coverage == "24x7":
        terms.business_days = terms.business_start = terms.business_end = ""
        terms.holiday_country = terms.holiday_region = terms.closed_dates = ""
    else:  # the days in week order, once each (unknown ones are left for validation)
        days = [d for d in (terms.business_days or "").split(",") if d]
        unknown = [d for d in days if d not in WEEKDAYS]
        terms.business_days = ",".join([d for d in WEEKDAYS if d in days] + unknown)
        _normalise_calendar(terms)
    if terms.out_of_hours_cover == "none":
        terms.out_of_hours_response_minutes = terms.out_of_hours_extra_cost = None
    return terms


def _normalise_calendar(terms: AgreementTerms) -> None:
    """The holiday country in capitals, its region as the `holidays` library spells it, the
    closed dates sorted one per line (text that is not dates is left for validation)."""
    terms.holiday_country = terms.holiday_country.upper()
    regions = holiday_countries().get(terms.holiday_country, ())
    wanted = terms.holiday_region.casefold()
    terms.holiday_region = next(
        (r for r in regions if r.casefold() == wanted), terms.holiday_region
    )
    with suppress(ValueError):
        terms.closed_dates = format_closed_dates(parse_closed_dates(terms.closed_dates))


def _calendar_errors(terms: AgreementTerms) -> dict[str, str]:
    """The public holidays' country and region, and the closed dates, of business hours."""
    errors = check_holiday_place(terms.holiday_country, terms.holiday_region)
    if "holiday_region" not in errors and len(terms.holiday_region) > REGION_MAX:
        errors["holiday_region"] = (
            f"{terms.holiday_region} is a local holiday calendar, not a region code; use a "
            f"code of at most {REGION_MAX} characters."
        )
    try:
        parse_closed_dates(terms.closed_dates)
    except ValueError as exc:
        errors["closed_dates"] = str(exc)
    return errors


def validate_terms(terms: AgreementTerms) -> None:
    """Raise a DomainError listing every term that is missing or inconsistent.

    The terms are normalised first (`normalise_terms`): what does not apply is cleared.
    """
    normalise_terms(terms)
    errors = {}
    choices = (
        ("customer_owner", PARTY),
        ("customer_billing", PARTY),
        ("fee_model", FEE_MODELS),
        ("fee_period", FEE_PERIODS),
        ("currency", CURRENCIES),
        ("coverage", COVERAGES),
        ("out_of_hours_cover", OUT_OF_HOURS_COVER),
    )
    for name, allowed in choices:
        if getattr(terms, name) not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."
    percentage, fixed_fee = terms.fee_percentage, terms.fixed_fee
    if terms.fee_model == "percentage" and (percentage is None or not (0 <= percentage <= 100)):
        errors["fee_percentage"] = "A percentage between 0 and 100 is required."
    if terms.fee_model == "fixed" and (fixed_fee is None or not (0 <= fixed_fee <= MAX_AMOUNT)):
        errors["fixed_fee"] = "A fixed fee of zero or more is required."
    validity = terms.certification_validity_months
    if not validity or not (1 <= validity <= MAX_VALIDITY_MONTHS):
        errors["certification_validity_months"] = (
            f"At least one month, and {MAX_VALIDITY_MONTHS} at most."
        )
    if terms.coverage == "business_hours":
        if not is_known_zone(terms.timezone):
            errors["timezone"] = "Unknown time zone (use a name such as Europe/Paris)."
        days = [d for d in terms.business_days.split(",") if d]
        if not days or any(d not in WEEKDAYS for d in days):
            errors["business_days"] = "Choose at least one working day."
        start_ok, end_ok = HHMM.match(terms.business_start), HHMM.match(terms.business_end)
        if not start_ok:
            errors["business_start"] = "Use HH:MM."
        if not end_ok:
            errors["business_end"] = "Use HH:MM."
        if (
            start_ok
            and end_ok
            and (time.fromisoformat(terms.business_start) >= time.fromisoformat(terms.business_end))
        ):
            errors["business_end"] = "The working day must end after it starts."
        errors.update(_calendar_errors(terms))
    elif not is_known_zone(terms.timezone or "UTC"):
        errors["timezone"] = "Unknown time zone."
    for severity in SEVERITIES:
        first, resolution = terms.sla.get(severity, (None, None))
        if not first or not (0 < first <= MAX_MINUTES):
            errors[f"sla.{severity}.first_response"] = "A positive duration, a year at most."
        elif not resolution or not (first <= resolution <= MAX_MINUTES):
            errors[f"sla.{severity}.resolution"] = (
                "At least the first-response target, and a year at most."
            )
    for product_id, minimum in terms.minimums.items():
        if db.session.get(Product, product_id) is None:
            errors[f"minimums.{product_id}"] = "Unknown product."
        elif minimum is None or not (0 <= minimum <= MAX_MINIMUM):
            errors[f"minimums.{product_id}"] = "Zero or more."
    if terms.out_of_hours_cover != "none" and not terms.out_of_hours_response_minutes:
        errors["out_of_hours_response_minutes"] = "Say how fast out-of-hours cover responds."
    elif not (0 <= (terms.out_of_hours_response_minutes or 0) <= MAX_MINUTES):
        errors["out_of_hours_response_minutes"] = "A number of minutes (a year at most)."
    if not (0 <= (terms.out_of_hours_extra_cost or 0) <= MAX_AMOUNT):
        errors["out_of_hours_extra_cost"] = "An amount of zero or more."
    if errors:
        raise DomainError(
            "validation_error", "Some terms are missing or inconsistent.", fields=errors
        )


def _refuse_same_terms(terms: AgreementTerms, in_force: Agreement | None) -> None:
    """A version that changes nothing would only re-record the agreement in force."""
    if in_force is None:
        return
    current = normalise_terms(AgreementTerms.from_agreement(in_force))
    if normalise_terms(terms).as_dict() == current.as_dict():
        raise DomainError(
            "no_change",
            f"These terms are the same as version {in_force.version}, which is "
            "in force: change at least one term to propose a new version.",
        )


def propose_agreement(partner: Partner, terms: AgreementTerms, *, actor) -> Agreement:
    """The vendor proposes a new version; it is not in force until the partner accepts.

    Terms that do not apply (a fixed fee under the percentage model, working hours under
    24x7 coverage...) are cleared; terms identical to the version in force are refused.
    """
    validate_terms(terms)
    if partner.pending_agreement is not None:
        raise DomainError(
            "proposal_pending",
            "A proposal is already waiting for the partner; withdraw it first.",
            status=409,
        )
    _refuse_same_terms(terms, partner.agreement_in_force)
    last = db.session.scalar(
        select(func.max(Agreement.version)).where(Agreement.partner_id == partner.id)
    )
    agreement = Agreement(
        partner=partner,
        version=(last or 0) + 1,
        status="proposed",
        proposed_by_id=actor.id if actor else None,
        **{name: getattr(terms, name) for name in TERM_FIELDS},
    )
    agreement.sla_targets = [
        SlaTarget(severity=s, first_response_minutes=f, resolution_minutes=r)
        for s, (f, r) in sorted(terms.sla.items())
    ]
    agreement.product_minimums = [
        ProductMinimum(product_id=p, minimum=m) for p, m in sorted(terms.minimums.items())
    ]
    db.session.add(agreement)
    db.session.flush()
    in_force = partner.agreement_in_force
    record_change(
        "agreement.proposed",
        agreement,
        partner_id=partner.id,
        actor=actor,
        before=AgreementTerms.from_agreement(in_force).as_dict() if in_force else None,
        after=terms.as_dict(),
        summary=f"Version {agreement.version} proposed",
    )
    _notify_partner_admins(partner, agreement)
    return agreement


def _require_proposed(agreement: Agreement) -> None:
    if agreement.status != "proposed":
        raise DomainError(
            "invalid_transition",
            f"Version {agreement.version} is {agreement.status}, not awaiting a decision.",
            status=409,
        )


def accept_agreement(agreement: Agreement, *, actor) -> Agreement:
    """The partner admin accepts: this version comes into force, the previous is superseded.

    A proposal with the same terms as the version in force (one made before such proposals
    were refused) is refused: accepting it would change nothing but the record.
    """
    _require_proposed(agreement)
    now = utcnow()
    previous = agreement.partner.agreement_in_force
    _refuse_same_terms(AgreementTerms.from_agreement(agreement), previous)
    if previous is not None:
        previous.status = "superseded"
        previous.in_force_until = now
        db.session.flush()  # the partial unique index allows one version in force
    agreement.status = "in_force"
    agreement.decided_by_id = actor.id
    agreement.decided_at = now
    agreement.in_force_from = now
    record_change(
        "agreement.accepted",
        agreement,
        partner_id=agreement.partner_id,
        actor=actor,
        before={"status": "proposed", "in_force_version": previous.version if previous else None},
        after={"status": "in_force", "in_force_version": agreement.version},
        summary=f"Version {agreement.version} accepted and in force",
    )
    db.session.flush()
    agreement_in_force.send(agreement, previous=previous, actor=actor)
    _notify_vendor_of_decision(agreement)
    return agreement


def check_return(agreement: Agreement, comments: str) -> str:
    """The comments of a return, if the proposal may be returned with them (DomainError if not).

    The page calls it before asking the partner admin to confirm.
    """
    _require_proposed(agreement)
    comments = (comments or "").strip()
    if not comments:
        raise DomainError(
            "comments_required",
            "Say what should change.",
            fields={"comments": "Say what should change."},
        )
    return comments


def return_agreement(agreement: Agreement, comments: str, *, actor) -> Agreement:
    """The partner admin sends the proposal back with comments for the vendor to revise."""
    comments = check_return(agreement, comments)
    agreement.status = "returned"
    agreement.partner_comments = comments
    agreement.decided_by_id = actor.id
    agreement.decided_at = utcnow()
    record_change(
        "agreement.returned",
        agreement,
        partner_id=agreement.partner_id,
        actor=actor,
        before={"status": "proposed"},
        after={"status": "returned", "comments": comments},
        summary=f"Version {agreement.version} sent back with comments",
    )
    _notify_vendor_of_decision(agreement)
    return agreement


def withdraw_agreement(agreement: Agreement, *, actor) -> Agreement:
    """The vendor takes back a proposal the partner has not decided on."""
    _require_proposed(agreement)
    agreement.status = "withdrawn"
    agreement.decided_by_id = actor.id
    agreement.decided_at = utcnow()
    record_change(
        "agreement.withdrawn",
        agreement,
        partner_id=agreement.partner_id,
        actor=actor,
        before={"status": "proposed"},
        after={"status": "withdrawn"},
        summary=f"Version {agreement.version} withdrawn",
    )
    return agreement


def _notify_vendor_of_decision(agreement: Agreement) -> None:
    """Tell whoever proposed the version, and the partner's support manager, the outcome."""
    from portal.mail import enqueue_mail

    outcome = "accepted" if agreement.status == "in_force" else "returned with comments"
    recipients = {agreement.proposed_by, agreement.partner.support_manager}
    for user in sorted(
        (u for u in recipients if u is not None and u.is_active), key=lambda u: u.email
    ):
        enqueue_mail(
            user.email,
            f"{agreement.partner.name}: agreement version {agreement.version} {outcome}",
            "mail/agreement_decided.txt",
            user=user,
            partner=agreement.partner,
            agreement=agreement,
            outcome=outcome,
        )


def _notify_partner_admins(partner: Partner, agreement: Agreement) -> None:
    from portal.mail import enqueue_mail

    for user in partner.users:
        if user.role == "partner_admin" and user.is_active:
            enqueue_mail(
                user.email,
                f"Agreement version {agreement.version} proposed",
                "mail/agreement_proposed.txt",
                user=user,
                partner=partner,
                agreement=agreement,
            )
