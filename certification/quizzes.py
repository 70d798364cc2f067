"""Quizzes: their rules, their question banks, and which quizzes a partner is offered.

A quiz's settings and questions are checked here, for the pages, the API and the GIFT
import alike. A question has at least two choices; a single-choice question exactly one
right choice, a multiple-choice question at least one (graded all or nothing). A question
an attempt has drawn stays as it was for that attempt: removing it archives it, editing
it archives it and adds the edited version. Every change is audited.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from certification.models import AttemptQuestion, Choice, Question, Quiz, TrainingSession
from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Agreement, ProductMinimum, Release

TITLE_MAX = 200
TEXT_MAX = 5_000
CHOICE_TEXT_MAX = 1_000
FEEDBACK_MAX = 2_000
EXPLANATION_MAX = 5_000
CHOICES_MIN, CHOICES_MAX = 2, 12
QUESTIONS_PER_ATTEMPT_MAX = 100
TIME_LIMIT_MINUTES_MAX = 8 * 60
ATTEMPTS_PER_WINDOW_MAX = 100
WINDOW_HOURS_MAX = 24 * 90
COOLDOWN_MINUTES_MAX = 7 * 24 * 60

SETTINGS_FIELDS = (
    "title",
    "questions_per_attempt",
    "pass_mark",
    "time_limit_s",
    "attempts_per_window",
    "window_hours",
    "cooldown_minutes",
    "opens_at",
    "closes_at",
    "show_feedback",
)


def normalise_text(value: str | None) -> str:
    """Line breaks as `\\n`, no surrounding blanks: how every stored text reads."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def normalise_title(value: str | None) -> str:
    return " ".join((value or "").split())


# --- Settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizSettings:
    title: str
    questions_per_attempt: int = 10
    pass_mark: int = 70
    time_limit_s: int = 20 * 60
    attempts_per_window: int = 3
    window_hours: int = 24
    cooldown_minutes: int = 60
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    show_feedback: bool = True

    @classmethod
    def of(cls, quiz: Quiz) -> "QuizSettings":
        return cls(**{name: getattr(quiz, name) for name in SETTINGS_FIELDS})


def _range_error(value, low: int, high: int, unit: str = "") -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "A whole number."
    if not low <= value <= high:
        return f"Between {low:,} and {high:,}{unit}."
    return None


def settings_errors(settings: QuizSettings) -> dict[str, str]:
    """What is wrong with the settings, by field (empty when they can be saved)."""
    errors = {}
    title = normalise_title(settings.title)
    if not title:
        errors["title"] = "A title is required."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"At most {TITLE_MAX} characters."
    checks = {
        "questions_per_attempt": (settings.questions_per_attempt, 1, QUESTIONS_PER_ATTEMPT_MAX, ""),
        "pass_mark": (settings.pass_mark, 1, 100, " percent"),
        "time_limit_s": (settings.time_limit_s, 60, TIME_LIMIT_MINUTES_MAX * 60, " seconds"),
        "attempts_per_window": (settings.attempts_per_window, 1, ATTEMPTS_PER_WINDOW_MAX, ""),
        "window_hours": (settings.window_hours, 1, WINDOW_HOURS_MAX, " hours"),
        "cooldown_minutes": (settings.cooldown_minutes, 0, COOLDOWN_MINUTES_MAX, " minutes"),
    }
    for name, (value, low, high, unit) in checks.items():
        if message := _range_error(value, low, high, unit):
            errors[name] = message
    opens, closes = settings.opens_at, settings.closes_at
    for name, moment in (("opens_at", opens), ("closes_at", closes)):
        if moment is not None and moment.tzinfo is None:
            errors[name] = "A time with its time zone."
    both_valid = opens and closes and "opens_at" not in errors and "closes_at" not in errors
    if both_valid and closes <= opens:
        errors["closes_at"] = "The quiz must close after it opens."
    return errors


def _checked(settings: QuizSettings) -> QuizSettings:
    settings = replace(settings, title=normalise_title(settings.title))
    if errors := settings_errors(settings):
        raise DomainError("invalid_quiz", "Some settings are not valid.", fields=errors)
    return settings


def create_quiz(session: TrainingSession, settings: QuizSettings, *, actor) -> Quiz:
    """A new quiz for a training session, with an empty question bank.

    :raises DomainError: `invalid_quiz` with the fields at fault.
    """
    settings = _checked(settings)
    quiz = Quiz(session_id=session.id, **{n: getattr(settings, n) for n in SETTINGS_FIELDS})
    db.session.add(quiz)
    db.session.flush()
    record_change(
        "quiz.created",
        quiz,
        partner_id=None,
        actor=actor,
        after=snapshot(quiz, SETTINGS_FIELDS),
        summary=f"Quiz “{quiz.title}” for {session.title}",
    )
    return quiz


def update_quiz(quiz: Quiz, settings: QuizSettings, *, actor) -> bool:
    """Change a quiz's settings; False when nothing changed. Attempts already started keep
    their deadline; the new rules apply from the next attempt."""
    settings = _checked(settings)
    before = snapshot(quiz, SETTINGS_FIELDS)
    for name in SETTINGS_FIELDS:
        setattr(quiz, name, getattr(settings, name))
    after = snapshot(quiz, SETTINGS_FIELDS)
    if after == before:
        return False
    changed = [name for name in SETTINGS_FIELDS if before[name] != after[name]]
    record_change(
        "quiz.updated",
        quiz,
        partner_id=None,
        actor=actor,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        summary=f"Quiz “{quiz.title}” settings changed",
    )
    return True


# --- Questions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceInput:
    text: str
    correct: bool = False
    feedback: str = ""


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    text: str
    choices: tuple[ChoiceInput, ...] = field(default_factory=tuple)
    title: str = ""
    explanation: str = ""

    def normalised(self) -> "QuestionInput":
        return QuestionInput(
            kind=self.kind,
            text=normalise_text(self.text),
            title=normalise_title(self.title),
            explanation=normalise_text(self.explanation),
            choices=tuple(
                ChoiceInput(normalise_text(c.text), bool(c.correct), normalise_text(c.feedback))
                for c in self.choices
            ),
        )

    @classmethod
    def of(cls, question: Question) -> "QuestionInput":
        return cls(
            kind=question.kind,
            text=question.text,
            title=question.title,
            explanation=question.explanation,
            choices=tuple(ChoiceInput(c.text, c.correct, c.feedback) for c in question.choices),
        )


def question_errors(question: QuestionInput) -> dict[str, str]:
    """What is wrong with a question, by field path (`text`, `choices.2.text`...)."""
    q = question.normalised()
    errors = {}
    if q.kind not in ("single", "multiple"):
        errors["kind"] = "Single choice or multiple choice."
    if not q.text:
        errors["text"] = "The question needs a text."
    elif len(q.text) > TEXT_MAX:
        errors["text"] = f"At most {TEXT_MAX:,} characters."
    if len(q.title) > TITLE_MAX:
        errors["title"] = f"At most {TITLE_MAX} characters."
    if len(q.explanation) > EXPLANATION_MAX:
        errors["explanation"] = f"At most {EXPLANATION_MAX:,} characters."
    seen = set()
    for i, choice in enumerate(q.choices):
        if not choice.text:
            errors[f"choices.{i}.text"] = "A choice needs a text."
        elif len(choice.text) > CHOICE_TEXT_MAX:
            errors[f"choices.{i}.text"] = f"At most {CHOICE_TEXT_MAX:,} characters."
        elif choice.text.casefold() in seen:
            errors[f"choices.{i}.text"] = "Two choices say the same."
        seen.add(choice.text.casefold())
        if len(choice.feedback) > FEEDBACK_MAX:
            errors[f"choices.{i}.feedback"] = f"At most {FEEDBACK_MAX:,} characters."
    right = sum(1 for c in q.choices if c.correct)
    if len(q.choices) < CHOICES_MIN:
        errors["choices"] = f"At least {CHOICES_MIN} choices."
    elif len(q.choices) > CHOICES_MAX:
        errors["choices"] = f"At most {CHOICES_MAX} choices."
    elif q.kind == "single" and right != 1:
        errors["choices"] = (
            f"A single-choice question has exactly one right choice ({right} marked)."
        )
    elif q.kind == "multiple" and right < 1:
        errors["choices"] = "A multiple-choice question needs at least one right choice."
    return errors


def _checked_question(question: QuestionInput) -> QuestionInput:
    if errors := question_errors(question):
        raise DomainError("invalid_question", "The question is not valid.", fields=errors)
    return question.normalised()


def _question_row(quiz: Quiz, q: QuestionInput, position: int) -> Question:
    return Question(
        quiz_id=quiz.id,
        position=position,
        title=q.title,
        kind=q.kind,
        text=q.text,
        explanation=q.explanation,
        choices=[
            Choice(position=i, text=c.text, correct=c.correct, feedback=c.feedback)
            for i, c in enumerate(q.choices)
        ],
    )


def _next_position(quiz: Quiz) -> int:
    last = db.session.scalar(select(func.max(Question.position)).where(Question.quiz_id == quiz.id))
    return 0 if last is None else last + 1


def _question_audit(question: Question) -> dict:
    return {
        **snapshot(question, ("title", "kind", "text", "explanation", "archived")),
        "choices": [
            {"text": c.text, "correct": c.correct, "feedback": c.feedback} for c in question.choices
        ],
    }


def add_question(quiz: Quiz, question: QuestionInput, *, actor) -> Question:
    """:raises DomainError: `invalid_question` with the fields at fault."""
    q = _checked_question(question)
    row = _question_row(quiz, q, _next_position(quiz))
    db.session.add(row)
    db.session.flush()
    record_change(
        "quiz.question_added",
        row,
        partner_id=None,
        actor=actor,
        after=_question_audit(row),
        summary=f"Question added to “{quiz.title}”: {_short(q.text)}",
    )
    return row


def add_questions(quiz: Quiz, questions: list[QuestionInput], *, actor, source: str) -> int:
    """Append valid questions to the bank in one go (the GIFT import); one audit entry."""
    checked = [_checked_question(q) for q in questions]
    start = _next_position(quiz)
    rows = [_question_row(quiz, q, start + i) for i, q in enumerate(checked)]
    db.session.add_all(rows)
    db.session.flush()
    record_change(
        "quiz.questions_imported",
        quiz,
        partner_id=None,
        actor=actor,
        after={"questions": len(rows), "source": source},
        summary=f"{len(rows)} question(s) added to “{quiz.title}” from {source}",
    )
    return len(rows)


def was_drawn(question: Question) -> bool:
    """Whether any attempt drew the question (it must then stay as it was)."""
    return db.session.scalar(select(exists().where(AttemptQuestion.question_id == question.id)))


def update_question(question: Question, change: QuestionInput, *, actor) -> Question:
    """Edit a question. One already drawn is archived and the edit saved as a new question
    in its place, so that the attempts that drew it keep what they were shown.

    Returns the question as it now stands (the new one when a new one was made).
    :raises DomainError: `invalid_question`; `question_archived` for an archived one.
    """
    if question.archived:
        raise DomainError(
            "question_archived", "Restore the question before editing it.", status=409
        )
    q = _checked_question(change)
    before = _question_audit(question)
    if QuestionInput.of(question).normalised() == q:
        return question
    if was_drawn(question):
        question.archived = True
        row = _question_row(question.quiz, q, question.position)
        db.session.add(row)
        db.session.flush()
        record_change(
            "quiz.question_replaced",
            row,
            partner_id=None,
            actor=actor,
            before=before,
            after=_question_audit(row),
            summary=f"Question #{question.id} had been drawn: archived, and the edit saved "
            f"as question #{row.id}",
        )
        return row
    question.title, question.kind, question.text = q.title, q.kind, q.text
    question.explanation = q.explanation
    question.choices = [
        Choice(position=i, text=c.text, correct=c.correct, feedback=c.feedback)
        for i, c in enumerate(q.choices)
    ]
    db.session.flush()
    record_change(
        "quiz.question_updated",
        question,
        partner_id=None,
        actor=actor,
        before=before,
        after=_question_audit(question),
        summary=f"Question edited: {_short(q.text)}",
    )
    return question


def remove_question(question: Question, *, actor) -> str:
    """Take a question out of the bank: "deleted" if no attempt drew it, else "archived"."""
    before = _question_audit(question)
    if was_drawn(question):
        question.archived = True
        record_change(
            "quiz.question_archived",
            question,
            partner_id=None,
            actor=actor,
            before={"archived": False},
            after={"archived": True},
            summary=f"Question archived (attempts drew it): {_short(question.text)}",
        )
        return "archived"
    record_change(
        "quiz.question_deleted",
        question,
        partner_id=None,
        actor=actor,
        before=before,
        summary=f"Question deleted: {_short(question.text)}",
    )
    db.session.delete(question)
    db.session.flush()
    return "deleted"


def restore_question(question: Question, *, actor) -> None:
    """Put an archived question back into the bank (attempts may draw it again)."""
    if not question.archived:
        return
    question.archived = False
    record_change(
        "quiz.question_restored",
        question,
        partner_id=None,
        actor=actor,
        before={"archived": True},
        after={"archived": False},
        summary=f"Question restored: {_short(question.text)}",
    )


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Reading the bank ------------------------------------------------------------------------


def bank_query(quiz: Quiz, *, archived: bool = False):
    """The quiz's questions with their choices, in bank order."""
    return (
        select(Question)
        .where(Question.quiz_id == quiz.id, Question.archived.is_(archived))
        .options(selectinload(Question.choices))
        .order_by(Question.position, Question.id)
    )


def active_question_count(quiz: Quiz) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Question)
        .where(Question.quiz_id == quiz.id, Question.archived.is_(False))
    )


def active_count_column():
    """SQL: a quiz's number of questions attempts may draw (correlated to `Quiz`)."""
    return (
        select(func.count(Question.id))
        .where(Question.quiz_id == Quiz.id, Question.archived.is_(False))
        .correlate(Quiz)
        .scalar_subquery()
    )


# --- Who is offered which quiz ---------------------------------------------------------------


def agreement_product_ids(partner_id: int, *, required_only: bool = False):
    """SQL: ids of the products the partner's agreement in force lists (its technicians
    may certify on them); `required_only`: those it must support (a minimum above 0)."""
    stmt = (
        select(ProductMinimum.product_id)
        .join(Agreement, Agreement.id == ProductMinimum.agreement_id)
        .where(Agreement.partner_id == partner_id, Agreement.status == "in_force")
    )
    return stmt.where(ProductMinimum.minimum > 0) if required_only else stmt


def open_clause(now: datetime):
    """SQL: the quiz takes attempts at `now`."""
    return (
        or_(Quiz.opens_at.is_(None), Quiz.opens_at <= now),
        or_(Quiz.closes_at.is_(None), Quiz.closes_at > now),
    )


def is_open(quiz: Quiz, now: datetime) -> bool:
    return (quiz.opens_at is None or quiz.opens_at <= now) and (
        quiz.closes_at is None or quiz.closes_at > now
    )


def offered_clause(partner_id: int, now: datetime):
    """SQL: the quizzes a partner's technicians may take at `now`: open, with enough
    questions for an attempt, for a product of the partner's agreement."""
    release_of_quiz = (
        select(Release.product_id)
        .join(TrainingSession, TrainingSession.release_id == Release.id)
        .where(TrainingSession.id == Quiz.session_id)
        .correlate(Quiz)
        .scalar_subquery()
    )
    return (
        *open_clause(now),
        active_count_column() >= Quiz.questions_per_attempt,
        release_of_quiz.in_(agreement_product_ids(partner_id)),
    )


def quizzes_for(principal, now: datetime):
    """SQL select of the quizzes the principal may see listed: vendor staff all of them,
    partner users those offered to their partner."""
    stmt = select(Quiz)
    if not principal.is_vendor:
        stmt = stmt.where(*offered_clause(principal.partner_id, now))
    return stmt


def is_offered(quiz: Quiz, partner_id: int, now: datetime) -> bool:
    return (
        db.session.scalar(
            select(Quiz.id).where(Quiz.id == quiz.id, *offered_clause(partner_id, now))
        )
        is not None
    )


def is_listed_for(quiz: Quiz, partner_id: int) -> bool:
    """Whether the quiz is for a product of the partner's agreement (open or not)."""
    return (
        db.session.scalar(
            select(TrainingSession.id)
            .join(Release, Release.id == TrainingSession.release_id)
            .where(
                TrainingSession.id == quiz.session_id,
                Release.product_id.in_(agreement_product_ids(partner_id)),
            )
        )
        is not None
    )
