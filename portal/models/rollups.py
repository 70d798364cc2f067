"""Escalation roll-ups: per partner, product and month of submission, kept in the same
transaction as every escalation change (see portal.management.rollups), so that the
dashboard's cost depends on the months it shows, never on how much history exists."""

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import enum_check

#: What a roll-up count row counts: rejections by reason, and the histograms of the
#: time to triage and the time to resolve (keys are bucket names).
COUNT_KINDS = ("reason", "triage", "resolve")


class EscalationRollup(db.Model):
    """The escalations a partner submitted for a product in a month, as they stand now."""

    __tablename__ = "escalation_rollups"
    __table_args__ = (
        UniqueConstraint("partner_id", "product_id", "month", name="uq_escalation_rollups_key"),
        Index("ix_escalation_rollups_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    #: The first day of the month the escalations were submitted in.
    month: Mapped[date]
    submitted: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[int] = mapped_column(default=0)
    #: Escalations the vendor has answered, and the sum of their times to first answer.
    triaged: Mapped[int] = mapped_column(default=0)
    triage_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The sum of the resolved escalations' times from submission to resolution.
    resolve_seconds: Mapped[int] = mapped_column(BigInteger, default=0)

    tenant_column = "partner_id"


class EscalationRollupCount(db.Model):
    """One count of a roll-up broken down by key: a rejection reason, or a time bucket."""

    __tablename__ = "escalation_rollup_counts"
    __table_args__ = (
        UniqueConstraint(
            "partner_id",
            "product_id",
            "month",
            "kind",
            "key",
            name="uq_escalation_rollup_counts_key",
        ),
        Index("ix_escalation_rollup_counts_month", "month"),
        enum_check("kind", COUNT_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    month: Mapped[date]
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(default=0)

    tenant_column = "partner_id"
