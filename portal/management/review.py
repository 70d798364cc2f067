"""A partner's review: its escalation figures over a window, why its unwarranted ones were
refused month by month, its technicians and compliance, the agreement in force, the
latest check-ins, the escalations still open, its customers' ratings and, while it is
not complete, its onboarding checklist.

Everything is read in a fixed number of statements, however much history there is: the
figures come from the roll-ups (`portal.management.metrics`), the lists are bounded.
Vendor staff also see the partner's unwarranted rate beside the vendor median and its
flags; a partner's admin reviewing its own partner never gets the other partners'
figures (they are not even read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from escalations.clock import OPEN
from escalations.models import REJECTION_REASONS, Escalation
from escalations.ratings.summary import RatingsSummary, partner_ratings_summary
from portal.extensions import db
from portal.management.dashboard import WindowChoice
from portal.management.flags import FLAGS, gather_flag_inputs, raised_flags
from portal.management.metrics import (
    monthly_tallies,
    months_between,
    partner_tallies,
    rate_per_100_seats,
    seats_by_partner,
)
from portal.management.tally import Tally, month_of
from portal.models import Agreement, Partner, ProductMinimum, User
from portal.models.base import utcnow
from portal.models.checkins import CheckIn
from portal.partners.compliance import (
    ProductCompliance,
    certifications_of_users,
    compliance_actions,
    compliance_for,
)
from portal.partners.onboarding import Checklist, checklist_for
from portal.roles import TECHNICIAN

#: Check-ins and open escalations the review lists (the log and the queue have the rest).
LATEST_CHECKINS = 3
OPEN_ESCALATIONS = 8
#: The reason of a rejection recorded without one (none should exist; kept visible).
UNKNOWN_REASON = "unknown"
_HOURS = Decimal("0.1")


def hours(seconds: float | None) -> Decimal | None:
    """Seconds as hours to one decimal (half up); None stays None."""
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / 3600).quantize(_HOURS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MonthFigures:
    """One month of the partner's escalations, by month of submission."""

    month: date
    tally: Tally
    seats: int

    @property
    def escalations(self) -> int:
        return self.tally.submitted

    @property
    def unwarranted(self) -> int:
        return self.tally.unwarranted

    @property
    def unwarranted_rate(self) -> Decimal | None:
        return self.tally.unwarranted_rate

    @property
    def per_100_seats(self) -> Decimal | None:
        return rate_per_100_seats(self.tally.submitted, self.seats)

    @property
    def median_triage_hours(self) -> Decimal | None:
        return hours(self.tally.median_triage_seconds)

    def reason_count(self, reason: str) -> int:
        return self.tally.reasons.get(reason, 0)


@dataclass
class PartnerReview:
    partner: Partner
    choice: WindowChoice
    #: The whole window's figures (a month it covers in part counts only its days).
    total: Tally
    seats: int
    #: Every month the window touches, whole (the roll-ups' months).
    months: list[MonthFigures]
    #: The reasons with at least one rejection in those months, in the workflow's order.
    reasons: list[str]
    compliance: list[ProductCompliance]
    actions: list
    technicians: list[User]
    certifications: dict[int, list[dict]]
    agreement: Agreement | None
    checkins: list[CheckIn]
    open_escalations: list[Escalation]
    open_count: int
    #: The customers' ratings given in the window.
    ratings: RatingsSummary = field(default_factory=RatingsSummary)
    #: The onboarding checklist, while it is not complete (None once it is).
    onboarding: Checklist | None = None
    #: Vendor staff only: the median of every partner's unwarranted rate, and the flags.
    for_vendor: bool = False
    vendor_median: Decimal | None = None
    flags: list[str] = field(default_factory=list)
    #: The day the review is read: an open check-in action due before it is overdue.
    today: date | None = None

    @property
    def per_100_seats(self) -> Decimal | None:
        return rate_per_100_seats(self.total.submitted, self.seats)

    @property
    def median_triage_hours(self) -> Decimal | None:
        return hours(self.total.median_triage_seconds)

    @property
    def months_total(self) -> Tally:
        """The months of the table added up (whole months, unlike `total`)."""
        total = Tally()
        for row in self.months:
            total.add(row.tally)
        return total

    @property
    def flag_labels(self) -> list[str]:
        return [FLAGS[code] for code in self.flags]

    @property
    def first_month(self) -> date:
        return self.months[0].month

    @property
    def last_month(self) -> date:
        return self.months[-1].month


def review_months(choice: WindowChoice) -> list[date]:
    window = choice.window
    return months_between(month_of(window.start), window.end)


def reasons_seen(months: list[MonthFigures]) -> list[str]:
    seen = {reason for row in months for reason, count in row.tally.reasons.items() if count}
    ordered = [reason for reason in REJECTION_REASONS if reason in seen]
    return ordered + sorted(seen - set(REJECTION_REASONS))


def load_review_partner(slug: str, stmt) -> Partner | None:
    """The partner `slug` names within `stmt` (the principal's scope), with what the
    review shows of its agreement."""
    return db.session.scalar(
        stmt.where(Partner.slug == slug).options(
            selectinload(Partner.agreements.and_(Agreement.status == "in_force")).options(
                selectinload(Agreement.sla_targets),
                selectinload(Agreement.product_minimums).selectinload(ProductMinimum.product),
                selectinload(Agreement.decided_by),
            )
        )
    )


def _technicians(partner: Partner) -> list[User]:
    return db.session.scalars(
        select(User)
        .where(User.partner_id == partner.id, User.role == TECHNICIAN)
        .order_by(User.status != "active", func.lower(User.name), User.id)
    ).all()


def _checkins(partner: Partner) -> list[CheckIn]:
    return db.session.scalars(
        select(CheckIn)
        .where(CheckIn.partner_id == partner.id)
        .options(selectinload(CheckIn.actions))
        .order_by(CheckIn.held_on.desc(), CheckIn.id.desc())
        .limit(LATEST_CHECKINS)
    ).all()


def _open_escalations(partner: Partner) -> tuple[list[Escalation], int]:
    mine = select(Escalation).where(
        Escalation.partner_id == partner.id, Escalation.status.in_(OPEN)
    )
    rows = db.session.scalars(
        mine.options(selectinload(Escalation.product))
        .order_by(Escalation.submitted_at.desc(), Escalation.id.desc())
        .limit(OPEN_ESCALATIONS)
    ).all()
    count = db.session.scalar(mine.with_only_columns(func.count()).order_by(None))
    return rows, count


def build_review(
    partner: Partner, choice: WindowChoice, *, for_vendor: bool, today: date | None = None
) -> PartnerReview:
    """The review of `partner` over `choice`'s window.

    `for_vendor` adds the vendor median and the flags, which read every partner's
    figures: never for a partner's own admin.
    """
    today = today or utcnow().date()
    window = choice.window
    seats = seats_by_partner([partner.id]).get(partner.id, 0)
    month_list = review_months(choice)
    by_month = monthly_tallies([partner.id], month_list[0], month_list[-1])[partner.id]
    months = [MonthFigures(month, by_month[month], seats) for month in month_list]
    vendor_median, flags = None, []
    if for_vendor:
        inputs = gather_flag_inputs([partner], window, today)
        total = inputs.tally(partner.id)
        compliance = inputs.compliance[partner.id]
        vendor_median = inputs.vendor_median
        flags = raised_flags(partner.id, inputs)
    else:
        total = partner_tallies(window, [partner.id], today=today).get(partner.id) or Tally()
        compliance = compliance_for(partner)
    technicians = _technicians(partner)
    open_rows, open_count = _open_escalations(partner)
    checklist = checklist_for(partner)
    return PartnerReview(
        partner=partner,
        choice=choice,
        total=total,
        seats=seats,
        months=months,
        reasons=reasons_seen(months),
        compliance=compliance,
        actions=compliance_actions(partner, compliance) or [],
        technicians=technicians,
        certifications=certifications_of_users(technicians),
        agreement=partner.agreement_in_force,
        checkins=_checkins(partner),
        open_escalations=open_rows,
        open_count=open_count,
        ratings=partner_ratings_summary(partner.id, window),
        onboarding=None if checklist.complete else checklist,
        for_vendor=for_vendor,
        vendor_median=vendor_median,
        flags=flags,
        today=today,
    )
