"""The thresholds of the dashboard's flags, set by the partner-support manager."""

from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class FlagThresholds(db.Model):
    """One row; none until a manager sets them (the defaults of
    portal.management.flags apply)."""

    __tablename__ = "flag_thresholds"
    tenant_free = True
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("unwarranted_percent BETWEEN 0 AND 100", name="unwarranted_percent_range"),
        CheckConstraint("median_multiple >= 1", name="median_multiple_range"),
        CheckConstraint("min_escalations >= 0", name="min_escalations_range"),
        CheckConstraint("expiring_days BETWEEN 1 AND 365", name="expiring_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    #: Flag a partner whose unwarranted rate is above this percentage...
    unwarranted_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    #: ...or above this multiple of the vendor median.
    median_multiple: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    #: The rate flags need at least this many escalations in the window.
    min_escalations: Mapped[int]
    #: Flag certifications expiring within this many days.
    expiring_days: Mapped[int]
