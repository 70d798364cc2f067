"""The dashboard's flags: what makes a partner worth a closer look, and their thresholds.

Each flag has a fixed code (the API's `flags`):

- `unwarranted_rate_high`: its unwarranted rate over the window is strictly above
  `unwarranted_percent`;
- `unwarranted_above_median`: its unwarranted rate is strictly above `median_multiple`
  times the vendor median (not raised while the median is 0 or unknown);
  both rate flags only for a partner with at least `min_escalations` escalations in the
  window (fewer say too little), and the median is taken over those partners too;
- `certified_below_minimum`: a product of its agreement has fewer active certified
  technicians than the agreement's minimum;
- `certifications_expiring`: a current certification of one of its active technicians
  ends within `expiring_days` (the day it stops counting is at most that many days away,
  as certification pages show "expiring soon");
- `checkin_overdue`: today is past the day its next check-in was due;
- `inactive_with_gaps`: no escalation in the window, yet a compliance gap (a quiet
  partner that is not ready to escalate either).

The thresholds are the support manager's (or the vendor admin's): one row, the defaults
below until someone sets them; a change is validated and audited.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from certification.counts import counting_technician_clause
from certification.models import Certification
from certification.status import current_clause, ends_on_expression
from portal.audit import record_change
from portal.errors import DomainError
from portal.extensions import db
from portal.management.checkins import CheckinStatus, checkin_status
from portal.management.metrics import Window, partner_tallies, vendor_median_unwarranted
from portal.management.tally import Tally
from portal.models import User
from portal.models.base import utcnow
from portal.models.flag_thresholds import FlagThresholds
from portal.partners.compliance import ProductCompliance, compliance_by_partner

#: The flags' codes, in the order pages list them, with what each says.
FLAGS = {
    "unwarranted_rate_high": "Unwarranted rate above threshold",
    "unwarranted_above_median": "Unwarranted rate far above the vendor median",
    "certified_below_minimum": "Certified technicians below minimum",
    "certifications_expiring": "Certifications expiring",
    "checkin_overdue": "Check-in overdue",
    "inactive_with_gaps": "No escalations, compliance gaps",
}

_CENTS = Decimal("0.01")
MIN_ESCALATIONS_MAX = 10_000


@dataclass(frozen=True)
class Thresholds:
    #: A rate strictly above this percentage raises `unwarranted_rate_high`.
    unwarranted_percent: Decimal = Decimal("25.00")
    #: A rate strictly above this multiple of the vendor median raises
    #: `unwarranted_above_median`.
    median_multiple: Decimal = Decimal("2.00")
    #: The rate flags need at least this many escalations in the window.
    min_escalations: int = 5
    #: `certifications_expiring` looks this many days ahead.
    expiring_days: int = 30


DEFAULTS = Thresholds()
FIELDS = tuple(f.name for f in fields(Thresholds))


def current_thresholds() -> Thresholds:
    """The thresholds set on the thresholds page, or the defaults until someone sets them."""
    row = db.session.get(FlagThresholds, 1)
    if row is None:
        return DEFAULTS
    return Thresholds(
        unwarranted_percent=Decimal(row.unwarranted_percent).quantize(_CENTS),
        median_multiple=Decimal(row.median_multiple).quantize(_CENTS),
        min_escalations=row.min_escalations,
        expiring_days=row.expiring_days,
    )


def _decimal(text: str, lowest: Decimal, highest: Decimal) -> Decimal | str:
    """The value as a Decimal with at most two decimals, or what is wrong with it."""
    try:
        value = Decimal(text.replace(",", ".")) if text else None
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        return f"Enter a number from {lowest} to {highest}."
    if not lowest <= value <= highest:
        return f"From {lowest} to {highest}."
    if value.normalize().as_tuple().exponent < -2:
        return "At most two decimals."
    return value.quantize(_CENTS)


def _whole(text: str, lowest: int, highest: int) -> int | str:
    if not text.isdigit() or len(text) > 6:
        return f"Enter a whole number from {lowest} to {highest}."
    value = int(text)
    return value if lowest <= value <= highest else f"From {lowest} to {highest}."


def checked_thresholds(values: dict) -> Thresholds:
    """`values` (text, as a form posts them) as thresholds.

    :raises DomainError: `validation_error` with a message per field that is wrong.
    """
    text = {name: str(values.get(name) or "").strip() for name in FIELDS}
    found = {
        "unwarranted_percent": _decimal(text["unwarranted_percent"], Decimal(0), Decimal(100)),
        "median_multiple": _decimal(text["median_multiple"], Decimal(1), Decimal("99.99")),
        "min_escalations": _whole(text["min_escalations"], 0, MIN_ESCALATIONS_MAX),
        "expiring_days": _whole(text["expiring_days"], 1, 365),
    }
    problems = {name: value for name, value in found.items() if isinstance(value, str)}
    if problems:
        raise DomainError("validation_error", "Some thresholds are not valid.", fields=problems)
    return Thresholds(**found)


def set_thresholds(values: dict, *, actor) -> bool:
    """Store the thresholds and audit the change; False when nothing changed.

    :raises DomainError: `validation_error` (nothing is written).
    """
    wanted = checked_thresholds(values)
    current = current_thresholds()
    if wanted == current:
        return False
    row = db.session.get(FlagThresholds, 1)
    if row is None:
        row = FlagThresholds(id=1)
        db.session.add(row)
    for name in FIELDS:
        setattr(row, name, getattr(wanted, name))
    db.session.flush()
    changed = [name for name in FIELDS if getattr(wanted, name) != getattr(current, name)]
    record_change(
        "flag_thresholds.changed",
        row,
        partner_id=None,
        actor=actor,
        before={name: getattr(current, name) for name in changed},
        after={name: getattr(wanted, name) for name in changed},
        summary="Dashboard flag thresholds: "
        + ", ".join(
            f"{name.replace('_', ' ')} {getattr(current, name)} → {getattr(wanted, name)}"
            for name in changed
        ),
    )
    return True


# --- The inputs of the flags, for many partners at once ------------------------------------


def expiring_certifications(partner_ids: list[int], today: date, days: int) -> dict[int, int]:
    """Per partner, its active technicians' current certifications that stop counting
    within `days` of `today` (one query, however many partners)."""
    if not partner_ids:
        return {}
    rows = db.session.execute(
        select(Certification.partner_id, func.count(Certification.id))
        .join(User, counting_technician_clause())
        .where(
            Certification.partner_id.in_(partner_ids),
            current_clause(today),
            ends_on_expression() <= today + timedelta(days=days),
        )
        .group_by(Certification.partner_id)
    )
    return {partner_id: count for partner_id, count in rows}


@dataclass(frozen=True)
class FlagInputs:
    """What the flags of some partners are computed from, over one window."""

    window: Window
    thresholds: Thresholds
    #: Every partner's escalations in the window (the median's inputs), not only those shown.
    tallies: dict[int, Tally]
    vendor_median: Decimal | None
    compliance: dict[int, list[ProductCompliance]]
    expiring: dict[int, int]
    checkins: dict[int, CheckinStatus]

    def tally(self, partner_id: int) -> Tally:
        return self.tallies.get(partner_id) or Tally()


def gather_flag_inputs(
    partners: list, window: Window, today: date | None = None, thresholds=None
) -> FlagInputs:
    """The flags' inputs for `partners` (loaded with their agreements' minimums and
    products, as `compliance_by_partner` asks): a fixed number of queries."""
    today = today or utcnow().date()
    thresholds = thresholds or current_thresholds()
    ids = [partner.id for partner in partners]
    tallies = partner_tallies(window, today=today)
    return FlagInputs(
        window=window,
        thresholds=thresholds,
        tallies=tallies,
        vendor_median=vendor_median_unwarranted(tallies, thresholds.min_escalations),
        compliance=compliance_by_partner(partners),
        expiring=expiring_certifications(ids, today, thresholds.expiring_days),
        checkins=checkin_status(ids, today),
    )


def raised_flags(partner_id: int, inputs: FlagInputs) -> list[str]:
    """The codes of the flags `partner_id` raises, in `FLAGS`'s order."""
    thresholds = inputs.thresholds
    tally = inputs.tally(partner_id)
    rate = tally.unwarranted_rate
    rows = inputs.compliance.get(partner_id, [])
    median = inputs.vendor_median
    checkin = inputs.checkins.get(partner_id)
    rated = rate is not None and tally.submitted >= thresholds.min_escalations
    raised = {
        "unwarranted_rate_high": rated and rate > thresholds.unwarranted_percent,
        "unwarranted_above_median": rated
        and bool(median)
        and rate > thresholds.median_multiple * median,
        "certified_below_minimum": any(row.shortfall for row in rows),
        "certifications_expiring": inputs.expiring.get(partner_id, 0) > 0,
        "checkin_overdue": checkin is not None and checkin.overdue,
        "inactive_with_gaps": tally.submitted == 0 and any(not row.compliant for row in rows),
    }
    return [code for code in FLAGS if raised[code]]


def partner_flags(partners: list, window: Window, today: date | None = None) -> dict[int, list]:
    """Each partner's flags over the window."""
    inputs = gather_flag_inputs(partners, window, today)
    return {partner.id: raised_flags(partner.id, inputs) for partner in partners}
