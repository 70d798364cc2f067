"""Taking a quiz through the pages: the quiz page, starting (confirmed), the attempt page
(answers saved as chosen, by script or by the form), submitting, the result; late
submissions; who may see which attempt."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from certification import attempts
from certification.models import Attempt
from portal.extensions import db
from portal.models.base import utcnow
from tests.certification.quiz_support import (
    SECRET_MARK,
    answers_right,
    make_quiz,
    right_answers,
    wrong_answers,
)
from tests.factories import make_user, signed_in
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _csrf(page: str) -> str:
    return CSRF.search(page).group(1)


def _form(answers: dict) -> dict:
    return {f"q-{q}": [str(c) for c in choices] for q, choices in answers.items()}


@pytest.fixture
def quiz(world):
    return make_quiz(world, questions=6, per_attempt=4)


def _start_by_page(client, quiz) -> int:
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    token = _csrf(page)
    asked = client.post(f"/quizzes/{quiz.id}/attempts", data={"csrf_token": token})
    assert asked.status_code == 200 and 'data-testid="confirm-page"' in asked.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 0
    started = client.post(
        f"/quizzes/{quiz.id}/attempts", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert started.status_code == 302
    return int(started.headers["Location"].rsplit("/", 1)[1])


def test_the_technician_reads_the_rules_and_where_they_stand(app, world, quiz):
    client = signed_in(app, world.user("acme_tech"))
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert 'data-testid="quiz-rules"' in page and "4 drawn at random" in page
    assert "<strong>0</strong> of 3 used" in page and "<strong>3</strong> left" in page
    assert 'data-confirm-question="Start' in page and "Start the quiz" in page
    assert "Question bank" not in page  # authoring is the vendor admin's


def test_the_whole_flow_start_save_reload_submit_fail(app, world, quiz):
    tech = world.user("acme_tech")
    client = signed_in(app, tech)
    attempt_id = _start_by_page(client, quiz)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    attempt = db.session.get(Attempt, attempt_id)
    assert f'data-remaining="{quiz.time_limit_s}"' in page or 'data-remaining="899"' in page
    assert f'data-deadline="{attempt.deadline:%Y-%m-%dT%H:%M:%SZ}"' in page
    assert "Submit answers" in page and "Save answers" in page
    assert "/static/js/quiz.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "no inline script"
    assert not re.search(r"\sstyle=", page) and not re.search(r"\son[a-z]+=", page)
    for row in attempt.questions:
        assert f'name="q-{row.question_id}"' in page

    # Saved as chosen (quiz.js's JSON, with the CSRF token in a header)...
    chosen = wrong_answers(attempt)
    first, second = list(chosen)[:2]
    saved = client.post(
        f"/attempts/{attempt_id}/answers",
        json={"question_id": first, "choice_ids": chosen[first]},
        headers={"X-CSRFToken": _csrf(page)},
    )
    assert saved.status_code == 200 and saved.get_json() == {"saved": True}
    # ... or with the whole form, without script.
    form = {**_form({first: chosen[first], second: chosen[second]}), "csrf_token": _csrf(page)}
    assert client.post(f"/attempts/{attempt_id}/answers", data=form).status_code == 302

    reloaded = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    for question in (first, second):
        (choice,) = chosen[question]
        assert re.search(rf'id="q-{question}-c-{choice}" value="{choice}" checked', reloaded)
    assert reloaded.count(" checked") == 2

    done = client.post(
        f"/attempts/{attempt_id}/submit", data={**_form(chosen), "csrf_token": _csrf(reloaded)}
    )
    assert done.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'data-verdict="failed"' in result and 'data-testid="score">0%' in result
    assert result.count('data-testid="wrong-question"') == 4
    assert f"{SECRET_MARK}-explanation-" in result  # explanations, after grading
    # A graded attempt's page sends to its result; answers are no longer taken.
    assert client.get(f"/attempts/{attempt_id}").status_code == 302
    late = client.post(
        f"/attempts/{attempt_id}/answers",
        json={"question_id": first, "choice_ids": []},
        headers={"X-CSRFToken": _csrf(reloaded)},
    )
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "already_submitted"


def test_a_pass_links_to_the_certificate_and_shows_no_wrong_questions(app, world, quiz):
    tech = world.user("acme_tech")
    client = signed_in(app, tech)
    attempt_id = _start_by_page(client, quiz)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    attempt = db.session.get(Attempt, attempt_id)
    client.post(
        f"/attempts/{attempt_id}/submit",
        data={**_form(right_answers(attempt)), "csrf_token": _csrf(page)},
    )
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'data-verdict="passed"' in result and "100%" in result
    assert 'data-testid="certification"' in result
    code = re.search(r'href="/certifications/([A-Z2-7-]+)"', result).group(1)
    assert client.get(f"/certifications/{code}").status_code == 200
    assert "wrong-question" not in result and SECRET_MARK not in result


def test_a_quiz_without_detailed_results_shows_the_score_only(app, world):
    quiz = make_quiz(world, show_feedback=False)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
    attempts.submit_attempt(attempt, answers_right(attempt, 1), principal=tech, now=utcnow())
    db.session.commit()
    result = signed_in(app, tech).get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "25%" in result and 'data-verdict="failed"' in result
    assert SECRET_MARK not in result and "wrong-question" not in result


def test_a_late_submission_is_refused_and_the_attempt_graded_on_its_saved_answers(app, world, quiz):
    tech = world.user("acme_tech")
    started = utcnow() - timedelta(hours=1)
    attempt, _ = attempts.start_attempt(quiz, tech, started)
    attempts.save_answers(attempt, answers_right(attempt, 3), principal=tech, now=started)
    db.session.commit()
    attempt_id = attempt.id
    client = signed_in(app, tech)
    token = _csrf(client.get(f"/quizzes/{quiz.id}").get_data(as_text=True))
    everything_right = {**_form(right_answers(attempt)), "csrf_token": token}
    late = client.post(f"/attempts/{attempt_id}/submit", data=everything_right)
    assert late.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt_id)
    assert (
        graded.graded_by == "deadline" and graded.score == 75
    )  # the saved answers, not the late ones
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "at its deadline" in result and "75%" in result


def test_an_abandoned_attempt_is_graded_when_its_page_is_opened_after_the_deadline(
    app, world, quiz
):
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow() - timedelta(hours=1))
    db.session.commit()
    response = signed_in(app, tech).get(f"/attempts/{attempt.id}")
    assert response.headers["Location"].endswith("/result")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).graded_by == "deadline"


def test_the_quiz_page_says_when_the_next_attempt_is_allowed(app, world):
    quiz = make_quiz(world, attempts_per_window=1, window_hours=24)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
    attempts.submit_attempt(attempt, {}, principal=tech, now=utcnow())
    db.session.commit()
    client = signed_in(app, tech)
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert 'data-testid="next-attempt"' in page and "the next is allowed from" in page
    assert "Start the quiz" not in page
    token = _csrf(page)
    refused = client.post(
        f"/quizzes/{quiz.id}/attempts", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert refused.status_code == 302
    assert "the next is allowed from" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1


# --- Who sees which attempt: a truth table ---------------------------------------------------

# The attempt is acme_tech's. acme_colleague is another technician of acme.
ATTEMPT_ACCESS = {
    #  principal:       (attempt page,           result page)
    "acme_tech": ("take", 200),
    "acme_colleague": (404, 404),
    "acme_admin": ("to result", 200),
    "globex_tech": (404, 404),
    "globex_admin": (404, 404),
    "vendor_admin": ("to result", 200),
    "support_manager": ("to result", 200),
    "vendor_engineer": ("to result", 200),
}


@pytest.mark.parametrize("principal", sorted(ATTEMPT_ACCESS))
def test_who_sees_an_attempt(app, world, quiz, principal):
    attempt, _ = attempts.start_attempt(quiz, world.user("acme_tech"), utcnow())
    db.session.commit()
    if principal == "acme_colleague":
        user = make_user("technician", world.acme)
        db.session.commit()
    else:
        user = world.user(principal)
    client = signed_in(app, user)
    page_expected, result_expected = ATTEMPT_ACCESS[principal]
    response = client.get(f"/attempts/{attempt.id}")
    if page_expected == "take":
        assert response.status_code == 200 and "Submit answers" in response.get_data(as_text=True)
    elif page_expected == "to result":
        assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    else:
        assert response.status_code == page_expected
    result = client.get(f"/attempts/{attempt.id}/result")
    assert result.status_code == result_expected
    if result_expected == 200:
        assert "still open" in result.get_data(as_text=True)
        assert SECRET_MARK not in result.get_data(as_text=True)
