"""The partner-support dashboard: every partner's figures over a window, with its flags.

`build_dashboard` reads everything for every partner at once (the roll-ups, seats,
compliance, expiring certifications, check-ins, the cases the partners handled
themselves, the customers' ratings, the onboarding checklists, a 12-month trend): a fixed
number of statements, however many partners or escalations there are. Filtering and sorting then
happen on the rows in memory, since most columns are computed figures.

A window is the last 30, 90 or 365 days, or a range of whole months (at most
`MAX_MONTHS`) written YYYY-MM, as the dashboard's form and the metrics API take them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from escalations.ratings.summary import RatingsSummary, ratings_summary
from portal.errors import DomainError
from portal.extensions import db
from portal.management.case_volume import CaseFigures, case_figures
from portal.management.checkins import CheckinStatus
from portal.management.flags import (
    FLAGS,
    FlagInputs,
    gather_flag_inputs,
    partner_flags,
    raised_flags,
)
from portal.management.metrics import (
    Window,
    monthly_tallies,
    rate_per_100_seats,
    seats_by_partner,
)
from portal.management.tally import Tally, month_of
from portal.models import Agreement, Partner, ProductMinimum
from portal.models.base import utcnow
from portal.models.partners import PARTNER_TIERS
from portal.partners.compliance import ProductCompliance
from portal.partners.onboarding import Checklist, checklists
from portal.sorting import SortColumn, Sorting, SortOptions

WINDOW_DAYS = (30, 90, 365)
DEFAULT_DAYS = 90
#: The longest month range a dashboard or the metrics API covers.
MAX_MONTHS = 36
#: Months a trend sparkline shows, ending with the current month.
TREND_MONTHS = 12
#: Months written YYYY-MM, from 2000-01 to 2099-12.
FIRST_YEAR, LAST_YEAR = 2000, 2099
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_HOURS = Decimal("0.1")


def parse_month(text: str | None) -> date | str:
    """`YYYY-MM` as the month's first day, or what is wrong with it."""
    match = _MONTH.match((text or "").strip())
    if not match or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        return f"A month written YYYY-MM, from {FIRST_YEAR}-01 to {LAST_YEAR}-12."
    return date(int(match.group(1)), int(match.group(2)), 1)


def months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def month_span(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def month_range(first_text: str | None, last_text: str | None) -> tuple[date, date]:
    """The months `from` to `to` (both YYYY-MM).

    :raises DomainError: `validation_error` with the field that is wrong.
    """
    first, last = parse_month(first_text), parse_month(last_text)
    problems = {
        name: value for name, value in (("from", first), ("to", last)) if isinstance(value, str)
    }
    if not problems and first > last:
        problems["to"] = "The range ends on or after the month it starts."
    elif not problems and month_span(first, last) > MAX_MONTHS:
        problems["to"] = f"At most {MAX_MONTHS} months at once."
    if problems:
        raise DomainError("validation_error", "The month range is not valid.", fields=problems)
    return first, last


@dataclass(frozen=True)
class WindowChoice:
    """The window a dashboard shows: `days` back from today, or a month range."""

    window: Window
    days: int | None = None
    first_month: date | None = None
    last_month: date | None = None

    @property
    def label(self) -> str:
        if self.days:
            return f"the last {self.days} days"
        if self.first_month == self.last_month:
            return f"{self.first_month:%B %Y}"
        return f"{self.first_month:%B %Y} to {self.last_month:%B %Y}"

    def query_args(self) -> dict:
        if self.days:
            return {"window": str(self.days)}
        return {"from": f"{self.first_month:%Y-%m}", "to": f"{self.last_month:%Y-%m}"}


def choose_window(args, today: date) -> WindowChoice:
    """The window the request asks for: `from`/`to` when either is given, else `window`
    days (90 unless one of 30, 90 or 365).

    :raises DomainError: `validation_error` for a month range that is not valid.
    """
    if args.get("from") or args.get("to"):
        first, last = month_range(args.get("from"), args.get("to"))
        return WindowChoice(Window.months(first, last), first_month=first, last_month=last)
    text = args.get("window") or ""
    days = int(text) if text.isdigit() and int(text) in WINDOW_DAYS else DEFAULT_DAYS
    return WindowChoice(Window.last_days(days, today), days=days)


@dataclass
class DashboardRow:
    partner: Partner
    tally: Tally
    seats: int
    compliance: list[ProductCompliance]
    checkin: CheckinStatus | None
    flags: list[str]
    #: (month, escalations, unwarranted) for each of the last `TREND_MONTHS` months.
    trend: list[tuple[date, int, int]] = field(default_factory=list)
    #: The cases it handled itself in the months of the window it reported (None: none
    #: reported), and the escalations of those months.
    cases: CaseFigures | None = None
    #: Its customers' ratings given in the window.
    ratings: RatingsSummary = field(default_factory=RatingsSummary)
    #: Its onboarding checklist (None: not computed).
    checklist: Checklist | None = None

    @property
    def escalations(self) -> int:
        return self.tally.submitted

    @property
    def unwarranted(self) -> int:
        return self.tally.unwarranted

    @property
    def rate_per_100_seats(self) -> Decimal | None:
        return rate_per_100_seats(self.tally.submitted, self.seats)

    @property
    def unwarranted_rate(self) -> Decimal | None:
        return self.tally.unwarranted_rate

    @property
    def per_100_cases(self) -> Decimal | None:
        """Escalations per 100 cases it handled itself; None without cases reported."""
        return self.cases.per_100_cases if self.cases else None

    @property
    def onboarding(self) -> bool:
        """Still onboarding: its checklist is not complete."""
        return self.checklist is not None and not self.checklist.complete

    @property
    def median_triage_hours(self) -> Decimal | None:
        seconds = self.tally.median_triage_seconds
        if seconds is None:
            return None
        return (Decimal(str(seconds)) / 3600).quantize(_HOURS, rounding=ROUND_HALF_UP)

    @property
    def certified(self) -> int:
        return sum(row.certified_active for row in self.compliance)

    @property
    def minimum(self) -> int:
        return sum(row.minimum for row in self.compliance)

    @property
    def certified_margin(self) -> int | None:
        """The certified technicians above (or below) the minimum on the tightest product."""
        rows = [row for row in self.compliance if row.minimum]
        return min((row.certified_active - row.minimum for row in rows), default=None)

    @property
    def compliant(self) -> bool | None:
        """None without an agreement setting a minimum."""
        if not self.compliance:
            return None
        return all(row.compliant for row in self.compliance)

    @property
    def gaps(self) -> list[ProductCompliance]:
        return [row for row in self.compliance if not row.compliant]

    @property
    def last_checkin(self) -> date | None:
        return self.checkin.last_held_on if self.checkin else None

    @property
    def next_checkin(self) -> date | None:
        return self.checkin.next_due_on if self.checkin else None

    @property
    def manager_name(self) -> str:
        manager = self.partner.support_manager
        return manager.name if manager else ""


@dataclass
class Dashboard:
    choice: WindowChoice
    inputs: FlagInputs
    rows: list[DashboardRow]

    @property
    def vendor_median(self) -> Decimal | None:
        return self.inputs.vendor_median

    @property
    def thresholds(self):
        return self.inputs.thresholds

    @property
    def regions(self) -> list[str]:
        return sorted({row.partner.region for row in self.rows if row.partner.region})

    @property
    def managers(self) -> list:
        found = {row.partner.support_manager for row in self.rows if row.partner.support_manager}
        return sorted(found, key=lambda user: (user.name.lower(), user.id))


def _partners() -> list[Partner]:
    return db.session.scalars(
        select(Partner)
        .options(
            selectinload(Partner.support_manager),
            selectinload(Partner.agreements.and_(Agreement.status == "in_force"))
            .selectinload(Agreement.product_minimums)
            .selectinload(ProductMinimum.product),
        )
        .order_by(Partner.name, Partner.id)
    ).all()


def build_dashboard(choice: WindowChoice, today: date | None = None) -> Dashboard:
    """Every partner's row over the window, by name."""
    today = today or utcnow().date()
    partners = _partners()
    ids = [partner.id for partner in partners]
    inputs = gather_flag_inputs(partners, choice.window, today)
    seats = seats_by_partner(ids)
    cases = case_figures(ids, choice.window)
    ratings = ratings_summary(ids, choice.window, comments=0)
    onboarding = checklists(partners)
    last_month = month_of(today)
    first_month = months_before(last_month, TREND_MONTHS - 1)
    monthly = monthly_tallies(ids, first_month, last_month, breakdowns=False)
    rows = [
        DashboardRow(
            partner=partner,
            tally=inputs.tally(partner.id),
            seats=seats.get(partner.id, 0),
            compliance=inputs.compliance.get(partner.id, []),
            checkin=inputs.checkins.get(partner.id),
            flags=raised_flags(partner.id, inputs),
            trend=[
                (month, tally.submitted, tally.unwarranted)
                for month, tally in monthly.get(partner.id, {}).items()
            ],
            cases=cases.get(partner.id),
            ratings=ratings[partner.id],
            checklist=onboarding.get(partner.id),
        )
        for partner in partners
    ]
    return Dashboard(choice=choice, inputs=inputs, rows=rows)


# --- Filtering and sorting -----------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    """The filters a request asks for; values the dashboard does not know are ignored."""

    flag: str = ""
    region: str = ""
    tier: str = ""
    manager_id: int | None = None
    unmanaged: bool = False
    #: Only the partners whose onboarding checklist is not complete.
    onboarding: bool = False

    @classmethod
    def from_args(cls, args, principal=None) -> DashboardFilters:
        flag = args.get("flag", "")
        tier = args.get("tier", "")
        manager = args.get("manager", "")
        if args.get("mine") and principal is not None:
            manager = str(principal.id)
        return cls(
            flag=flag if flag in FLAGS else "",
            region=(args.get("region") or "").strip()[:60],
            tier=tier if tier in PARTNER_TIERS else "",
            manager_id=int(manager) if manager.isdigit() and len(manager) < 12 else None,
            unmanaged=manager == "none",
            onboarding=args.get("onboarding") == "1",
        )

    @property
    def active(self) -> bool:
        return bool(
            self.flag
            or self.region
            or self.tier
            or self.manager_id
            or self.unmanaged
            or self.onboarding
        )

    def keeps(self, row: DashboardRow) -> bool:
        partner = row.partner
        return (
            (not self.flag or self.flag in row.flags)
            and (not self.region or partner.region == self.region)
            and (not self.tier or partner.tier == self.tier)
            and (self.manager_id is None or partner.support_manager_id == self.manager_id)
            and (not self.unmanaged or partner.support_manager_id is None)
            and (not self.onboarding or row.onboarding)
        )


_TIER_ORDER = {tier: index for index, tier in enumerate(PARTNER_TIERS)}

#: What each sortable column sorts by (None: no value, listed last either way).
SORT_KEYS = {
    "partner": lambda row: row.partner.name.lower(),
    "escalations": lambda row: row.escalations,
    "rate": lambda row: row.rate_per_100_seats,
    "per_100_cases": lambda row: row.per_100_cases,
    "unwarranted": lambda row: row.unwarranted_rate,
    "triage": lambda row: row.median_triage_hours,
    "certified": lambda row: row.certified_margin,
    "compliance": lambda row: None if row.compliant is None else int(row.compliant),
    "ratings": lambda row: row.ratings.mean,
    "tier": lambda row: _TIER_ORDER.get(row.partner.tier, -1),
    "region": lambda row: row.partner.region.lower() or None,
    "manager": lambda row: row.manager_name.lower() or None,
    "last_checkin": lambda row: row.last_checkin,
    "next_checkin": lambda row: row.next_checkin,
    "flags": lambda row: len(row.flags),
}
#: Columns a first click sorts A to Z, soonest or lowest first (the worst ratings are the
#: ones to look at); the other figures sort the highest first.
_ASCENDING_FIRST = ("partner", "region", "manager", "next_checkin", "ratings")
#: The columns' whitelist and default directions, for portal.sorting's header links; the
#: rows are sorted in memory by `SORT_KEYS` (most columns are computed, not stored).
DASHBOARD_SORT = SortOptions(
    *(
        SortColumn(
            key,
            getter,
            default_dir="asc" if key in _ASCENDING_FIRST else "desc",
        )
        for key, getter in SORT_KEYS.items()
    ),
    default="partner",
)


def sorted_rows(rows: list[DashboardRow], sorting: Sorting) -> list[DashboardRow]:
    """`rows` in the sorting's order, rows without a value last, then by partner name."""
    key = SORT_KEYS[sorting.key]
    by_name = sorted(rows, key=lambda row: (row.partner.name.lower(), row.partner.id))
    present = [row for row in by_name if key(row) is not None]
    missing = [row for row in by_name if key(row) is None]
    present.sort(key=key, reverse=sorting.direction == "desc")
    return present + missing


def shown_rows(dashboard: Dashboard, filters: DashboardFilters, sorting: Sorting) -> list:
    return sorted_rows([row for row in dashboard.rows if filters.keeps(row)], sorting)


# --- One partner's figures per month (the metrics API) -------------------------------------


def partner_metrics(partner: Partner, first: date, last: date, today: date | None = None):
    """`partner`'s escalations per month from `first` to `last` (months), its rejections
    by reason over them and the flags it raises over them."""
    today = today or utcnow().date()
    monthly = monthly_tallies([partner.id], first, last)[partner.id]
    seats = seats_by_partner([partner.id]).get(partner.id, 0)
    reasons = Counter()
    for tally in monthly.values():
        reasons.update(tally.reasons)
    return {
        "months": [
            {
                "month": f"{month:%Y-%m}",
                "escalations": tally.submitted,
                "unwarranted": tally.unwarranted,
                "rate_per_100_seats": rate_per_100_seats(tally.submitted, seats),
            }
            for month, tally in monthly.items()
        ],
        "unwarranted_reasons": {code: count for code, count in sorted(reasons.items()) if count},
        "flags": partner_flags([partner], Window.months(first, last), today)[partner.id],
    }
