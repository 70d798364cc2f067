"""The request for a customer's rating of one escalation, and the rating once given."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check

#: How the link reaches the customer: mailed by the vendor, or passed on by the partner.
DELIVERIES = ("mail", "partner")
SCORES = (1, 2, 3, 4, 5)


class RatingRequest(db.Model):
    """One per escalation: the link's nonce, its expiry and, once used, the rating.

    The link is the nonce signed with the app's secret (see `ratings.links`); the row keeps
    the nonce so the partner can be shown the link again until it is used.
    """

    __tablename__ = "rating_requests"
    tenant_column = "partner_id"
    __table_args__ = (
        enum_check("delivery", DELIVERIES),
        CheckConstraint("(delivery = 'mail') = (recipient IS NOT NULL)", "mailed_to_recipient"),
        CheckConstraint("expires_at > issued_at", "expires_after_issued"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", "score_range"),
        CheckConstraint("(rated_at IS NULL) = (score IS NULL)", "rated_with_score"),
        Index("ix_rating_requests_partner_rated_at", "partner_id", "rated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One request per escalation: a second resolution does not ask again (see services).
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), unique=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    delivery: Mapped[str] = mapped_column(String(8))
    #: The customer's address the link was mailed to (mail delivery only).
    recipient: Mapped[str | None] = mapped_column(String(254))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()

    escalation = relationship("Escalation")
    partner = relationship("Partner")

    def __repr__(self) -> str:
        return f"<RatingRequest escalation={self.escalation_id} score={self.score}>"

    @property
    def is_rated(self) -> bool:
        return self.rated_at is not None

    def is_live(self, now: datetime) -> bool:
        """Unused and unexpired: the link still takes a rating."""
        return self.rated_at is None and now < self.expires_at
