"""Webhooks: the partner's endpoints and the log of deliveries to them

Revision ID: 0015_webhooks
Revises: 0014_fee_reports
Create Date: 2026-12-02

"""

# revision identifiers, used by Alembic.
revision = "0015_webhooks"
down_revision = "0014_fee_reports"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
