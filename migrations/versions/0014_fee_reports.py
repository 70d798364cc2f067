"""Fee reports and the agreement's currency

- fee_reports: the partner's declared support fees for a period, the vendor's share
  under the agreement's terms as computed on submission, and the support manager's
  decision.
- agreements.currency: the ISO 4217 code of the fees (EUR by default).

Revision ID: 0014_fee_reports
Revises: 0013_check_ins
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_fee_reports"
down_revision = "0013_check_ins"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fee_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("declared_fees", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("fee_model", sa.String(length=12), nullable=False),
        sa.Column("fee_percentage", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("fixed_fee", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("tier", sa.String(length=12), nullable=False),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("vendor_share", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("discount_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("amount_due", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("cost_per_escalation", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "fee_model IN ('percentage', 'fixed')", name=op.f("ck_fee_reports_fee_model_valid")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'sent_back')",
            name=op.f("ck_fee_reports_status_valid"),
        ),
        sa.CheckConstraint(
            "declared_fees >= 0", name=op.f("ck_fee_reports_declared_fees_not_negative")
        ),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_fee_reports_period_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_fee_reports_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_fee_reports_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_fee_reports_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name=op.f("fk_fee_reports_submitted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_reports")),
        sa.UniqueConstraint("partner_id", "period_start", name="uq_fee_reports_partner_period"),
    )
    with op.batch_alter_table("fee_reports", schema=None) as batch_op:
        batch_op.create_index("ix_fee_reports_status", ["status"], unique=False)

    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_column("currency")

    with op.batch_alter_table("fee_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_fee_reports_status")

    op.drop_table("fee_reports")
