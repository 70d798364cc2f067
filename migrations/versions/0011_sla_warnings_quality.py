"""SLA warnings and escalation quality: each SLA warning recorded once, and the premier
tier's unwarranted-rate threshold

- escalation_sla_warnings keeps each warning sent (nearly due, breached) about a clock
  (first response, resolution) of an escalation, unique per due date, so that whichever
  worker sends it, it goes out once; a clock that moves re-arms its warnings.
- escalations get an index on (status, due date) per clock, through which the worker reads
  only the open escalations due within a window around now.
- premier_requirements holds the one row of the vendor admin's threshold (0 to 100 %);
  without it the default applies.

Revision ID: 0011_sla_warnings_quality
Revises: 0010_knowledge_capture
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_sla_warnings_quality"
down_revision = "0010_knowledge_capture"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "escalation_sla_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("clock", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "clock IN ('first_response', 'resolution')",
            name=op.f("ck_escalation_sla_warnings_clock_valid"),
        ),
        sa.CheckConstraint(
            "kind IN ('nearly_due', 'breached')",
            name=op.f("ck_escalation_sla_warnings_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_sla_warnings_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_sla_warnings")),
        sa.UniqueConstraint(
            "escalation_id",
            "clock",
            "kind",
            "due",
            name=op.f("uq_escalation_sla_warnings_once"),
        ),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_escalations_status_first_response_due",
            ["status", "first_response_due"],
            unique=False,
        )
        batch_op.create_index(
            "ix_escalations_status_resolution_due", ["status", "resolution_due"], unique=False
        )
    op.create_table(
        "premier_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unwarranted_below_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_premier_requirements_single_row")),
        sa.CheckConstraint(
            "unwarranted_below_percent BETWEEN 0 AND 100",
            name=op.f("ck_premier_requirements_unwarranted_below_percent_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premier_requirements")),
    )


def downgrade():
    op.drop_table("premier_requirements")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_status_resolution_due")
        batch_op.drop_index("ix_escalations_status_first_response_due")
    op.drop_table("escalation_sla_warnings")
