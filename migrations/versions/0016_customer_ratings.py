"""End-customer ratings of resolved escalations, through signed single-use links

- rating_requests: one per resolved escalation: the link's nonce, how it reaches the
  customer (mailed, or passed on by the partner), its expiry, and the rating once given
  (score 1-5 and a comment).
- customers.contact_email: where the vendor may mail the link, when the agreement allows.

Revision ID: 0016_customer_ratings
Revises: 0015_webhooks
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_customer_ratings"
down_revision = "0015_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rating_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("delivery", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "delivery IN ('mail', 'partner')", name=op.f("ck_rating_requests_delivery_valid")
        ),
        sa.CheckConstraint(
            "(delivery = 'mail') = (recipient IS NOT NULL)",
            name=op.f("ck_rating_requests_mailed_to_recipient"),
        ),
        sa.CheckConstraint(
            "expires_at > issued_at", name=op.f("ck_rating_requests_expires_after_issued")
        ),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 1 AND 5", name=op.f("ck_rating_requests_score_range")
        ),
        sa.CheckConstraint(
            "(rated_at IS NULL) = (score IS NULL)", name=op.f("ck_rating_requests_rated_with_score")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_rating_requests_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_rating_requests_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_requests")),
        sa.UniqueConstraint("escalation_id", name=op.f("uq_rating_requests_escalation_id")),
        sa.UniqueConstraint("nonce", name=op.f("uq_rating_requests_nonce")),
    )
    with op.batch_alter_table("rating_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rating_requests_partner_rated_at", ["partner_id", "rated_at"], unique=False
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("contact_email")

    with op.batch_alter_table("rating_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_rating_requests_partner_rated_at")

    op.drop_table("rating_requests")
