"""Check-ins: the support manager's regular conversations with a partner, the actions
agreed, and a snapshot of the partner's figures on the day."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check

CHANNELS = ("video", "phone", "on_site", "email")
ACTION_OWNERS = ("vendor", "partner")


class CheckIn(db.Model):
    __tablename__ = "check_ins"
    __table_args__ = (
        Index("ix_check_ins_partner_held_on", "partner_id", "held_on"),
        enum_check("channel", CHANNELS),
        CheckConstraint("next_due_on > held_on", name="next_due_after_held"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    held_on: Mapped[date]
    channel: Mapped[str] = mapped_column(String(12))
    vendor_attendees: Mapped[str] = mapped_column(Text, default="")
    partner_attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: When the next check-in is due: held_on plus the partner's cadence.
    next_due_on: Mapped[date]
    #: The partner's figures on the day (portal.management.snapshots), kept as they were.
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    partner = relationship("Partner")
    recorded_by = relationship("User")
    actions = relationship(
        "CheckInAction",
        back_populates="check_in",
        order_by="CheckInAction.id",
        foreign_keys="CheckInAction.check_in_id",
    )

    tenant_column = "partner_id"


class CheckInAction(db.Model):
    """An action agreed at a check-in, with its owner and due date; open until done."""

    __tablename__ = "check_in_actions"
    __table_args__ = (
        Index("ix_check_in_actions_partner_done", "partner_id", "done_at"),
        Index("ix_check_in_actions_check_in", "check_in_id"),
        enum_check("owner_side", ACTION_OWNERS),
        CheckConstraint("done_at IS NOT NULL OR done_in_id IS NULL", name="done_in_when_done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    description: Mapped[str] = mapped_column(String(300))
    owner_side: Mapped[str] = mapped_column(String(8))
    owner_name: Mapped[str] = mapped_column(String(120), default="")
    due_on: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The later check-in at which it was marked done; none when marked done from the log.
    done_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id"))

    check_in = relationship("CheckIn", back_populates="actions", foreign_keys=[check_in_id])
    done_in = relationship("CheckIn", foreign_keys=[done_in_id])
    done_by = relationship("User")

    tenant_column = "partner_id"
