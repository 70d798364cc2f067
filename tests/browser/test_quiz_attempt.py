"""quiz.js in headless Chromium: each answer is saved as it is chosen (a reload shows it),
the countdown runs from the server's seconds, and the page submits itself when the time
is up. The page's CSP is the app's strict one: the script is a static file."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from certification import attempts
from certification.models import Attempt, AttemptQuestion
from portal.extensions import db
from portal.models.base import utcnow
from tests.browser.conftest import sign_in
from tests.certification.quiz_support import make_quiz

pytestmark = pytest.mark.browser


def _saved(attempt_id: int) -> dict[int, str]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(AttemptQuestion.question_id, AttemptQuestion.selected).where(
                AttemptQuestion.attempt_id == attempt_id
            )
        ).all()
    )


def test_answers_are_saved_as_chosen_and_a_reload_shows_them(world, live_server, page):
    quiz = make_quiz(world, questions=4, per_attempt=4)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
    db.session.commit()
    attempt_id = attempt.id
    sign_in(page, live_server, tech)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/attempts/{attempt_id}")
    first = page.locator("fieldset[data-question]").first
    question_id = int(first.get_attribute("data-question"))
    choice = first.locator("input").nth(1)
    choice.check()
    first.locator("[data-save-state]", has_text="Saved").wait_for()
    assert _saved(attempt_id)[question_id] == choice.get_attribute("value")

    page.reload()
    assert page.locator(f"#{choice.get_attribute('id')}").is_checked()
    countdown = page.locator("[data-countdown]").inner_text()
    minutes, seconds = (int(part) for part in countdown.split(":"))
    assert 13 * 60 < minutes * 60 + seconds <= 15 * 60
    assert not errors, errors


def test_the_page_submits_itself_when_the_time_is_up(world, live_server, page):
    quiz = make_quiz(world, questions=4, per_attempt=4, time_limit_s=60)
    tech = world.user("acme_tech")
    # Started 57 seconds ago: three seconds left.
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow() - timedelta(seconds=57))
    db.session.commit()
    attempt_id = attempt.id
    sign_in(page, live_server, tech)
    page.goto(f"{live_server}/attempts/{attempt_id}")
    page.locator("fieldset[data-question] input").first.check()
    page.wait_for_url(f"**/attempts/{attempt_id}/result", timeout=15_000)
    assert page.locator("[data-testid=result]").is_visible()
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt_id)
    assert graded.graded_by == "submission" and graded.graded_at is not None
