"""escalation search: (reserved; filled in by the search work)

Revision ID: 0009_escalation_search
Revises: 0008_escalations
Create Date: 2026-12-02

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "0009_escalation_search"
down_revision = "0008_escalations"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
