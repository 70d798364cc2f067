"""A partner's webhook endpoints and the deliveries queued for them (a durable outbox)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check, utcnow

#: The events a partner can subscribe an endpoint to.
EVENT_TYPES = (
    "escalation.created",
    "escalation.status_changed",
    "escalation.comment_added",
    "escalation.attachment_added",
)
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookEndpoint(db.Model):
    """An HTTPS URL of the partner's that receives its escalations' events."""

    __tablename__ = "webhook_endpoints"
    tenant_column = "partner_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: A list of EVENT_TYPES (the service checks each name).
    event_types: Mapped[list] = mapped_column(JSON)
    #: The signing secret, encrypted with a key derived from SECRET_KEY (see `secrets`).
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    enabled: Mapped[bool] = mapped_column(default=True, server_default="1")
    #: Failed attempts in a row; at WEBHOOKS_DISABLE_AFTER_FAILURES the endpoint is disabled.
    consecutive_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    disabled_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partner = relationship("Partner")
    created_by = relationship("User")

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in (self.event_types or ())


class WebhookDelivery(db.Model):
    """One event for one endpoint: the exact body to send, and how its sending went.

    The body and the message id are fixed when the event happens, so every retry and a
    "send again" deliver the same message, which the receiver can de-duplicate by id.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        enum_check("status", DELIVERY_STATUSES),
        UniqueConstraint("endpoint_id", "message_id", name="uq_webhook_delivery_message"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(40))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    endpoint = relationship("WebhookEndpoint")

    @classmethod
    def tenant_clause(cls, partner_id):
        return cls.endpoint_id.in_(
            select(WebhookEndpoint.id).where(WebhookEndpoint.partner_id == partner_id)
        )
