"""A partner's data exports and their archives."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check

#: pending (asked for) -> building (a worker claimed it) -> ready (archive kept) -> expired
#: (archive deleted); or failed.
EXPORT_STATUSES = ("pending", "building", "ready", "failed", "expired")
#: An export still to finish: a partner has at most one (the partial unique index).
IN_PROGRESS = ("pending", "building")


class DataExport(db.Model):
    """One request for a partner's data, its progress, and how long its archive is kept."""

    __tablename__ = "data_exports"
    tenant_column = "partner_id"
    __table_args__ = (
        enum_check("status", EXPORT_STATUSES),
        Index("ix_data_exports_partner_created", "partner_id", "created_at"),
        Index("ix_data_exports_status", "status"),
        Index(
            "uq_data_exports_one_in_progress",
            "partner_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'building')"),
            postgresql_where=text("status IN ('pending', 'building')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    steps_done: Mapped[int] = mapped_column(default=0, server_default="0")
    steps_total: Mapped[int] = mapped_column(default=0, server_default="0")
    #: What the worker is doing now ("Escalations"), shown beside the progress.
    current_step: Mapped[str] = mapped_column(String(60), default="", server_default="")
    #: Set while building; a claim whose heartbeat is old is taken over by another worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    file_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    size: Mapped[int] = mapped_column(default=0, server_default="0")
    sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    error: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()

    partner = relationship("Partner")
    requested_by = relationship("User")

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def percent_done(self) -> int:
        if not self.steps_total:
            return 0
        return min(100, round(100 * self.steps_done / self.steps_total))


class DataExportArchive(db.Model):
    """The ZIP's bytes, in the database like attachments' (every app server reads them)."""

    __tablename__ = "data_export_archives"

    export_id: Mapped[int] = mapped_column(
        ForeignKey("data_exports.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)

    @classmethod
    def tenant_clause(cls, partner_id):
        return cls.export_id.in_(select(DataExport.id).where(DataExport.partner_id == partner_id))
