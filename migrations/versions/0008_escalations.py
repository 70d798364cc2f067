"""escalations: gated escalations with their timeline, comments, attachments (bytes in
the database), the KB articles shown while writing them, and idempotency keys

- CHECKs keep the status, severity, rejection reason and "where to return after waiting"
  within their values; a rejected escalation has a reason; from submission on, what the
  gates checked (customer, release, environment, submitter) is present.
- idempotency_keys is unique per (user, key): of two concurrent creates with one key,
  one is stored.

Revision ID: 0008_escalations
Revises: 0007_agreement_calendar
Create Date: 2026-12-02

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_escalations"
down_revision = "0007_agreement_calendar"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("release_id", sa.Integer(), nullable=True),
        sa.Column("environment_id", sa.Integer(), nullable=True),
        sa.Column("submitter_id", sa.Integer(), nullable=True),
        sa.Column("drafted_by_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=2), nullable=False),
        sa.Column("business_impact", sa.Text(), server_default="", nullable=False),
        sa.Column("steps_to_reproduce", sa.Text(), server_default="", nullable=False),
        sa.Column("expected_result", sa.Text(), server_default="", nullable=False),
        sa.Column("actual_result", sa.Text(), server_default="", nullable=False),
        sa.Column("attested_vanilla", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("attested_no_customization", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("resumes_to", sa.String(length=20), nullable=True),
        sa.Column("rejection_reason", sa.String(length=40), nullable=True),
        sa.Column("rejection_article_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'rejected') = (rejection_reason IS NOT NULL)",
            name=op.f("ck_escalations_rejected_with_reason"),
        ),
        sa.CheckConstraint(
            "(status = 'waiting_on_partner') = (resumes_to IS NOT NULL)",
            name=op.f("ck_escalations_waiting_resumes"),
        ),
        sa.CheckConstraint(
            "rejection_reason IS NULL OR rejection_reason IN ('not_reproducible_on_vanilla', 'customization', 'documented_in_kb', 'configuration_or_user_error', 'out_of_scope', 'duplicate')",
            name=op.f("ck_escalations_rejection_reason_valid"),
        ),
        sa.CheckConstraint(
            "resumes_to IS NULL OR resumes_to IN ('submitted', 'accepted')",
            name=op.f("ck_escalations_resumes_to_valid"),
        ),
        sa.CheckConstraint(
            "severity IN ('S1', 'S2', 'S3', 'S4')", name=op.f("ck_escalations_severity_valid")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'accepted', 'waiting_on_partner', 'rejected', 'resolved', 'closed', 'withdrawn')",
            name=op.f("ck_escalations_status_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'withdrawn') OR (customer_id IS NOT NULL AND product_id IS NOT NULL AND release_id IS NOT NULL AND environment_id IS NOT NULL AND submitter_id IS NOT NULL AND submitted_at IS NOT NULL)",
            name=op.f("ck_escalations_submitted_complete"),
        ),
        sa.CheckConstraint(
            "paused_seconds >= 0", name=op.f("ck_escalations_paused_seconds_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_escalations_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_escalations_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by_id"], ["users.id"], name=op.f("fk_escalations_drafted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["reproduction_environments.id"],
            name=op.f("fk_escalations_environment_id_reproduction_environments"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_escalations_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_escalations_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["rejection_article_id"],
            ["kb_articles.id"],
            name=op.f("fk_escalations_rejection_article_id_kb_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name=op.f("fk_escalations_release_id_releases")
        ),
        sa.ForeignKeyConstraint(
            ["submitter_id"], ["users.id"], name=op.f("fk_escalations_submitter_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_assignee", ["assignee_id"], unique=False)
        batch_op.create_index("ix_escalations_customer", ["customer_id"], unique=False)
        batch_op.create_index("ix_escalations_drafted_by", ["drafted_by_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_escalations_environment_id"), ["environment_id"], unique=False
        )
        batch_op.create_index(
            "ix_escalations_first_response_due", ["first_response_due"], unique=False
        )
        batch_op.create_index(
            "ix_escalations_partner_status", ["partner_id", "status"], unique=False
        )
        batch_op.create_index("ix_escalations_product", ["product_id"], unique=False)
        batch_op.create_index("ix_escalations_resolution_due", ["resolution_due"], unique=False)
        batch_op.create_index("ix_escalations_severity", ["severity"], unique=False)
        batch_op.create_index("ix_escalations_status", ["status"], unique=False)
        batch_op.create_index("ix_escalations_submitted_at", ["submitted_at"], unique=False)
        batch_op.create_index("ix_escalations_submitter", ["submitter_id"], unique=False)

    op.create_table(
        "escalation_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("size >= 0", name=op.f("ck_escalation_attachments_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_attachments_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_escalation_attachments_uploaded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_attachments")),
    )
    with op.batch_alter_table("escalation_attachments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_escalation_attachments_escalation", ["escalation_id"], unique=False
        )

    op.create_table(
        "escalation_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_escalation_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_comments_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_comments")),
    )
    with op.batch_alter_table("escalation_comments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_escalation_comments_escalation", ["escalation_id", "created_at"], unique=False
        )

    op.create_table(
        "escalation_deflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("suggested", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("opened", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("reviewed", sa.Boolean(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_escalation_deflections_article_id_kb_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_deflections_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_deflections")),
        sa.UniqueConstraint("escalation_id", "article_id", name="uq_deflection_escalation_article"),
    )
    with op.batch_alter_table("escalation_deflections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_deflections_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_idempotency_keys_escalation_id_escalations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_keys_created_at", ["created_at"], unique=False)

    op.create_table(
        "escalation_attachment_blobs",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["escalation_attachments.id"],
            name=op.f("fk_escalation_attachment_blobs_attachment_id_escalation_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_escalation_attachment_blobs")),
    )
    op.create_table(
        "escalation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=True),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("internal", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('created', 'transition', 'comment', 'attachment')",
            name=op.f("ck_escalation_events_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_escalation_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["escalation_attachments.id"],
            name=op.f("fk_escalation_events_attachment_id_escalation_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["escalation_comments.id"],
            name=op.f("fk_escalation_events_comment_id_escalation_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_events_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_events")),
    )
    with op.batch_alter_table("escalation_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_escalation_events_escalation_at", ["escalation_id", "at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("escalation_events", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_events_escalation_at")

    op.drop_table("escalation_events")
    op.drop_table("escalation_attachment_blobs")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_keys_created_at")

    op.drop_table("idempotency_keys")
    with op.batch_alter_table("escalation_deflections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_deflections_article_id"))

    op.drop_table("escalation_deflections")
    with op.batch_alter_table("escalation_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_comments_escalation")

    op.drop_table("escalation_comments")
    with op.batch_alter_table("escalation_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_attachments_escalation")

    op.drop_table("escalation_attachments")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_submitter")
        batch_op.drop_index("ix_escalations_submitted_at")
        batch_op.drop_index("ix_escalations_status")
        batch_op.drop_index("ix_escalations_severity")
        batch_op.drop_index("ix_escalations_resolution_due")
        batch_op.drop_index("ix_escalations_product")
        batch_op.drop_index("ix_escalations_partner_status")
        batch_op.drop_index("ix_escalations_first_response_due")
        batch_op.drop_index(batch_op.f("ix_escalations_environment_id"))
        batch_op.drop_index("ix_escalations_drafted_by")
        batch_op.drop_index("ix_escalations_customer")
        batch_op.drop_index("ix_escalations_assignee")

    op.drop_table("escalations")
