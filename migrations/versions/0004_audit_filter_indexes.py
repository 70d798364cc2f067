"""indexes for the audit page: newest first, by actor, by action

Revision ID: 0004_audit_filter_indexes
Revises: 0003_login_sessions
Create Date: 2026-12-01 12:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0004_audit_filter_indexes"
down_revision = "0003_login_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_created", ["created_at"], unique=False)
        batch_op.create_index("ix_audit_actor_created", ["actor_id", "created_at"], unique=False)
        batch_op.create_index("ix_audit_action_created", ["action", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_action_created")
        batch_op.drop_index("ix_audit_actor_created")
        batch_op.drop_index("ix_audit_created")
