"""Data exports: a partner's requests for its full data, and the archives built for them

- data_exports: who asked, the status (pending, building, ready, failed, expired), the
  build's progress and heartbeat, when the archive expires, its name, size and SHA-256;
  at most one pending or building export per partner (a partial unique index).
- data_export_archives: the ZIP's bytes, in the database like attachments' bytes.

Revision ID: 0019_data_exports
Revises: 0018_onboarding
Create Date: 2026-12-03

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_data_exports"
down_revision = "0018_onboarding"
branch_labels = None
depends_on = None

IN_PROGRESS = "status IN ('pending', 'building')"


def upgrade():
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("steps_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("steps_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("current_step", sa.String(length=60), server_default="", nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("size", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sha256", sa.String(length=64), server_default="", nullable=False),
        sa.Column("error", sa.String(length=300), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'building', 'ready', 'failed', 'expired')",
            name=op.f("ck_data_exports_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_data_exports_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_data_exports_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_data_exports_partner_created", ["partner_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_data_exports_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_data_exports_one_in_progress",
            ["partner_id"],
            unique=True,
            sqlite_where=sa.text(IN_PROGRESS),
            postgresql_where=sa.text(IN_PROGRESS),
        )
    op.create_table(
        "data_export_archives",
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["data_exports.id"],
            name=op.f("fk_data_export_archives_export_id_data_exports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("export_id", name=op.f("pk_data_export_archives")),
    )


def downgrade():
    op.drop_table("data_export_archives")
    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_data_exports_one_in_progress",
            sqlite_where=sa.text(IN_PROGRESS),
            postgresql_where=sa.text(IN_PROGRESS),
        )
        batch_op.drop_index("ix_data_exports_status")
        batch_op.drop_index("ix_data_exports_partner_created")
    op.drop_table("data_exports")
