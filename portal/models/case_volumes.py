"""First-line volume: the cases a partner handled itself, per month and product."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_check, utcnow

CASE_VOLUME_SOURCES = ("api", "fee_report")
#: More cases than this in one month for one product is taken for a typing error.
MAX_CASES = 10_000_000


class CaseVolume(db.Model):
    """Reported again for the same month and product, the figure is replaced."""

    __tablename__ = "case_volumes"
    __table_args__ = (
        UniqueConstraint("partner_id", "product_id", "month", name="uq_case_volumes_key"),
        CheckConstraint(f"cases BETWEEN 0 AND {MAX_CASES}", name="cases_range"),
        enum_check("source", CASE_VOLUME_SOURCES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    #: The first day of the month.
    month: Mapped[date]
    cases: Mapped[int]
    source: Mapped[str] = mapped_column(String(12))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product = relationship("Product")

    tenant_column = "partner_id"
