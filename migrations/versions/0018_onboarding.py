"""Onboarding: the partner admin's confirmation that it read its procedures

- agreements.procedures_confirmed_at / procedures_confirmed_by_id: when and by whom the
  partner admin confirmed the agreement's responsibilities and out-of-hours rules.

Revision ID: 0018_onboarding
Revises: 0017_case_volumes
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_onboarding"
down_revision = "0017_case_volumes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("procedures_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("procedures_confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_agreements_procedures_confirmed_by_id_users"),
            "users",
            ["procedures_confirmed_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agreements_procedures_confirmed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("procedures_confirmed_by_id")
        batch_op.drop_column("procedures_confirmed_at")
