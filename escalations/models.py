"""Escalations, their timeline, comments, evidence, deflection log and idempotency keys.

Every row belongs to one partner: an escalation carries `partner_id`; the rows hanging
off it are scoped through their escalation (`tenant_clause`). Drafts may be incomplete;
from submission on, the schema requires what the gates checked (CHECK submitted_complete).
"""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.agreements import SEVERITIES
from portal.models.base import UTCDateTime, created_at_column, enum_check, utcnow

STATUSES = (
    "draft",
    "submitted",
    "accepted",
    "waiting_on_partner",
    "rejected",
    "resolved",
    "closed",
    "withdrawn",
)
#: The states a "respond" returns to, after waiting on the partner.
RESUMABLE = ("submitted", "accepted")
#: Why the vendor refused an escalation as unwarranted.
REJECTION_REASONS = (
    "not_reproducible_on_vanilla",
    "customization",
    "documented_in_kb",
    "configuration_or_user_error",
    "out_of_scope",
    "duplicate",
)
EVENT_KINDS = ("created", "transition", "comment", "attachment")


def _through_escalation(column, partner_id):
    """SQL: `column` names an escalation of `partner_id`."""
    return column.in_(select(Escalation.id).where(Escalation.partner_id == partner_id))


class Escalation(db.Model):
    """A partner's request for the vendor's engineers, gated at submission."""

    __tablename__ = "escalations"
    tenant_column = "partner_id"
    __table_args__ = (
        enum_check("status", STATUSES),
        CheckConstraint(
            f"severity IN ({', '.join(repr(s) for s in SEVERITIES)})", "severity_valid"
        ),
        CheckConstraint(
            "resumes_to IS NULL OR resumes_to IN ('submitted', 'accepted')", "resumes_to_valid"
        ),
        CheckConstraint(
            "rejection_reason IS NULL OR rejection_reason IN ("
            + ", ".join(f"'{r}'" for r in REJECTION_REASONS)
            + ")",
            "rejection_reason_valid",
        ),
        # Waiting on the partner remembers where to return; nothing else does.
        CheckConstraint(
            "(status = 'waiting_on_partner') = (resumes_to IS NOT NULL)", "waiting_resumes"
        ),
        CheckConstraint(
            "(status = 'rejected') = (rejection_reason IS NOT NULL)", "rejected_with_reason"
        ),
        # What the gates checked is there from submission on.
        CheckConstraint(
            "status IN ('draft', 'withdrawn') OR (customer_id IS NOT NULL AND "
            "product_id IS NOT NULL AND release_id IS NOT NULL AND environment_id IS NOT NULL "
            "AND submitter_id IS NOT NULL AND submitted_at IS NOT NULL)",
            "submitted_complete",
        ),
        CheckConstraint("paused_seconds >= 0", "paused_seconds_not_negative"),
        Index("ix_escalations_partner_status", "partner_id", "status"),
        Index("ix_escalations_status", "status"),
        Index("ix_escalations_assignee", "assignee_id"),
        Index("ix_escalations_severity", "severity"),
        Index("ix_escalations_product", "product_id"),
        Index("ix_escalations_customer", "customer_id"),
        Index("ix_escalations_first_response_due", "first_response_due"),
        Index("ix_escalations_resolution_due", "resolution_due"),
        Index("ix_escalations_drafted_by", "drafted_by_id"),
        Index("ix_escalations_submitter", "submitter_id"),
        Index("ix_escalations_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    environment_id: Mapped[int | None] = mapped_column(
        ForeignKey("reproduction_environments.id"), index=True
    )
    #: Who submitted it (the gates applied to them); None while a draft.
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(2), default="S3")
    business_impact: Mapped[str] = mapped_column(Text, default="", server_default="")
    steps_to_reproduce: Mapped[str] = mapped_column(Text, default="", server_default="")
    expected_result: Mapped[str] = mapped_column(Text, default="", server_default="")
    actual_result: Mapped[str] = mapped_column(Text, default="", server_default="")
    attested_vanilla: Mapped[bool] = mapped_column(default=False, server_default="0")
    attested_no_customization: Mapped[bool] = mapped_column(default=False, server_default="0")

    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    #: While waiting on the partner: the state a response returns to.
    resumes_to: Mapped[str | None] = mapped_column(String(20))
    rejection_reason: Mapped[str | None] = mapped_column(String(40))
    #: With `documented_in_kb`: the article that documents it.
    rejection_article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_articles.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # SLA clocks (UTC; computed in the agreement's calendar by escalations.sla).
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the clock stopped for waiting on the partner (None while running).
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Wall-clock seconds spent waiting on the partner so far.
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    partner = relationship("Partner")
    customer = relationship("Customer")
    product = relationship("Product")
    release = relationship("Release")
    environment = relationship("ReproductionEnvironment")
    submitter = relationship("User", foreign_keys=[submitter_id])
    drafted_by = relationship("User", foreign_keys=[drafted_by_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    rejection_article = relationship("Article")

    def __repr__(self) -> str:
        return f"<Escalation {self.id} {self.status}>"

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


class EscalationEvent(db.Model):
    """One line of an escalation's timeline: its creation, a transition, a comment, a file."""

    __tablename__ = "escalation_events"
    __table_args__ = (
        enum_check("kind", EVENT_KINDS),
        Index("ix_escalation_events_escalation_at", "escalation_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    action: Mapped[str | None] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Vendor-internal lines (internal comments) are never shown to partner users.
    internal: Mapped[bool] = mapped_column(default=False, server_default="0")
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_comments.id"))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_attachments.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor = relationship("User")

    @classmethod
    def tenant_clause(cls, partner_id):
        return _through_escalation(cls.escalation_id, partner_id)


class Comment(db.Model):
    __tablename__ = "escalation_comments"
    __table_args__ = (Index("ix_escalation_comments_escalation", "escalation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    #: Vendor-internal: only vendor roles read it.
    internal: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = created_at_column()

    author = relationship("User")

    @classmethod
    def tenant_clause(cls, partner_id):
        return _through_escalation(cls.escalation_id, partner_id) & ~cls.internal


class Attachment(db.Model):
    """A file of evidence. Its bytes live behind `escalations.storage`."""

    __tablename__ = "escalation_attachments"
    __table_args__ = (
        CheckConstraint("size >= 0", "size_not_negative"),
        Index("ix_escalation_attachments_escalation", "escalation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    #: Judged from the content, never from the name or the client's header.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()

    uploaded_by = relationship("User")

    @classmethod
    def tenant_clause(cls, partner_id):
        return _through_escalation(cls.escalation_id, partner_id)


class AttachmentBlob(db.Model):
    """The bytes of an attachment, in the database (the default storage)."""

    __tablename__ = "escalation_attachment_blobs"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_attachments.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)

    @classmethod
    def tenant_clause(cls, partner_id):
        return cls.attachment_id.in_(
            select(Attachment.id).where(_through_escalation(Attachment.escalation_id, partner_id))
        )


class DeflectionEntry(db.Model):
    """A KB article shown (and perhaps opened or reviewed) while the escalation was written."""

    __tablename__ = "escalation_deflections"
    __table_args__ = (
        UniqueConstraint("escalation_id", "article_id", name="uq_deflection_escalation_article"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    suggested: Mapped[bool] = mapped_column(default=False, server_default="0")
    opened: Mapped[bool] = mapped_column(default=False, server_default="0")
    reviewed: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = created_at_column()

    article = relationship("Article")

    @classmethod
    def tenant_clause(cls, partner_id):
        return _through_escalation(cls.escalation_id, partner_id)


class IdempotencyKey(db.Model):
    """The first answer to a create request with an `Idempotency-Key`, kept 24 hours.

    Unique per user and key: of two concurrent requests with one key, the database lets
    one insert it; the other is answered from the stored response.
    """

    __tablename__ = "idempotency_keys"
    tenant_free = True  # read only by the API for the key's own user
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of the canonical request body.
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int]
    response_body: Mapped[dict] = mapped_column(JSON)
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
