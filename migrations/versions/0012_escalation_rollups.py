"""Escalation roll-ups and the dashboard's flag thresholds

- escalation_rollups: per partner, product and month of submission, the escalations
  submitted, accepted, rejected, resolved and withdrawn, and the sums of their times to
  triage and to resolve; escalation_rollup_counts breaks them down by rejection reason
  and by time bucket. Both are kept in the same transaction as the escalations.
- flag_thresholds holds the one row of the support manager's thresholds.

Revision ID: 0012_escalation_rollups
Revises: 0011_sla_warnings_quality
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_escalation_rollups"
down_revision = "0011_sla_warnings_quality"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "flag_thresholds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unwarranted_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("median_multiple", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("min_escalations", sa.Integer(), nullable=False),
        sa.Column("expiring_days", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "expiring_days BETWEEN 1 AND 365", name=op.f("ck_flag_thresholds_expiring_days_range")
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_flag_thresholds_single_row")),
        sa.CheckConstraint(
            "median_multiple >= 1", name=op.f("ck_flag_thresholds_median_multiple_range")
        ),
        sa.CheckConstraint(
            "min_escalations >= 0", name=op.f("ck_flag_thresholds_min_escalations_range")
        ),
        sa.CheckConstraint(
            "unwarranted_percent BETWEEN 0 AND 100",
            name=op.f("ck_flag_thresholds_unwarranted_percent_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_thresholds")),
    )
    op.create_table(
        "escalation_rollup_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('reason', 'triage', 'resolve')",
            name=op.f("ck_escalation_rollup_counts_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_escalation_rollup_counts_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_escalation_rollup_counts_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_rollup_counts")),
        sa.UniqueConstraint(
            "partner_id",
            "product_id",
            "month",
            "kind",
            "key",
            name="uq_escalation_rollup_counts_key",
        ),
    )
    with op.batch_alter_table("escalation_rollup_counts", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_rollup_counts_month", ["month"], unique=False)

    op.create_table(
        "escalation_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("submitted", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("triaged", sa.Integer(), nullable=False),
        sa.Column("triage_seconds", sa.BigInteger(), nullable=False),
        sa.Column("resolve_seconds", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_escalation_rollups_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_escalation_rollups_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_rollups")),
        sa.UniqueConstraint("partner_id", "product_id", "month", name="uq_escalation_rollups_key"),
    )
    with op.batch_alter_table("escalation_rollups", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_rollups_month", ["month"], unique=False)


def downgrade():
    with op.batch_alter_table("escalation_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_rollups_month")

    op.drop_table("escalation_rollups")
    with op.batch_alter_table("escalation_rollup_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_rollup_counts_month")

    op.drop_table("escalation_rollup_counts")
    op.drop_table("flag_thresholds")
