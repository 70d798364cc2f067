"""Taking a quiz through the services: drawing, saving, submitting, grading, deadlines.

"Now" is passed in; nothing waits on the clock.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from certification import attempts
from certification.models import Attempt, AttemptQuestion, Certification, Question
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from tests.certification.quiz_support import (
    NOW,
    answers_right,
    make_quiz,
    right_answers,
    wrong_answers,
)


@pytest.fixture
def quiz(world):
    return make_quiz(world, questions=6, per_attempt=4)


def _start(quiz, user, now=NOW):
    attempt, started = attempts.start_attempt(quiz, user, now)
    db.session.commit()
    return attempt, started


def test_starting_draws_distinct_questions_and_freezes_their_choice_order(world, quiz):
    tech = world.user("acme_tech")
    attempt, started = _start(quiz, tech)
    assert started
    rows = sorted(attempt.questions, key=lambda r: r.position)
    assert [r.position for r in rows] == [0, 1, 2, 3]
    assert len({r.question_id for r in rows}) == 4
    bank = {
        q.id: q for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz.id))
    }
    for row in rows:
        shown = [int(i) for i in row.choice_order.split(",")]
        assert sorted(shown) == sorted(c.id for c in bank[row.question_id].choices)
        assert row.selected == "" and row.correct is None
    assert attempt.deadline == NOW + timedelta(seconds=quiz.time_limit_s)
    assert attempt.partner_id == world.acme.id

    # The sheet shows the frozen order, whatever the bank's order now is.
    frozen = {r.question_id: r.choice_order for r in rows}
    for question in bank.values():
        for choice in question.choices:
            choice.position = 10 - choice.position
    db.session.commit()
    sheet = attempts.sheet_of(attempt)
    assert [q.id for q in sheet] == [r.question_id for r in rows]
    for q in sheet:
        assert ",".join(str(c.id) for c in q.choices) == frozen[q.id]


def test_the_draw_and_the_order_vary_between_attempts(world):
    quiz = make_quiz(world, questions=12, per_attempt=6, attempts_per_window=30)
    tech = world.user("acme_tech")
    draws, orders = set(), set()
    for i in range(8):
        attempt, _ = _start(quiz, tech, NOW + timedelta(hours=i))
        draws.add(tuple(sorted(r.question_id for r in attempt.questions)))
        orders.add(tuple(r.choice_order for r in attempt.questions))
        attempts.submit_attempt(attempt, {}, principal=tech, now=NOW + timedelta(hours=i))
        db.session.commit()
    assert len(draws) > 1 and len(orders) > 1


def test_an_open_attempt_is_given_back_rather_than_a_second_one(world, quiz):
    tech = world.user("acme_tech")
    first, _ = _start(quiz, tech)
    again, started = _start(quiz, tech, NOW + timedelta(minutes=5))
    assert again.id == first.id and not started
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1


def test_saved_answers_are_kept_and_a_reload_shows_them(world, quiz):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    chosen = wrong_answers(attempt)
    first = next(iter(chosen))
    attempts.save_answers(attempt, {first: chosen[first]}, principal=tech, now=NOW)
    db.session.commit()
    db.session.expire_all()
    sheet = {q.id: q for q in attempts.sheet_of(db.session.get(Attempt, attempt.id))}
    assert sheet[first].selected == frozenset(chosen[first])
    assert all(not q.selected for qid, q in sheet.items() if qid != first)
    # An empty list clears the answer.
    attempts.save_answers(attempt, {first: []}, principal=tech, now=NOW)
    db.session.commit()
    assert not {q.id: q for q in attempts.sheet_of(attempt)}[first].selected


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("another question", "Not a question of this attempt."),
        ("a choice of another question", "Not a choice of this question."),
        ("two choices on a single-choice question", "One choice at most"),
        ("the same choice twice", "A choice is given twice."),
        ("not a list", "A list of choice ids."),
    ],
)
def test_an_answer_must_be_choices_of_the_drawn_question(world, quiz, answer, message):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    rows = {r.question_id: r for r in attempt.questions}
    single = next(
        r.question_id
        for r in attempt.questions
        if db.session.get(Question, r.question_id).kind == "single"
    )
    ids = [int(i) for i in rows[single].choice_order.split(",")]
    other = next(q for q in rows if q != single)
    not_drawn = db.session.scalar(
        select(Question.id).where(Question.quiz_id == quiz.id, Question.id.not_in(list(rows)))
    )
    answers = {
        "another question": {not_drawn: []},
        "a choice of another question": {single: [int(rows[other].choice_order.split(",")[0])]},
        "two choices on a single-choice question": {single: ids[:2]},
        "the same choice twice": {single: [ids[0], ids[0]]},
        "not a list": {single: "12"},
    }[answer]
    with pytest.raises(DomainError) as refused:
        attempts.save_answers(attempt, answers, principal=tech, now=NOW)
    assert refused.value.code == "invalid_answer"
    assert message in " ".join(refused.value.fields.values())
    db.session.rollback()
    assert all(r.selected == "" for r in db.session.get(Attempt, attempt.id).questions)


def test_only_the_owner_saves_or_submits(world, quiz):
    attempt, _ = _start(quiz, world.user("acme_tech"))
    colleague = world.user("acme_admin")
    for act in (
        lambda: attempts.save_answers(attempt, {}, principal=colleague, now=NOW),
        lambda: attempts.submit_attempt(attempt, {}, principal=colleague, now=NOW),
    ):
        with pytest.raises(DomainError) as refused:
            act()
        assert refused.value.status == 404


def test_grading_is_all_or_nothing_per_question_and_the_score_rounds_down(world):
    quiz = make_quiz(world, questions=6, per_attempt=3, pass_mark=67)
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    answers = answers_right(attempt, 2)
    # A multiple-choice question answered with only one of its right choices is wrong.
    multiple = [
        r for r in attempt.questions if db.session.get(Question, r.question_id).kind == "multiple"
    ]
    grade = attempts.submit_attempt(
        attempt, answers, principal=tech, now=NOW + timedelta(minutes=3)
    )
    db.session.commit()
    assert grade.score == 66 and not grade.passed  # 2/3 = 66.7% rounds down, below 67
    assert attempt.graded_by == "submission" and attempt.graded_at == NOW + timedelta(minutes=3)
    assert sorted(r.correct for r in attempt.questions) == [False, True, True]
    assert grade.certification is None
    assert multiple is not None


def test_a_partial_multiple_choice_answer_is_wrong(world):
    quiz = make_quiz(world, questions=2, per_attempt=2)
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    answers = right_answers(attempt)
    multiple = next(
        r.question_id
        for r in attempt.questions
        if db.session.get(Question, r.question_id).kind == "multiple"
    )
    answers[multiple] = answers[multiple][:1]
    grade = attempts.submit_attempt(attempt, answers, principal=tech, now=NOW)
    assert grade.score == 50
    rows = {r.question_id: r.correct for r in attempt.questions}
    assert rows[multiple] is False


def test_a_pass_issues_a_certification_and_the_grading_is_audited(world, quiz):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    grade = attempts.submit_attempt(attempt, right_answers(attempt), principal=tech, now=NOW)
    db.session.commit()
    assert grade.score == 100 and grade.passed
    certification = db.session.scalar(
        select(Certification).where(Certification.attempt_id == attempt.id)
    )
    assert certification is not None and grade.certification.id == certification.id
    assert certification.user_id == tech.id and certification.issued_on == NOW.date()
    assert certification.release_id == quiz.session.release_id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quiz_attempt.graded"))
    assert entry.partner_id == world.acme.id and entry.actor_id == tech.id
    assert entry.after["score"] == 100 and entry.after["graded_by"] == "submission"


def test_a_second_submission_is_refused_and_changes_nothing(world, quiz):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    attempts.submit_attempt(attempt, wrong_answers(attempt), principal=tech, now=NOW)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        attempts.submit_attempt(attempt, right_answers(attempt), principal=tech, now=NOW)
    assert refused.value.code == "already_submitted" and refused.value.status == 409
    db.session.rollback()
    with pytest.raises(DomainError) as refused:
        attempts.save_answers(attempt, right_answers(attempt), principal=tech, now=NOW)
    assert refused.value.code == "already_submitted"
    db.session.rollback()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.score == 0 and attempt.passed is False
    assert db.session.scalar(select(db.func.count()).select_from(Certification)) == 0


def test_late_answers_and_submissions_are_refused_after_the_grace(world, quiz):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    deadline = attempt.deadline
    grace = timedelta(seconds=30)
    some = wrong_answers(attempt)
    # Within the grace, the answer is still taken.
    attempts.save_answers(attempt, some, principal=tech, now=deadline + grace)
    db.session.commit()
    late = deadline + grace + timedelta(seconds=1)
    for act in (
        lambda: attempts.save_answers(attempt, right_answers(attempt), principal=tech, now=late),
        lambda: attempts.submit_attempt(attempt, right_answers(attempt), principal=tech, now=late),
    ):
        with pytest.raises(DomainError) as refused:
            act()
        assert refused.value.code == "deadline_passed" and refused.value.status == 422
        db.session.rollback()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.graded_at is None
    assert {
        r.question_id: [int(i) for i in r.selected.split(",")] for r in attempt.questions
    } == some


def test_a_submission_on_the_last_second_of_the_grace_is_graded(world, quiz):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    grade = attempts.submit_attempt(
        attempt,
        right_answers(attempt),
        principal=tech,
        now=attempt.deadline + timedelta(seconds=30),
    )
    assert grade.passed


def test_the_grace_comes_from_configuration(app, world, quiz):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    app.config["QUIZ_GRACE_SECONDS"] = 5
    try:
        with pytest.raises(DomainError):
            attempts.submit_attempt(
                attempt, {}, principal=tech, now=attempt.deadline + timedelta(seconds=6)
            )
    finally:
        app.config["QUIZ_GRACE_SECONDS"] = 30


def test_an_abandoned_attempt_is_graded_at_its_deadline_on_its_saved_answers(world, quiz):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    attempts.save_answers(attempt, answers_right(attempt, 3), principal=tech, now=NOW)
    db.session.commit()
    after_grace = attempt.deadline + timedelta(seconds=30)
    assert attempts.grade_overdue_attempts(after_grace) == 0  # not yet: the grace runs
    db.session.commit()
    assert attempts.grade_overdue_attempts(after_grace + timedelta(seconds=1)) == 1
    db.session.commit()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.graded_by == "deadline" and attempt.score == 75 and attempt.passed
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quiz_attempt.graded"))
    assert entry.actor_id is None and entry.actor_label == "system"
    certification = db.session.scalar(
        select(Certification).where(Certification.attempt_id == attempt.id)
    )
    assert certification.issued_on == attempt.deadline.date()
    # Idempotent: a second run (or a second worker) finds nothing to do.
    assert attempts.grade_overdue_attempts(after_grace + timedelta(hours=1)) == 0


def test_the_periodic_check_is_registered_with_the_worker():
    from portal import periodic

    assert (
        periodic.registered()["certification.grade_overdue_attempts"]
        is attempts.grade_overdue_attempts
    )


def test_a_passed_attempt_of_a_technician_who_left_earns_no_certification(world, quiz):
    tech = world.user("acme_tech")
    attempt, _ = _start(quiz, tech)
    attempts.save_answers(attempt, right_answers(attempt), principal=tech, now=NOW)
    tech.status = "left"
    db.session.commit()
    assert attempts.grade_overdue_attempts(attempt.deadline + timedelta(minutes=5)) == 1
    db.session.commit()
    assert db.session.get(Attempt, attempt.id).passed
    assert db.session.scalar(select(db.func.count()).select_from(Certification)) == 0


def test_the_drawn_rows_belong_to_their_attempt_only(world, quiz):
    first, _ = _start(quiz, world.user("acme_tech"))
    second, _ = _start(quiz, world.user("globex_tech"))
    assert {r.attempt_id for r in first.questions} == {first.id}
    count = db.session.scalar(select(db.func.count()).select_from(AttemptQuestion))
    assert count == 2 * quiz.questions_per_attempt
    assert second.partner_id == world.globex.id
