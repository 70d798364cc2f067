"""SLA warnings and escalation quality: (reserved)

Revision ID: 0011_sla_warnings_quality
Revises: 0010_knowledge_capture
Create Date: 2026-12-02

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = "0011_sla_warnings_quality"
down_revision = "0010_knowledge_capture"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
