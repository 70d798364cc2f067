"""Quizzes for tests, built through the real services.

Every explanation and every choice's feedback carries a marker (`SECRET_MARK`) so that a
test can look for correctness data in a page or a JSON body; right choices say "right"
in no way a page could show (their text is the same shape as the wrong ones').
"""

from datetime import UTC, datetime, timedelta

from certification import quizzes
from certification.models import Choice, Question, Quiz
from certification.quizzes import ChoiceInput, QuestionInput, QuizSettings
from portal.extensions import db
from tests.certification.training_support import make_session

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
SECRET_MARK = "ZQXJ"


def question_input(n: int, kind: str = "single") -> QuestionInput:
    """Question n: four choices, the first right (two right ones for multiple choice)."""
    right = {0} if kind == "single" else {0, 2}
    return QuestionInput(
        kind=kind,
        title=f"Q{n}",
        text=f"Question number {n}: which option applies?",
        explanation=f"{SECRET_MARK}-explanation-{n}",
        choices=tuple(
            ChoiceInput(f"Option {n}.{i}", i in right, f"{SECRET_MARK}-feedback-{n}.{i}")
            for i in range(4)
        ),
    )


def make_quiz(
    world, *, questions: int = 6, per_attempt: int = 4, release=None, commit=True, **settings
) -> Quiz:
    """A quiz of a session for the world's product, its bank of `questions` questions
    (odd ones multiple choice), open now, without cooldown unless told."""
    admin = world.user("vendor_admin")
    release = release or world.product.releases[0]
    session = make_session(release, admin, starts_at=NOW - timedelta(days=7))
    values = {
        "title": f"Quiz of {session.title}",
        "questions_per_attempt": per_attempt,
        "pass_mark": 70,
        "time_limit_s": 15 * 60,
        "attempts_per_window": 3,
        "window_hours": 24,
        "cooldown_minutes": 0,
    }
    values.update(settings)
    quiz = quizzes.create_quiz(session, QuizSettings(**values), actor=admin)
    for n in range(1, questions + 1):
        quizzes.add_question(
            quiz, question_input(n, "multiple" if n % 2 else "single"), actor=admin
        )
    if commit:
        db.session.commit()
    return quiz


def right_answers(attempt) -> dict[int, list[int]]:
    """The right choice ids of each drawn question (read from the bank, as a grader would)."""
    ids = [row.question_id for row in attempt.questions]
    answers = {question_id: [] for question_id in ids}
    for choice in db.session.scalars(
        db.select(Choice).where(Choice.question_id.in_(ids), Choice.correct.is_(True))
    ):
        answers[choice.question_id].append(choice.id)
    return answers


def wrong_answers(attempt) -> dict[int, list[int]]:
    """A wrong choice for each drawn question."""
    ids = [row.question_id for row in attempt.questions]
    answers = {}
    for question in db.session.scalars(db.select(Question).where(Question.id.in_(ids))):
        answers[question.id] = [next(c.id for c in question.choices if not c.correct)]
    return answers


def answers_right(attempt, how_many: int) -> dict[int, list[int]]:
    """Right answers to the first `how_many` drawn questions, wrong ones to the rest."""
    right, wrong = right_answers(attempt), wrong_answers(attempt)
    rows = sorted(attempt.questions, key=lambda r: r.position)
    return {
        row.question_id: (right if i < how_many else wrong)[row.question_id]
        for i, row in enumerate(rows)
    }
