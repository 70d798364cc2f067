"""Who may start an attempt, and when: open dates, the bank, attempts per rolling window,
the cooldown after an attempt; each rule at its boundaries (the second before, the
second it changes)."""

from datetime import timedelta

import pytest

from certification import attempts
from certification.models import Attempt
from portal.errors import DomainError
from portal.extensions import db
from tests.certification.quiz_support import NOW, make_quiz, wrong_answers
from tests.factories import make_partner, make_user

SECOND = timedelta(seconds=1)


def _take(quiz, tech, at, *, submit_after=timedelta(minutes=5)):
    """Start at `at` and submit (wrong answers) `submit_after` later; the attempt."""
    attempt, started = attempts.start_attempt(quiz, tech, at)
    assert started
    attempts.submit_attempt(attempt, wrong_answers(attempt), principal=tech, now=at + submit_after)
    db.session.commit()
    return attempt


def _refused_at(quiz, tech, at) -> DomainError:
    with pytest.raises(DomainError) as refused:
        attempts.start_attempt(quiz, tech, at)
    db.session.rollback()
    return refused.value


def test_attempts_per_rolling_window(world):
    quiz = make_quiz(world, attempts_per_window=2, window_hours=24, cooldown_minutes=0)
    tech = world.user("acme_tech")
    _take(quiz, tech, NOW)
    _take(quiz, tech, NOW + timedelta(hours=1))
    standing = attempts.allowance(quiz, tech, NOW + timedelta(hours=2))
    assert (standing.used, standing.left) == (2, 0)
    assert standing.next_at == NOW + timedelta(hours=24)

    refused = _refused_at(quiz, tech, NOW + timedelta(hours=24) - SECOND)
    assert refused.code == "attempt_limit" and refused.status == 429
    assert isinstance(refused, attempts.AttemptLimit)
    assert refused.next_at == NOW + timedelta(hours=24)
    assert "2026-06-11 12:00 UTC" in refused.message
    assert db.session.scalar(db.select(db.func.count()).select_from(Attempt)) == 2

    # The first attempt leaves the window the second it is 24 hours old.
    _take(quiz, tech, NOW + timedelta(hours=24))
    # ...and the window is full again until the second one leaves it.
    refused = _refused_at(quiz, tech, NOW + timedelta(hours=25) - SECOND)
    assert refused.next_at == NOW + timedelta(hours=25)
    _take(quiz, tech, NOW + timedelta(hours=25))


def test_the_cooldown_runs_from_the_end_of_the_last_attempt(world):
    quiz = make_quiz(world, attempts_per_window=5, cooldown_minutes=60)
    tech = world.user("acme_tech")
    _take(quiz, tech, NOW, submit_after=timedelta(minutes=10))
    ended = NOW + timedelta(minutes=10)
    refused = _refused_at(quiz, tech, ended + timedelta(minutes=60) - SECOND)
    assert refused.code == "attempt_limit"
    assert refused.next_at == ended + timedelta(minutes=60)
    assert "wait 1 hour" in refused.message
    _take(quiz, tech, ended + timedelta(minutes=60))


def test_an_abandoned_attempt_ends_at_its_deadline_for_the_cooldown(world):
    quiz = make_quiz(world, cooldown_minutes=30, time_limit_s=600)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, NOW)
    db.session.commit()
    deadline = attempt.deadline
    # Not graded yet (no worker ran): the cooldown still counts from the deadline.
    assert attempts.allowance(
        quiz, tech, deadline + timedelta(minutes=1)
    ).next_at == deadline + timedelta(minutes=30)
    refused = _refused_at(quiz, tech, deadline + timedelta(minutes=30) - SECOND)
    assert refused.code == "attempt_limit"
    second, started = attempts.start_attempt(quiz, tech, deadline + timedelta(minutes=30))
    db.session.commit()
    assert started and second.id != attempt.id
    # Starting graded the abandoned one first, on its (empty) saved answers.
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.graded_by == "deadline" and attempt.score == 0


def test_configuration_can_shorten_every_cooldown(app, world):
    quiz = make_quiz(world, cooldown_minutes=60)
    tech = world.user("acme_tech")
    app.config["QUIZ_COOLDOWN_OVERRIDE_S"] = 2
    try:
        _take(quiz, tech, NOW, submit_after=timedelta(minutes=1))
        ended = NOW + timedelta(minutes=1)
        assert _refused_at(quiz, tech, ended + SECOND).code == "attempt_limit"
        _take(quiz, tech, ended + 2 * SECOND)
    finally:
        app.config["QUIZ_COOLDOWN_OVERRIDE_S"] = None


def test_the_later_of_both_rules_decides(world):
    quiz = make_quiz(world, attempts_per_window=1, window_hours=1, cooldown_minutes=120)
    tech = world.user("acme_tech")
    _take(quiz, tech, NOW, submit_after=timedelta(minutes=5))
    refused = _refused_at(quiz, tech, NOW + timedelta(hours=1))
    assert refused.next_at == NOW + timedelta(minutes=125)


def test_attempts_count_per_technician(world):
    quiz = make_quiz(world, attempts_per_window=1)
    _take(quiz, world.user("acme_tech"), NOW)
    colleague = make_user("technician", world.acme)
    db.session.commit()
    _take(quiz, colleague, NOW + SECOND)


@pytest.mark.parametrize(
    ("opens", "closes", "at", "allowed"),
    [
        (NOW, None, NOW - SECOND, False),
        (NOW, None, NOW, True),
        (None, NOW, NOW - SECOND, True),
        (None, NOW, NOW, False),
    ],
)
def test_the_quiz_takes_attempts_only_while_open(world, opens, closes, at, allowed):
    quiz = make_quiz(world, opens_at=opens, closes_at=closes)
    tech = world.user("acme_tech")
    if allowed:
        assert attempts.start_attempt(quiz, tech, at)[1]
    else:
        refused = _refused_at(quiz, tech, at)
        assert refused.code == "quiz_closed" and refused.status == 422


def test_a_bank_smaller_than_an_attempt_is_not_ready(world):
    quiz = make_quiz(world, questions=3, per_attempt=4)
    refused = _refused_at(quiz, world.user("acme_tech"), NOW)
    assert refused.code == "quiz_not_ready"


def test_archived_questions_are_not_drawn_nor_counted(world):
    from certification import quizzes
    from certification.models import Question

    quiz = make_quiz(world, questions=5, per_attempt=4)
    tech = world.user("acme_tech")
    first = _take(quiz, tech, NOW)
    drawn = {r.question_id for r in first.questions}
    for question in db.session.scalars(db.select(Question).where(Question.id.in_(drawn))):
        quizzes.remove_question(question, actor=world.user("vendor_admin"))
    db.session.commit()
    assert _refused_at(quiz, tech, NOW + timedelta(hours=1)).code == "quiz_not_ready"


@pytest.mark.parametrize("who", ["acme_admin", "vendor_admin", "left technician"])
def test_only_an_active_technician_starts(world, who):
    quiz = make_quiz(world)
    if who == "left technician":
        user = world.user("acme_tech")
        user.status = "left"
        db.session.commit()
    else:
        user = world.user(who)
    refused = _refused_at(quiz, user, NOW)
    assert refused.code == "not_a_technician" and refused.status == 403


def test_a_technician_of_a_partner_without_the_product_is_refused(world):
    quiz = make_quiz(world)
    outsider = make_user("technician", make_partner("initech"))
    db.session.commit()
    refused = _refused_at(quiz, outsider, NOW)
    assert refused.status == 404
