"""First-line volume: the cases each partner handled itself, per month and product

- case_volumes: one figure per partner, product and month (the first day), replaced when
  reported again; from the API or the fee report.

Revision ID: 0017_case_volumes
Revises: 0016_customer_ratings
Create Date: 2026-12-02 21:36:48.028544

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_case_volumes"
down_revision = "0016_customer_ratings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_volumes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('api', 'fee_report')", name=op.f("ck_case_volumes_source_valid")
        ),
        sa.CheckConstraint(
            "cases BETWEEN 0 AND 10000000", name=op.f("ck_case_volumes_cases_range")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_case_volumes_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_case_volumes_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["users.id"], name=op.f("fk_case_volumes_reported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_volumes")),
        sa.UniqueConstraint("partner_id", "product_id", "month", name="uq_case_volumes_key"),
    )


def downgrade():
    op.drop_table("case_volumes")
