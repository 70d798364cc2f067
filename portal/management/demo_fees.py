"""Demo fee reports: a year of quarters for both demo partners, under both fee models.

Called at the end of `seed-demo` (the escalations and the partners' tiers are known by
then). Each report goes through the services on the day it happened: declared and
submitted ten days after its quarter ended, decided five days later, its audit entries
dated as they happened.

- acme (18 % of its support fees): three quarters approved, the latest awaiting the
  support manager's decision;
- globex (a fixed 4,500.00 a quarter): three quarters approved, the latest sent back with
  a note for the partner admin to correct.

The tiers earn a discount (certified 5 %, premier 10 %) unless the vendor admin has
already set one.
"""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from portal.demo_dates import dated
from portal.extensions import db
from portal.management.fee_reports import (
    approve_report,
    declare_fees,
    send_back_report,
    submit_report,
)
from portal.management.fees import Period, period_containing
from portal.models import AuditEntry, Partner, User
from portal.models.base import utcnow
from portal.models.fees import FeeReport
from portal.partners.discounts import set_tier_discounts, tier_discounts

DEMO_DISCOUNTS = {"certified": "5", "premier": "10"}
#: Declared support fees per quarter, oldest first.
DECLARED = {
    "acme": ("52400.00", "58150.50", "61980.25", "66410.75"),
    "globex": ("31200.00", "29875.40", "33050.00", "35400.00"),
}
#: What happens to the latest quarter's report.
LATEST = {"acme": "submitted", "globex": "sent_back"}
SENT_BACK_NOTE = (
    "The declared fees leave out the Umbrella Health renewal invoiced at the end of the "
    "quarter: please include it and resubmit."
)


def _dated(moment: datetime):
    """Fee reports and audit entries first written inside the block are created at `moment`."""
    return dated(moment, FeeReport, AuditEntry)


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _quarters(today) -> list[Period]:
    """The four quarters before the current one, oldest first."""
    quarters = [period_containing(today, "quarter").previous()]
    while len(quarters) < 4:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


def seed_fee_reports(now: datetime | None = None) -> list[FeeReport]:
    now = now or utcnow()
    manager = _user("manager@vendor.example")
    if not any(tier_discounts().values()):
        set_tier_discounts(DEMO_DISCOUNTS, actor=_user("admin@vendor.example"))
    reports = []
    for slug, amounts in DECLARED.items():
        partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
        admin = _user(f"admin@{slug}.example")
        for index, (quarter, amount) in enumerate(zip(_quarters(now.date()), amounts, strict=True)):
            # Early in a quarter the latest report is days old, not from the future.
            submitted = min(
                datetime.combine(quarter.end + timedelta(days=10), time(14), tzinfo=UTC),
                now - timedelta(days=1),
            )
            decided = min(submitted + timedelta(days=5, hours=-4), now - timedelta(hours=1))
            with _dated(submitted):
                report = declare_fees(
                    partner, quarter.start, amount, actor=admin, today=submitted.date()
                )
                submit_report(report, actor=admin, now=submitted)
            outcome = LATEST[slug] if index == len(amounts) - 1 else "approved"
            if outcome == "approved":
                with _dated(decided):
                    approve_report(report, actor=manager, now=decided)
            elif outcome == "sent_back":
                with _dated(decided):
                    send_back_report(report, SENT_BACK_NOTE, actor=manager, now=decided)
            reports.append(report)
    return reports
