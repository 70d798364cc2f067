"""certification: training sessions, quizzes and attempts, certifications, reproduction
environments, compliance states and the discount each tier earns

- An attempt is graded once: its score, verdict and grading time are set together
  (CHECK graded_together), and a certification names the attempt that earned it
  (UNIQUE attempt_id), so two concurrent submissions cannot issue two certifications.
- certification_notices keeps each time-driven notice (expiring, expired, lapsed) to one
  per certification, whichever worker sends it.
- compliance_states keeps the last verdict per partner and product, so a change is
  announced once.

Revision ID: 0006_certification
Revises: 0005_kb_search
Create Date: 2026-12-01

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_certification"
down_revision = "0005_kb_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tier_discounts",
        sa.Column("tier", sa.String(length=12), nullable=False),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint(
            "tier IN ('registered', 'certified', 'premier')",
            name=op.f("ck_tier_discounts_tier_valid"),
        ),
        sa.CheckConstraint(
            "discount_percent BETWEEN 0 AND 100",
            name=op.f("ck_tier_discounts_discount_percent_range"),
        ),
        sa.PrimaryKeyConstraint("tier", name=op.f("pk_tier_discounts")),
    )
    op.create_table(
        "compliance_states",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("compliant", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_compliance_states_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_compliance_states_product_id_products")
        ),
        sa.PrimaryKeyConstraint("partner_id", "product_id", name=op.f("pk_compliance_states")),
    )
    op.create_table(
        "reproduction_environments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("operating_system", sa.String(length=120), nullable=False),
        sa.Column("database", sa.String(length=120), server_default="", nullable=False),
        sa.Column("product_build", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("attested_unmodified", sa.Boolean(), nullable=False),
        sa.Column("attested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attested_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "attested_unmodified", name=op.f("ck_reproduction_environments_attested_unmodified")
        ),
        sa.ForeignKeyConstraint(
            ["attested_by_id"],
            ["users.id"],
            name=op.f("fk_reproduction_environments_attested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_reproduction_environments_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_reproduction_environments_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_reproduction_environments_release_id_releases"),
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_reproduction_environments_verified_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reproduction_environments")),
    )
    with op.batch_alter_table("reproduction_environments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reproduction_environments_partner_product",
            ["partner_id", "product_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_reproduction_environments_release_id"), ["release_id"], unique=False
        )

    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("trainer", sa.String(length=120), nullable=False),
        sa.Column("location", sa.String(length=200), server_default="", nullable=False),
        sa.Column("video_url", sa.String(length=500), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_training_sessions_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_training_sessions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name=op.f("fk_training_sessions_release_id_releases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_sessions_release_id"), ["release_id"], unique=False
        )
        batch_op.create_index("ix_training_sessions_starts_at", ["starts_at"], unique=False)

    op.create_table(
        "quizzes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions_per_attempt", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("time_limit_s", sa.Integer(), nullable=False),
        sa.Column("attempts_per_window", sa.Integer(), nullable=False),
        sa.Column("window_hours", sa.Integer(), nullable=False),
        sa.Column("cooldown_minutes", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("show_feedback", sa.Boolean(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("attempts_per_window >= 1", name=op.f("ck_quizzes_attempts_allowed")),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name=op.f("ck_quizzes_closes_after_opening"),
        ),
        sa.CheckConstraint("cooldown_minutes >= 0", name=op.f("ck_quizzes_cooldown_not_negative")),
        sa.CheckConstraint(
            "pass_mark BETWEEN 1 AND 100", name=op.f("ck_quizzes_pass_mark_percent")
        ),
        sa.CheckConstraint("questions_per_attempt >= 1", name=op.f("ck_quizzes_draws_questions")),
        sa.CheckConstraint("time_limit_s >= 60", name=op.f("ck_quizzes_time_limit_minimum")),
        sa.CheckConstraint("window_hours >= 1", name=op.f("ck_quizzes_window_positive")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_quizzes_session_id_training_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
    )
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quizzes_session_id"), ["session_id"], unique=False)

    op.create_table(
        "training_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_by_id", sa.Integer(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enrolled_by_id"],
            ["users.id"],
            name=op.f("fk_training_attendees_enrolled_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_training_attendees_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_attendees_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_attendees_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attendees")),
        sa.UniqueConstraint("session_id", "user_id", name="uq_training_attendees_session_user"),
    )
    with op.batch_alter_table("training_attendees", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_attendees_partner_session", ["partner_id", "session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_attendees_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_attendees_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "training_materials",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_training_materials_article_id_kb_articles"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_materials_session_id_training_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "article_id", name=op.f("pk_training_materials")),
    )
    with op.batch_alter_table("training_materials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_materials_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("graded_by", sa.String(length=12), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "graded_by IN ('submission', 'deadline')", name=op.f("ck_quiz_attempts_graded_by_valid")
        ),
        sa.CheckConstraint(
            "(graded_at IS NULL AND score IS NULL AND passed IS NULL AND graded_by IS NULL) OR (graded_at IS NOT NULL AND score IS NOT NULL AND passed IS NOT NULL AND graded_by IS NOT NULL)",
            name=op.f("ck_quiz_attempts_graded_together"),
        ),
        sa.CheckConstraint(
            "deadline > started_at", name=op.f("ck_quiz_attempts_deadline_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_quiz_attempts_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_attempts_quiz_id_quizzes")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quiz_attempts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempts_open_deadline", ["graded_at", "deadline"], unique=False
        )
        batch_op.create_index(
            "ix_quiz_attempts_partner_started", ["partner_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "ix_quiz_attempts_user_quiz_started", ["user_id", "quiz_id", "started_at"], unique=False
        )
        batch_op.create_index(
            "uq_quiz_attempts_one_open",
            ["user_id", "quiz_id"],
            unique=True,
            sqlite_where=sa.text("graded_at IS NULL"),
            postgresql_where=sa.text("graded_at IS NULL"),
        )

    op.create_table(
        "quiz_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), server_default="", nullable=False),
        sa.Column("archived", sa.Boolean(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "kind IN ('single', 'multiple')", name=op.f("ck_quiz_questions_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["quizzes.id"],
            name=op.f("fk_quiz_questions_quiz_id_quizzes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_questions")),
    )
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_questions_quiz_id"), ["quiz_id"], unique=False)

    op.create_table(
        "certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("lapses_on", sa.Date(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=300), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_reason IS NULL)",
            name=op.f("ck_certifications_revoked_with_reason"),
        ),
        sa.CheckConstraint(
            "expires_on >= issued_on",
            name=op.f("ck_certifications_expires_on_or_after_issue"),
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_certifications_attempt_id_quiz_attempts"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_certifications_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_certifications_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name=op.f("fk_certifications_release_id_releases")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_certifications_revoked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["certifications.id"],
            name=op.f("fk_certifications_superseded_by_id_certifications"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_certifications_attempt_id")),
        sa.UniqueConstraint("code", name=op.f("uq_certifications_code")),
    )
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.create_index("ix_certifications_expires_on", ["expires_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certifications_lapses_on"), ["lapses_on"], unique=False
        )
        batch_op.create_index(
            "ix_certifications_partner_product", ["partner_id", "product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certifications_release_id"), ["release_id"], unique=False
        )
        batch_op.create_index(
            "ix_certifications_user_product", ["user_id", "product_id"], unique=False
        )

    op.create_table(
        "quiz_attempt_questions",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("choice_order", sa.String(length=500), nullable=False),
        sa.Column("selected", sa.String(length=500), server_default="", nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_quiz_attempt_questions_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["quiz_questions.id"],
            name=op.f("fk_quiz_attempt_questions_question_id_quiz_questions"),
        ),
        sa.PrimaryKeyConstraint(
            "attempt_id", "question_id", name=op.f("pk_quiz_attempt_questions")
        ),
    )
    with op.batch_alter_table("quiz_attempt_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quiz_attempt_questions_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "quiz_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("correct", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("feedback", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["quiz_questions.id"],
            name=op.f("fk_quiz_choices_question_id_quiz_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_choices")),
    )
    with op.batch_alter_table("quiz_choices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quiz_choices_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "certification_notices",
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('expiring', 'expired', 'lapsed')",
            name=op.f("ck_certification_notices_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_certification_notices_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("certification_id", "kind", name=op.f("pk_certification_notices")),
    )


def downgrade():
    op.drop_table("certification_notices")
    with op.batch_alter_table("quiz_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_choices_question_id"))

    op.drop_table("quiz_choices")
    with op.batch_alter_table("quiz_attempt_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_questions_question_id"))

    op.drop_table("quiz_attempt_questions")
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.drop_index("ix_certifications_user_product")
        batch_op.drop_index(batch_op.f("ix_certifications_release_id"))
        batch_op.drop_index("ix_certifications_partner_product")
        batch_op.drop_index(batch_op.f("ix_certifications_lapses_on"))
        batch_op.drop_index("ix_certifications_expires_on")

    op.drop_table("certifications")
    with op.batch_alter_table("quiz_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_questions_quiz_id"))

    op.drop_table("quiz_questions")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index("uq_quiz_attempts_one_open")
        batch_op.drop_index("ix_quiz_attempts_user_quiz_started")
        batch_op.drop_index("ix_quiz_attempts_partner_started")
        batch_op.drop_index("ix_quiz_attempts_open_deadline")

    op.drop_table("quiz_attempts")
    with op.batch_alter_table("training_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_materials_article_id"))

    op.drop_table("training_materials")
    with op.batch_alter_table("training_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_attendees_user_id"))
        batch_op.drop_index(batch_op.f("ix_training_attendees_session_id"))
        batch_op.drop_index("ix_training_attendees_partner_session")

    op.drop_table("training_attendees")
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quizzes_session_id"))

    op.drop_table("quizzes")
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_training_sessions_starts_at")
        batch_op.drop_index(batch_op.f("ix_training_sessions_release_id"))

    op.drop_table("training_sessions")
    with op.batch_alter_table("reproduction_environments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reproduction_environments_release_id"))
        batch_op.drop_index("ix_reproduction_environments_partner_product")

    op.drop_table("reproduction_environments")
    op.drop_table("compliance_states")
    op.drop_table("tier_discounts")
