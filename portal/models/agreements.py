"""Versioned partner agreements.

A vendor admin proposes a version; it comes into force only when the partner admin
accepts it (the previous version is then superseded). The partner may instead return
it with comments, and the vendor proposes a revised version. Every version is kept.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check

AGREEMENT_STATUSES = ("proposed", "in_force", "returned", "superseded", "withdrawn")
FEE_MODELS = ("percentage", "fixed")
FEE_PERIODS = ("month", "quarter", "year")
COVERAGES = ("business_hours", "24x7")
PARTY = ("partner", "vendor")
OUT_OF_HOURS_COVER = ("none", "first_line", "senior_engineer")
SEVERITIES = ("S1", "S2", "S3", "S4")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Only one version may be in force, and one proposal open, per partner.
_one_in_force = Index(
    "uq_agreements_one_in_force",
    "partner_id",
    unique=True,
    sqlite_where=text("status = 'in_force'"),
    postgresql_where=text("status = 'in_force'"),
)
_one_proposed = Index(
    "uq_agreements_one_proposed",
    "partner_id",
    unique=True,
    sqlite_where=text("status = 'proposed'"),
    postgresql_where=text("status = 'proposed'"),
)


class Agreement(db.Model):
    __tablename__ = "agreements"
    __table_args__ = (
        UniqueConstraint("partner_id", "version", name="uq_agreements_partner_version"),
        enum_check("status", AGREEMENT_STATUSES),
        enum_check("fee_model", FEE_MODELS),
        enum_check("fee_period", FEE_PERIODS),
        enum_check("coverage", COVERAGES),
        enum_check("customer_owner", PARTY),
        enum_check("customer_billing", PARTY),
        enum_check("out_of_hours_cover", OUT_OF_HOURS_COVER),
        CheckConstraint(
            "(fee_model = 'percentage' AND fee_percentage IS NOT NULL) OR "
            "(fee_model = 'fixed' AND fixed_fee IS NOT NULL)",
            name="fee_terms_complete",
        ),
        CheckConstraint("certification_validity_months > 0", name="validity_positive"),
        _one_in_force,
        _one_proposed,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="proposed")

    # Mutual responsibilities: written down so that nobody assumes the other side does a job.
    customer_owner: Mapped[str] = mapped_column(String(8), default="partner")
    customer_billing: Mapped[str] = mapped_column(String(8), default="partner")
    troubleshooting_required: Mapped[str] = mapped_column(Text, default="")
    customer_kb_access: Mapped[bool] = mapped_column(default=False)
    update_distribution: Mapped[str] = mapped_column(Text, default="")
    vendor_may_contact_customers: Mapped[bool] = mapped_column(default=False)

    # Financial terms.
    fee_model: Mapped[str] = mapped_column(String(12), default="percentage")
    fee_percentage: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    fixed_fee: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    fee_period: Mapped[str] = mapped_column(String(8), default="quarter")
    #: ISO 4217 code of the fees' currency.
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    certification_validity_months: Mapped[int] = mapped_column(default=12)

    # Coverage: business hours in a time zone and weekly calendar, or 24x7.
    coverage: Mapped[str] = mapped_column(String(16), default="business_hours")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    business_days: Mapped[str] = mapped_column(String(40), default="mon,tue,wed,thu,fri")
    business_start: Mapped[str] = mapped_column(String(5), default="09:00")
    business_end: Mapped[str] = mapped_column(String(5), default="17:00")
    # Public holidays of an ISO 3166 country (and optional subdivision), as the `holidays`
    # library knows them, plus the agreement's own closed dates: ISO dates, one per line.
    holiday_country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    holiday_region: Mapped[str] = mapped_column(String(10), default="", server_default="")
    closed_dates: Mapped[str] = mapped_column(Text, default="", server_default="")

    # Communication channels.
    vendor_contact: Mapped[str] = mapped_column(String(200), default="")
    partner_contact: Mapped[str] = mapped_column(String(200), default="")
    out_of_hours_cover: Mapped[str] = mapped_column(String(16), default="none")
    out_of_hours_response_minutes: Mapped[int | None]
    out_of_hours_extra_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))

    # Negotiation record.
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    partner_comments: Mapped[str] = mapped_column(Text, default="")
    in_force_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    in_force_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the partner admin confirmed having read its responsibilities and the
    #: out-of-hours rules (an onboarding step, portal.partners.onboarding).
    procedures_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    procedures_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    partner = relationship("Partner", back_populates="agreements")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    sla_targets = relationship(
        "SlaTarget", cascade="all, delete-orphan", order_by="SlaTarget.severity"
    )
    product_minimums = relationship("ProductMinimum", cascade="all, delete-orphan")

    tenant_column = "partner_id"

    def __repr__(self) -> str:
        return f"<Agreement {self.partner_id} v{self.version} {self.status}>"

    @property
    def business_day_list(self) -> list[str]:
        return [d for d in self.business_days.split(",") if d]

    def sla_for(self, severity: str) -> "SlaTarget | None":
        return next((t for t in self.sla_targets if t.severity == severity), None)

    def minimum_for(self, product_id: int) -> int:
        row = next((m for m in self.product_minimums if m.product_id == product_id), None)
        return row.minimum if row else 0


class SlaTarget(db.Model):
    """First-response and resolution targets for one severity, in the agreement's calendar."""

    __tablename__ = "agreement_sla_targets"
    __table_args__ = (
        UniqueConstraint("agreement_id", "severity", name="uq_sla_agreement_severity"),
        enum_check("severity", SEVERITIES),
        CheckConstraint(
            "first_response_minutes > 0 AND resolution_minutes >= first_response_minutes",
            name="targets_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    severity: Mapped[str] = mapped_column(String(2))
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]


class ProductMinimum(db.Model):
    """The minimum number of active certified technicians a partner keeps for a product."""

    __tablename__ = "agreement_product_minimums"
    __table_args__ = (
        UniqueConstraint("agreement_id", "product_id", name="uq_minimum_agreement_product"),
        CheckConstraint("minimum >= 0", name="minimum_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    minimum: Mapped[int] = mapped_column(default=1)

    product = relationship("Product")
