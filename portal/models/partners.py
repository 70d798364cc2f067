"""Partners and the end-customers they own."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import created_at_column, enum_check

PARTNER_STATUSES = ("active", "suspended")
PARTNER_TIERS = ("registered", "certified", "premier")


class Partner(db.Model):
    __tablename__ = "partners"
    __table_args__ = (
        enum_check("status", PARTNER_STATUSES),
        enum_check("tier", PARTNER_TIERS),
        CheckConstraint("checkin_cadence_days BETWEEN 7 AND 366", name="checkin_cadence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    region: Mapped[str] = mapped_column(String(60), default="", server_default="")
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    #: Computed from compliance and escalation quality (see portal.partners.services).
    tier: Mapped[str] = mapped_column(String(12), default="registered", server_default="registered")
    support_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True), index=True
    )
    #: Days between check-ins with the partner's support manager.
    checkin_cadence_days: Mapped[int] = mapped_column(default=90, server_default="90")
    created_at: Mapped[datetime] = created_at_column()

    support_manager = relationship("User", foreign_keys=[support_manager_id])
    users = relationship(
        "User", foreign_keys="User.partner_id", back_populates="partner", order_by="User.name"
    )
    customers = relationship("Customer", back_populates="partner", order_by="Customer.name")
    agreements = relationship(
        "Agreement", back_populates="partner", order_by="Agreement.version.desc()"
    )

    #: Tenant scoping: a partner row belongs to itself.
    tenant_column = "id"

    def __repr__(self) -> str:
        return f"<Partner {self.slug}>"

    @property
    def agreement_in_force(self):
        return next((a for a in self.agreements if a.status == "in_force"), None)

    @property
    def pending_agreement(self):
        return next((a for a in self.agreements if a.status == "proposed"), None)


class Customer(db.Model):
    """An end-customer owned by a partner; seats normalise escalation rates."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("partner_id", "name", name="uq_customers_partner_name"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    seats: Mapped[int] = mapped_column(default=0)
    #: Where the vendor may mail the customer (a rating link), when the agreement allows.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = created_at_column()

    partner = relationship("Partner", back_populates="customers")

    tenant_column = "partner_id"

    def __repr__(self) -> str:
        return f"<Customer {self.name}>"


class TierDiscount(db.Model):
    """The discount on a partner's fee that each tier earns, set by the vendor admin."""

    __tablename__ = "tier_discounts"
    tenant_free = True
    __table_args__ = (
        enum_check("tier", PARTNER_TIERS),
        CheckConstraint("discount_percent BETWEEN 0 AND 100", name="discount_percent_range"),
    )

    tier: Mapped[str] = mapped_column(String(12), primary_key=True)
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))


class PremierRequirement(db.Model):
    """The escalation quality the premier tier asks for, set by the vendor admin (one row;
    none until set: see portal.partners.premier)."""

    __tablename__ = "premier_requirements"
    tenant_free = True
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "unwarranted_below_percent BETWEEN 0 AND 100", name="unwarranted_below_percent_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    #: A partner's unwarranted rate must be strictly below this percentage.
    unwarranted_below_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
