"""Training sessions, quizzes and their attempts, certifications, reproduction environments.

Tenant-owned rows carry their partner's id (`tenant_column`), so `portal.access.scoped`
keeps each partner to its own; the attempt's drawn questions are reached only through
their attempt. Training sessions, quizzes and question banks are the vendor's and are
read by every partner (`tenant_free`).
"""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, created_at_column, enum_check

QUESTION_KINDS = ("single", "multiple")
GRADED_BY = ("submission", "deadline")
NOTICE_KINDS = ("expiring", "expired", "lapsed")


class TrainingSession(db.Model):
    """Training given for a product release; its quizzes certify those who pass."""

    __tablename__ = "training_sessions"
    tenant_free = True
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_training_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The IANA zone the session is planned in; times are stored in UTC.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    trainer: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(200), default="", server_default="")
    video_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    release = relationship("Release")
    materials = relationship(
        "TrainingMaterial", back_populates="session", cascade="all, delete-orphan"
    )
    attendees = relationship(
        "TrainingAttendee", back_populates="session", cascade="all, delete-orphan"
    )
    quizzes = relationship("Quiz", back_populates="session", order_by="Quiz.id")

    def __repr__(self) -> str:
        return f"<TrainingSession {self.id} {self.title!r}>"


class TrainingMaterial(db.Model):
    """A KB article (training material or release note) handed out for a session."""

    __tablename__ = "training_materials"
    tenant_free = True

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    session = relationship("TrainingSession", back_populates="materials")
    article = relationship("Article")


class TrainingAttendee(db.Model):
    """A technician signed up for (or enrolled in) a session, and whether they attended."""

    __tablename__ = "training_attendees"
    tenant_column = "partner_id"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_training_attendees_session_user"),
        Index("ix_training_attendees_partner_session", "partner_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The attendee's partner when they signed up (kept for tenant scoping).
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    #: Who enrolled them; None when the technician signed up themselves.
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: None until attendance is marked.
    attended: Mapped[bool | None]
    created_at: Mapped[datetime] = created_at_column()

    session = relationship("TrainingSession", back_populates="attendees")
    user = relationship("User", foreign_keys=[user_id])


class Quiz(db.Model):
    """The test at the end of a training session: its rules and its question bank."""

    __tablename__ = "quizzes"
    tenant_free = True
    __table_args__ = (
        CheckConstraint("questions_per_attempt >= 1", name="draws_questions"),
        CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark_percent"),
        CheckConstraint("time_limit_s >= 60", name="time_limit_minimum"),
        CheckConstraint("attempts_per_window >= 1", name="attempts_allowed"),
        CheckConstraint("window_hours >= 1", name="window_positive"),
        CheckConstraint("cooldown_minutes >= 0", name="cooldown_not_negative"),
        CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name="closes_after_opening",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    questions_per_attempt: Mapped[int] = mapped_column(default=10)
    #: Percent of the drawn questions that must be right.
    pass_mark: Mapped[int] = mapped_column(default=70)
    time_limit_s: Mapped[int] = mapped_column(default=1200)
    #: At most this many attempts in any rolling window of `window_hours`...
    attempts_per_window: Mapped[int] = mapped_column(default=3)
    window_hours: Mapped[int] = mapped_column(default=24)
    #: ...and this long between the end of one attempt and the start of the next.
    cooldown_minutes: Mapped[int] = mapped_column(default=60)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Whether a graded attempt shows which questions were wrong, with explanations.
    show_feedback: Mapped[bool] = mapped_column(default=True, server_default="1")
    created_at: Mapped[datetime] = created_at_column()

    session = relationship("TrainingSession", back_populates="quizzes")
    questions = relationship(
        "Question",
        back_populates="quiz",
        order_by="Question.position, Question.id",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Quiz {self.id} {self.title!r}>"


class Question(db.Model):
    """A question of a quiz's bank. Archived, not deleted, once an attempt has drawn it."""

    __tablename__ = "quiz_questions"
    tenant_free = True
    __table_args__ = (enum_check("kind", QUESTION_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    #: GIFT's optional `::title::`, kept so that an export gives back what was imported.
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(8), default="single")
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="", server_default="")
    archived: Mapped[bool] = mapped_column(default=False, server_default="0")

    quiz = relationship("Quiz", back_populates="questions")
    choices = relationship(
        "Choice",
        back_populates="question",
        order_by="Choice.position, Choice.id",
        cascade="all, delete-orphan",
    )


class Choice(db.Model):
    __tablename__ = "quiz_choices"
    tenant_free = True

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: GIFT's per-answer feedback (`#...`).
    feedback: Mapped[str] = mapped_column(Text, default="", server_default="")

    question = relationship("Question", back_populates="choices")


class Attempt(db.Model):
    """One sitting of a quiz. Graded once: on submission, or at its deadline by the worker."""

    __tablename__ = "quiz_attempts"
    tenant_column = "partner_id"
    __table_args__ = (
        enum_check("graded_by", GRADED_BY),
        # A graded attempt has its score, its verdict and how it was graded; an open one none.
        CheckConstraint(
            "(graded_at IS NULL AND score IS NULL AND passed IS NULL AND graded_by IS NULL)"
            " OR (graded_at IS NOT NULL AND score IS NOT NULL AND passed IS NOT NULL"
            " AND graded_by IS NOT NULL)",
            name="graded_together",
        ),
        CheckConstraint("deadline > started_at", name="deadline_after_start"),
        Index("ix_quiz_attempts_user_quiz_started", "user_id", "quiz_id", "started_at"),
        # The worker's sweep: open attempts by deadline.
        Index("ix_quiz_attempts_open_deadline", "graded_at", "deadline"),
        Index("ix_quiz_attempts_partner_started", "partner_id", "started_at"),
        # One open attempt per technician and quiz: two starts at once cannot both draw.
        Index(
            "uq_quiz_attempts_one_open",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=sql_text("graded_at IS NULL"),
            postgresql_where=sql_text("graded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set by the server at start: started_at + the quiz's time limit.
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    graded_by: Mapped[str | None] = mapped_column(String(12))
    #: Percent of drawn questions answered right.
    score: Mapped[int | None]
    passed: Mapped[bool | None]

    quiz = relationship("Quiz")
    user = relationship("User")
    questions = relationship(
        "AttemptQuestion",
        back_populates="attempt",
        order_by="AttemptQuestion.position",
        cascade="all, delete-orphan",
    )


class AttemptQuestion(db.Model):
    """A question drawn for an attempt: its frozen choice order and the saved answer."""

    __tablename__ = "quiz_attempt_questions"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_questions.id"), primary_key=True, index=True
    )
    position: Mapped[int]
    #: Choice ids in the order shown, comma-separated.
    choice_order: Mapped[str] = mapped_column(String(500))
    #: The chosen choice ids, comma-separated; "" while unanswered.
    selected: Mapped[str] = mapped_column(String(500), default="", server_default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when the attempt is graded.
    correct: Mapped[bool | None]

    attempt = relationship("Attempt", back_populates="questions")
    question = relationship("Question")

    @classmethod
    def tenant_clause(cls, partner_id):
        return cls.attempt_id.in_(select(Attempt.id).where(Attempt.partner_id == partner_id))


class Certification(db.Model):
    """A technician certified on a product from a release. Its status is computed
    (`certification.status`) from the stored dates; nothing flips it by hand but revocation.
    """

    __tablename__ = "certifications"
    tenant_column = "partner_id"
    __table_args__ = (
        # A renewal on the day of issue ends the earlier certification that same day.
        CheckConstraint("expires_on >= issued_on", name="expires_on_or_after_issue"),
        CheckConstraint(
            "(revoked_at IS NULL) = (revoked_reason IS NULL)", name="revoked_with_reason"
        ),
        Index("ix_certifications_partner_product", "partner_id", "product_id"),
        Index("ix_certifications_user_product", "user_id", "product_id"),
        Index("ix_certifications_expires_on", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public verification code (unguessable, at least 80 bits).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    #: The attempt that earned it: one certification per attempt, whatever the code does.
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempts.id"), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    #: End of validity (issue + the agreement's validity months); a renewal moves it to
    #: the renewal's date.
    expires_on: Mapped[date] = mapped_column(Date)
    #: When the release cycle ends it: the second major release after the certified one
    #: plus the grace period. Recomputed when a major release is published.
    lapses_on: Mapped[date | None] = mapped_column(Date, index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certifications.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(300))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    user = relationship("User", foreign_keys=[user_id])
    partner = relationship("Partner")
    product = relationship("Product")
    release = relationship("Release")
    superseded_by = relationship("Certification", remote_side=[id])

    def __repr__(self) -> str:
        return f"<Certification {self.code}>"


class CertificationNotice(db.Model):
    """A time-driven notice already sent for a certification: the schema keeps it to one,
    even with two workers sweeping at once."""

    __tablename__ = "certification_notices"
    tenant_free = True  # read only by the worker
    __table_args__ = (enum_check("kind", NOTICE_KINDS),)

    certification_id: Mapped[int] = mapped_column(
        ForeignKey("certifications.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    created_at: Mapped[datetime] = created_at_column()


class ReproductionEnvironment(db.Model):
    """A partner's lab running a vanilla product release, attested unmodified.

    Current while its release is supported and it was attested (or verified by the
    vendor) within the configured period.
    """

    __tablename__ = "reproduction_environments"
    tenant_column = "partner_id"
    __table_args__ = (
        Index("ix_reproduction_environments_partner_product", "partner_id", "product_id"),
        CheckConstraint("attested_unmodified", name="attested_unmodified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    operating_system: Mapped[str] = mapped_column(String(120))
    database: Mapped[str] = mapped_column(String(120), default="", server_default="")
    product_build: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    attested_unmodified: Mapped[bool] = mapped_column(default=True)
    attested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    partner = relationship("Partner")
    product = relationship("Product")
    release = relationship("Release")
    attested_by = relationship("User", foreign_keys=[attested_by_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])


class ComplianceState(db.Model):
    """The last compliance verdict per partner and product, so a change is noticed (and
    announced) once, whichever event or worker noticed it first."""

    __tablename__ = "compliance_states"
    tenant_column = "partner_id"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    compliant: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
