"""End-customer ratings of resolved escalations, through signed single-use links

Revision ID: 0016_customer_ratings
Revises: 0015_webhooks
Create Date: 2026-12-02

"""

# revision identifiers, used by Alembic.
revision = "0016_customer_ratings"
down_revision = "0015_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
