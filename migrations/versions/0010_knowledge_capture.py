"""knowledge capture: the KB article started from a resolved escalation, linked both ways

- escalation_kb_articles: one row per captured article; unique per escalation and per
  article, so an escalation starts one article (two clicks at once make one) and an
  article comes from one escalation.

Revision ID: 0010_knowledge_capture
Revises: 0009_escalation_search
Create Date: 2026-12-02

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_knowledge_capture"
down_revision = "0009_escalation_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "escalation_kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_escalation_kb_articles_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_kb_articles_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["users.id"],
            name=op.f("fk_escalation_kb_articles_started_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_kb_articles")),
        sa.UniqueConstraint("article_id", name=op.f("uq_escalation_kb_articles_article_id")),
        sa.UniqueConstraint(
            "escalation_id", name=op.f("uq_escalation_kb_articles_escalation_id")
        ),
    )


def downgrade():
    op.drop_table("escalation_kb_articles")
