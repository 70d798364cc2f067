"""Check-ins with partners: the log, the agreed actions, each partner's cadence

- check_ins: date, channel, attendees, notes, the next due date and a snapshot of the
  partner's figures on the day.
- check_in_actions: what was agreed, by whom and by when; open until done (and the later
  check-in at which it was marked done).
- partners.checkin_cadence_days: days between check-ins (90 by default, 7 to 366).

Revision ID: 0013_check_ins
Revises: 0012_escalation_rollups
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_check_ins"
down_revision = "0012_escalation_rollups"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("vendor_attendees", sa.Text(), nullable=False),
        sa.Column("partner_attendees", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel IN ('video', 'phone', 'on_site', 'email')",
            name=op.f("ck_check_ins_channel_valid"),
        ),
        sa.CheckConstraint("next_due_on > held_on", name=op.f("ck_check_ins_next_due_after_held")),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_check_ins_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_check_ins_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_check_ins_partner_held_on", ["partner_id", "held_on"], unique=False
        )

    op.create_table(
        "check_in_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("owner_side", sa.String(length=8), nullable=False),
        sa.Column("owner_name", sa.String(length=120), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_in_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "owner_side IN ('vendor', 'partner')", name=op.f("ck_check_in_actions_owner_side_valid")
        ),
        sa.CheckConstraint(
            "done_at IS NOT NULL OR done_in_id IS NULL",
            name=op.f("ck_check_in_actions_done_in_when_done"),
        ),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_check_in_actions_check_in_id_check_ins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_check_in_actions_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["done_in_id"], ["check_ins.id"], name=op.f("fk_check_in_actions_done_in_id_check_ins")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_check_in_actions_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_actions")),
    )
    with op.batch_alter_table("check_in_actions", schema=None) as batch_op:
        batch_op.create_index("ix_check_in_actions_check_in", ["check_in_id"], unique=False)
        batch_op.create_index(
            "ix_check_in_actions_partner_done", ["partner_id", "done_at"], unique=False
        )

    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("checkin_cadence_days", sa.Integer(), server_default="90", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_partners_checkin_cadence_range"), "checkin_cadence_days BETWEEN 7 AND 366"
        )


def downgrade():
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_partners_checkin_cadence_range"), type_="check")
        batch_op.drop_column("checkin_cadence_days")

    with op.batch_alter_table("check_in_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_check_in_actions_partner_done")
        batch_op.drop_index("ix_check_in_actions_check_in")

    op.drop_table("check_in_actions")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_partner_held_on")

    op.drop_table("check_ins")
