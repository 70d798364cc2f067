"""What escalations add up to: one escalation's contribution to its month's roll-up, and
the sums the dashboard, the partner review and the API read.

An escalation counts in the month it was submitted in (a cohort): when it is rejected
weeks later, its submission month's `rejected` grows. Its contribution is a pure function
of its current fields (`contribution`), so the roll-ups can be kept by applying the
difference between its contribution before and after a change, and checked by summing
the contributions of every escalation again.

Times (to triage: submission to the vendor's first answer; to resolve: submission to
resolution) are wall-clock seconds. Their medians come from histograms with the buckets
of `TIME_BUCKETS`, interpolated within the bucket the middle falls in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

#: Upper bounds (seconds, exclusive) of the time buckets; the last bucket is open.
TIME_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("15m", 15 * 60),
    ("30m", 30 * 60),
    ("1h", 3600),
    ("2h", 2 * 3600),
    ("4h", 4 * 3600),
    ("8h", 8 * 3600),
    ("1d", 86400),
    ("2d", 2 * 86400),
    ("3d", 3 * 86400),
    ("5d", 5 * 86400),
    ("7d", 7 * 86400),
    ("14d", 14 * 86400),
    ("30d", 30 * 86400),
    ("more", None),
)
_BUCKET_BOUNDS = {
    name: (TIME_BUCKETS[i - 1][1] if i else 0, upper)
    for i, (name, upper) in enumerate(TIME_BUCKETS)
}
#: The escalation's fields its contribution depends on.
FIELDS = (
    "partner_id",
    "product_id",
    "status",
    "resumes_to",
    "rejection_reason",
    "submitted_at",
    "first_response_at",
    "resolved_at",
)
#: The plain counts of a roll-up row, in its column order.
COUNTS = (
    "submitted",
    "accepted",
    "rejected",
    "resolved",
    "withdrawn",
    "triaged",
    "triage_seconds",
    "resolve_seconds",
)
_ACCEPTED = frozenset({"accepted", "resolved", "closed"})
_PERCENT = Decimal("0.1")


def month_of(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def bucket_of(seconds: int) -> str:
    for name, upper in TIME_BUCKETS:
        if upper is None or seconds < upper:
            return name
    raise AssertionError("unreachable")


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` as a percentage to one decimal (half up); None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_PERCENT, rounding=ROUND_HALF_UP)


def median_of_histogram(histogram: Counter) -> float | None:
    """The median of the values a histogram of `TIME_BUCKETS` counts, in seconds.

    The middle value's bucket is found by counting, and its place within the bucket
    interpolated linearly; in the open last bucket, its lower bound is returned.
    """
    total = sum(histogram.values())
    if not total:
        return None
    middle = total / 2
    seen = 0
    for name, _upper in TIME_BUCKETS:
        count = histogram.get(name, 0)
        if count and seen + count >= middle:
            lower, upper = _BUCKET_BOUNDS[name]
            if upper is None:
                return float(lower)
            return lower + (upper - lower) * (middle - seen) / count
        seen += count
    raise AssertionError("unreachable")


@dataclass
class Tally:
    """Escalation counts of some partners, products and months, added together."""

    submitted: int = 0
    accepted: int = 0
    rejected: int = 0
    resolved: int = 0
    withdrawn: int = 0
    triaged: int = 0
    triage_seconds: int = 0
    resolve_seconds: int = 0
    reasons: Counter = field(default_factory=Counter)
    triage: Counter = field(default_factory=Counter)
    resolve: Counter = field(default_factory=Counter)

    def add(self, other: Tally, sign: int = 1) -> Tally:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + sign * getattr(other, name))
        for name in ("reasons", "triage", "resolve"):
            mine = getattr(self, name)
            for key, count in getattr(other, name).items():
                mine[key] += sign * count
        return self

    def breakdown(self, kind: str) -> Counter:
        return {"reason": self.reasons, "triage": self.triage, "resolve": self.resolve}[kind]

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in COUNTS) and not any(
            any(getattr(self, name).values()) for name in ("reasons", "triage", "resolve")
        )

    @property
    def unwarranted(self) -> int:
        """Every rejection is unwarranted: each reason says why it should not have come."""
        return self.rejected

    @property
    def unwarranted_rate(self) -> Decimal | None:
        """Rejected escalations as a percentage of those submitted (withdrawn included)."""
        return percent(self.rejected, self.submitted)

    @property
    def median_triage_seconds(self) -> float | None:
        return median_of_histogram(self.triage)

    @property
    def median_resolve_seconds(self) -> float | None:
        return median_of_histogram(self.resolve)


def contribution(values: dict) -> tuple[tuple[int, int, date], Tally] | None:
    """The roll-up key and counts of one escalation, from its `FIELDS`; None for a draft."""
    submitted_at = values["submitted_at"]
    if submitted_at is None or values["status"] == "draft":
        return None
    status = values["status"]
    tally = Tally(submitted=1)
    if status in _ACCEPTED or (
        status == "waiting_on_partner" and values["resumes_to"] == "accepted"
    ):
        tally.accepted = 1
    if status == "rejected":
        tally.rejected = 1
        tally.reasons[values["rejection_reason"] or "unknown"] = 1
    if status == "withdrawn":
        tally.withdrawn = 1
    if values["first_response_at"] is not None:
        seconds = max(0, int((values["first_response_at"] - submitted_at).total_seconds()))
        tally.triaged = 1
        tally.triage_seconds = seconds
        tally.triage[bucket_of(seconds)] = 1
    if values["resolved_at"] is not None and status in ("resolved", "closed"):
        seconds = max(0, int((values["resolved_at"] - submitted_at).total_seconds()))
        tally.resolved = 1
        tally.resolve_seconds = seconds
        tally.resolve[bucket_of(seconds)] = 1
    key = (values["partner_id"], values["product_id"], month_of(submitted_at))
    return key, tally
