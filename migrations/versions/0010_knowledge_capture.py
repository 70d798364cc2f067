"""knowledge capture: (reserved; filled in by the knowledge-capture work)

Revision ID: 0010_knowledge_capture
Revises: 0009_escalation_search
Create Date: 2026-12-02

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "0010_knowledge_capture"
down_revision = "0009_escalation_search"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
