"""Demo case volumes: the cases each demo partner handled itself, month by month.

Reported by each partner admin early in the following month, as its ticketing would
through `POST /api/v1/partners/{id}/case-volume`, so that the dashboard and the review
show escalations per 100 cases beside the rate per 100 seats:

- acme reports every month of the last year for Orbit Server (120 to 180 cases a month)
  and Orbit Mobile since it took it on (the last three months);
- globex started reporting four months ago, for Orbit Server only, and handles far fewer
  cases itself (about 40 a month): its escalations per 100 cases stand out.
"""

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from portal.demo_dates import dated
from portal.extensions import db
from portal.management.case_volume import report_cases
from portal.models import AuditEntry, Partner, User
from portal.models.base import utcnow

#: (partner, product) -> cases per month, oldest first, ending with last month.
CASES = {
    ("acme", "orbit-server"): (124, 131, 140, 128, 152, 149, 160, 158, 171, 166, 175, 180),
    ("acme", "orbit-mobile"): (18, 26, 31),
    ("globex", "orbit-server"): (38, 44, 41, 47),
}


def _months_before(today: date, count: int) -> list[date]:
    """The first days of the `count` months before today's, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(date(year, month, 1))
    return months[::-1]


def seed_case_volumes(now: datetime | None = None) -> int:
    now = now or utcnow()
    reported = 0
    for (slug, product), figures in CASES.items():
        partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
        admin = db.session.scalar(select(User).where(User.email == f"admin@{slug}.example"))
        for month, cases in zip(_months_before(now.date(), len(figures)), figures, strict=True):
            following = date(month.year + month.month // 12, month.month % 12 + 1, 3)
            moment = min(datetime.combine(following, time(9), tzinfo=UTC), now)
            with dated(moment, AuditEntry):
                row = report_cases(partner, admin, f"{month:%Y-%m}", product, cases)
                row.reported_at = moment
            reported += 1
    return reported
