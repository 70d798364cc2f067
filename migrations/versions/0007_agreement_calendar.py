"""agreement calendar: the public holidays (country and region) and the agreement's own
closed dates that business-hours SLA clocks skip

Revision ID: 0007_agreement_calendar
Revises: 0006_certification
Create Date: 2026-12-02

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_agreement_calendar"
down_revision = "0006_certification"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("holiday_country", sa.String(length=2), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("holiday_region", sa.String(length=10), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("closed_dates", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_column("closed_dates")
        batch_op.drop_column("holiday_region")
        batch_op.drop_column("holiday_country")
