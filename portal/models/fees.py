"""Fee reports: what a partner declares it earned from support in a period, and the
vendor's share under the agreement's terms, computed in Decimal (portal.management.fees)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check

FEE_REPORT_STATUSES = ("draft", "submitted", "approved", "sent_back")
MONEY = Numeric(14, 2)


class FeeReport(db.Model):
    __tablename__ = "fee_reports"
    __table_args__ = (
        UniqueConstraint("partner_id", "period_start", name="uq_fee_reports_partner_period"),
        Index("ix_fee_reports_status", "status"),
        enum_check("status", FEE_REPORT_STATUSES),
        enum_check("fee_model", ("percentage", "fixed")),
        CheckConstraint("declared_fees >= 0", name="declared_fees_not_negative"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    declared_fees: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # The terms and figures as computed when submitted (kept as they were then).
    fee_model: Mapped[str] = mapped_column(String(12))
    fee_percentage: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    fixed_fee: Mapped[Decimal | None] = mapped_column(MONEY)
    tier: Mapped[str] = mapped_column(String(12))
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    vendor_share: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    discount_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    amount_due: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    escalations: Mapped[int] = mapped_column(default=0)
    cost_per_escalation: Mapped[Decimal | None] = mapped_column(MONEY)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()

    partner = relationship("Partner")
    agreement = relationship("Agreement")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    tenant_column = "partner_id"
