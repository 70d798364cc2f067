"""Authoring a quiz: its settings and its question bank, through the services and pages.

Questions drawn by attempts are never changed under those attempts: removing one
archives it, editing one archives it and adds the edited version.
"""

import re

import pytest
from sqlalchemy import select

from certification import attempts, quizzes
from certification.models import Choice, Question, Quiz
from certification.quizzes import ChoiceInput, QuestionInput, QuizSettings, question_errors
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from tests.certification.quiz_support import NOW, make_quiz, question_input
from tests.certification.training_support import make_session
from tests.factories import signed_in
from tests.support import row_counts


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _q(kind="single", right=(0,), n=3, **overrides) -> QuestionInput:
    values = {
        "kind": kind,
        "text": "Which?",
        "choices": tuple(ChoiceInput(f"c{i}", i in right) for i in range(n)),
    }
    values.update(overrides)
    return QuestionInput(**values)


@pytest.mark.parametrize(
    ("question", "field", "message"),
    [
        (_q(right=(0, 1)), "choices", "exactly one right choice (2 marked)"),
        (_q(right=()), "choices", "exactly one right choice (0 marked)"),
        (_q(kind="multiple", right=()), "choices", "at least one right choice"),
        (_q(n=1), "choices", "At least 2 choices"),
        (_q(n=13), "choices", "At most 12 choices"),
        (_q(text="   "), "text", "needs a text"),
        (_q(kind="true_false"), "kind", "Single choice or multiple choice"),
        (
            _q(choices=(ChoiceInput("Same", True), ChoiceInput(" same ", False))),
            "choices.1.text",
            "say the same",
        ),
        (
            _q(choices=(ChoiceInput("a", True), ChoiceInput("", False))),
            "choices.1.text",
            "needs a text",
        ),
        (_q(title="x" * 201), "title", "At most 200"),
    ],
)
def test_a_question_is_checked(question, field, message):
    errors = question_errors(question)
    assert message in errors.get(field, ""), errors


def test_valid_questions_pass():
    assert question_errors(_q()) == {}
    assert question_errors(_q(kind="multiple", right=(0, 2))) == {}
    assert question_errors(_q(kind="multiple", right=(0, 1, 2))) == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"questions_per_attempt": 0}, "questions_per_attempt"),
        ({"pass_mark": 101}, "pass_mark"),
        ({"time_limit_s": 59}, "time_limit_s"),
        ({"attempts_per_window": 0}, "attempts_per_window"),
        ({"cooldown_minutes": -1}, "cooldown_minutes"),
        ({"title": "  "}, "title"),
        ({"opens_at": NOW, "closes_at": NOW}, "closes_at"),
        ({"opens_at": NOW.replace(tzinfo=None)}, "opens_at"),
    ],
)
def test_quiz_settings_are_checked_and_nothing_is_saved(world, change, field):
    session = make_session(world.product.releases[0], world.user("vendor_admin"))
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        quizzes.create_quiz(
            session, QuizSettings(**{"title": "Quiz", **change}), actor=world.user("vendor_admin")
        )
    assert field in refused.value.fields
    db.session.rollback()
    assert row_counts() == before


def test_settings_changes_are_audited_with_what_changed(world):
    quiz = make_quiz(world)
    admin = world.user("vendor_admin")
    settings = QuizSettings.of(quiz)
    assert not quizzes.update_quiz(quiz, settings, actor=admin)
    from dataclasses import replace

    assert quizzes.update_quiz(quiz, replace(settings, pass_mark=80), actor=admin)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quiz.updated"))
    assert entry.before == {"pass_mark": 70} and entry.after == {"pass_mark": 80}


def _drawn_question(world, quiz) -> Question:
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, NOW)
    db.session.commit()
    return db.session.get(Question, attempt.questions[0].question_id)


def test_editing_an_undrawn_question_changes_it_in_place(world):
    quiz = make_quiz(world, questions=2, per_attempt=1)
    question = quiz.questions[0]
    edited = quizzes.update_question(
        question, question_input(9, "multiple"), actor=world.user("vendor_admin")
    )
    db.session.commit()
    assert edited.id == question.id and edited.kind == "multiple"
    assert [c.text for c in edited.choices] == [f"Option 9.{i}" for i in range(4)]
    assert db.session.scalar(select(db.func.count()).select_from(Question)) == 2


def test_editing_a_drawn_question_keeps_it_for_the_attempt_and_adds_the_new_version(world):
    quiz = make_quiz(world, questions=4, per_attempt=4)
    question = _drawn_question(world, quiz)
    choice_ids = [c.id for c in question.choices]
    edited = quizzes.update_question(
        question, question_input(42, "single"), actor=world.user("vendor_admin")
    )
    db.session.commit()
    assert edited.id != question.id and edited.position == question.position
    db.session.expire_all()
    old = db.session.get(Question, question.id)
    assert old.archived and [c.id for c in old.choices] == choice_ids
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "quiz.question_replaced")
    )
    assert entry.object_type == "Question" and entry.object_id == edited.id


def test_removing_deletes_an_undrawn_question_and_archives_a_drawn_one(world):
    quiz = make_quiz(world, questions=5, per_attempt=4)
    admin = world.user("vendor_admin")
    drawn = _drawn_question(world, quiz)
    undrawn = next(
        q
        for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz.id))
        if not quizzes.was_drawn(q)
    )
    undrawn_id = undrawn.id
    assert quizzes.remove_question(undrawn, actor=admin) == "deleted"
    assert quizzes.remove_question(drawn, actor=admin) == "archived"
    db.session.commit()
    assert db.session.get(Question, undrawn_id) is None
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(Choice).where(Choice.question_id == undrawn_id)
        )
        == 0
    )
    assert db.session.get(Question, drawn.id).archived
    quizzes.restore_question(drawn, actor=admin)
    db.session.commit()
    assert not db.session.get(Question, drawn.id).archived
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"quiz.question_deleted", "quiz.question_archived", "quiz.question_restored"} <= actions


# --- The pages -------------------------------------------------------------------------------


def test_the_vendor_admin_creates_a_quiz_and_fills_its_bank_through_the_pages(app, world):
    admin = world.user("vendor_admin")
    session = make_session(world.product.releases[0], admin)
    client = signed_in(app, admin)
    page = client.get(f"/training/{session.id}/quizzes/new").get_data(as_text=True)
    form = {
        "csrf_token": _csrf(page),
        "title": "Orbit 4.0 quiz",
        "questions_per_attempt": "2",
        "pass_mark": "70",
        "time_limit_minutes": "15",
        "attempts_per_window": "3",
        "window_hours": "24",
        "cooldown_minutes": "60",
        "opens_at": "2026-07-01T09:00",
        "closes_at": "2026-06-01T09:00",
        "show_feedback": "y",
    }
    refused = client.post(f"/training/{session.id}/quizzes/new", data=form)
    assert refused.status_code == 400
    assert "The quiz must close after it opens." in refused.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Quiz)) == 0
    created = client.post(f"/training/{session.id}/quizzes/new", data={**form, "closes_at": ""})
    assert created.status_code == 302
    quiz = db.session.scalar(select(Quiz))
    assert quiz.time_limit_s == 900 and quiz.opens_at.isoformat() == "2026-07-01T09:00:00+00:00"

    page = client.get(f"/quizzes/{quiz.id}/questions/new").get_data(as_text=True)
    question = {
        "csrf_token": _csrf(page),
        "kind": "single",
        "text": "Which port does the gateway listen on?",
        "choices-0-text": "443",
        "choices-0-correct": "y",
        "choices-1-text": "8443",
        "choices-1-correct": "y",
        "choices-2-text": "",
        "explanation": "The gateway listens on 443.",
    }
    refused = client.post(f"/quizzes/{quiz.id}/questions/new", data=question)
    assert refused.status_code == 400
    assert "exactly one right choice (2 marked)" in refused.get_data(as_text=True)
    del question["choices-1-correct"]
    assert client.post(f"/quizzes/{quiz.id}/questions/new", data=question).status_code == 302
    saved = db.session.scalar(select(Question))
    assert [(c.text, c.correct) for c in saved.choices] == [("443", True), ("8443", False)]

    bank = client.get(f"/quizzes/{quiz.id}/questions").get_data(as_text=True)
    assert "Which port does the gateway listen on?" in bank and "Not ready" in bank

    edit = client.get(f"/questions/{saved.id}/edit").get_data(as_text=True)
    assert "443</textarea>" in edit and "The gateway listens on 443." in edit
    remove = client.post(f"/questions/{saved.id}/remove", data={"csrf_token": _csrf(bank)})
    assert remove.status_code == 200 and "Delete the question" in remove.get_data(as_text=True)
    assert db.session.get(Question, saved.id) is not None
    saved_id = saved.id
    removed = client.post(
        f"/questions/{saved_id}/remove", data={"csrf_token": _csrf(bank), "confirmed": "yes"}
    )
    assert removed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, saved_id) is None


def test_the_question_form_keeps_more_choices_than_it_first_shows(app, world):
    quiz = make_quiz(world, questions=0)
    client = signed_in(app, world.user("vendor_admin"))
    page = client.get(f"/quizzes/{quiz.id}/questions/new").get_data(as_text=True)
    assert page.count('data-testid="choice-row"') == 5
    data = {"csrf_token": _csrf(page), "kind": "multiple", "text": "Pick the primes"}
    for i, number in enumerate([2, 3, 4, 5, 6, 7, 8]):
        data[f"choices-{i}-text"] = str(number)
        if number in (2, 3, 5, 7):
            data[f"choices-{i}-correct"] = "y"
    assert client.post(f"/quizzes/{quiz.id}/questions/new", data=data).status_code == 302
    question = db.session.scalar(select(Question))
    assert len(question.choices) == 7
    edit = client.get(f"/questions/{question.id}/edit").get_data(as_text=True)
    assert edit.count('data-testid="choice-row"') == 9


def test_the_bank_says_which_questions_attempts_drew(app, world):
    quiz = make_quiz(world, questions=5, per_attempt=4)
    _drawn_question(world, quiz)
    page = signed_in(app, world.user("vendor_admin")).get(f"/quizzes/{quiz.id}/questions")
    assert page.get_data(as_text=True).count("drawn by attempts</span>") == 4
    assert page.status_code == 200
