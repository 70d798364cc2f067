"""The append-only audit log."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import created_at_column


class AuditEntry(db.Model):
    """Who changed what, when, with the values before and after.

    Rows are only ever inserted: the ORM refuses updates and deletes (see below),
    and no route edits them.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_partner_created", "partner_id", "created_at"),
        Index("ix_audit_object", "object_type", "object_id"),
        # The audit page lists entries newest first, filtered by who, what and when.
        Index("ix_audit_created", "created_at"),
        Index("ix_audit_actor_created", "actor_id", "created_at"),
        Index("ix_audit_action_created", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Denormalised so the entry still reads well if the actor's name changes.
    actor_label: Mapped[str] = mapped_column(String(254), default="system")
    #: The partner the change concerns; None for vendor-only objects (products...).
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User")
    partner = relationship("Partner")

    tenant_column = "partner_id"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field that differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit entries cannot be deleted")
