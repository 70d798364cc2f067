"""The quiz endpoints of the API: which quizzes a caller is offered, starting (201, 200
when one is open, 429 attempt_limit with Retry-After), saving, submitting (200, 409
already_submitted, 422 deadline_passed), and the error bodies of API.md."""

from datetime import timedelta

import pytest

from certification import attempts
from portal.extensions import db
from portal.models.base import utcnow
from tests.certification.quiz_support import make_quiz, right_answers
from tests.factories import bearer, make_product
from tests.support import api_error


def _json_answers(answers: dict) -> dict:
    return {"answers": {str(q): c for q, c in answers.items()}}


def test_a_partner_is_offered_the_open_ready_quizzes_of_its_agreements_products(app, world):
    offered = make_quiz(world)
    make_quiz(world, closes_at=utcnow() - timedelta(days=1))  # closed
    make_quiz(world, questions=2, per_attempt=4)  # bank not ready
    other = make_product("elsewhere")
    make_quiz(world, release=other.releases[0])  # a product acme does not support
    db.session.commit()
    client = app.test_client()
    body = client.get("/api/v1/quizzes", headers=bearer(world.user("acme_tech"))).get_json()
    assert [item["id"] for item in body["items"]] == [offered.id]
    assert body["total"] == 1
    item = body["items"][0]
    assert item["product"] == "orbit" and item["release"] == "4.1.0"
    assert {"questions_per_attempt", "pass_mark", "time_limit_s"} <= set(item)
    admin_view = client.get("/api/v1/quizzes", headers=bearer(world.user("acme_admin")))
    assert admin_view.get_json()["total"] == 1
    vendor = client.get("/api/v1/quizzes", headers=bearer(world.user("support_manager")))
    assert vendor.get_json()["total"] == 4


def test_starting_twice_gives_back_the_open_attempt_then_the_limit_is_a_429(app, world):
    quiz = make_quiz(world, attempts_per_window=1, window_hours=24)
    tech = world.user("acme_tech")
    headers = bearer(tech)
    client = app.test_client()
    first = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
    assert first.status_code == 201 and first.headers["Cache-Control"] == "no-store"
    again = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
    assert again.status_code == 200
    assert again.get_json()["attempt_id"] == first.get_json()["attempt_id"]
    submitted = client.post(
        f"/api/v1/attempts/{first.get_json()['attempt_id']}/submit", json={}, headers=headers
    )
    assert submitted.status_code == 200 and submitted.get_json()["certification"] is None
    limited = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
    error = api_error(limited, 429, "attempt_limit")
    assert "the next is allowed from" in error["message"]
    assert 23 * 3600 < int(limited.headers["Retry-After"]) <= 24 * 3600


def test_submitting_answers_scores_and_certifies(app, world):
    quiz = make_quiz(world)
    tech = world.user("acme_tech")
    headers = bearer(tech)
    client = app.test_client()
    started = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers).get_json()
    attempt = db.session.get(attempts.Attempt, started["attempt_id"])
    response = client.post(
        f"/api/v1/attempts/{attempt.id}/submit",
        json=_json_answers(right_answers(attempt)),
        headers=headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["score"] == 100 and body["passed"] is True
    assert set(body["certification"]) == {"code", "product", "release", "expires_on"}
    assert body["certification"]["product"] == "orbit"
    again = client.post(f"/api/v1/attempts/{attempt.id}/submit", json={}, headers=headers)
    api_error(again, 409, "already_submitted")


def test_a_late_submission_is_a_422_and_changes_nothing(app, world):
    quiz = make_quiz(world)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow() - timedelta(minutes=16))
    db.session.commit()
    attempt_id = attempt.id
    response = app.test_client().post(
        f"/api/v1/attempts/{attempt_id}/submit",
        json=_json_answers(right_answers(attempt)),
        headers=bearer(tech),
    )
    api_error(response, 422, "deadline_passed")
    db.session.expire_all()
    assert db.session.get(attempts.Attempt, attempt_id).graded_at is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"answers": []}, 422, "validation_error"),
        ({"answers": {"1": "x"}}, 422, "validation_error"),
        ({"answers": {"999999": [1]}}, 422, "invalid_answer"),
        ({"answers": {"abc": [1]}}, 422, "invalid_answer"),
    ],
)
def test_bad_answers_are_refused_with_api_errors(app, world, body, status, code):
    quiz = make_quiz(world)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
    db.session.commit()
    response = app.test_client().post(
        f"/api/v1/attempts/{attempt.id}/answers", json=body, headers=bearer(tech)
    )
    api_error(response, status, code)


def test_another_technicians_attempt_is_not_found(app, world):
    from tests.factories import make_user

    quiz = make_quiz(world)
    attempt, _ = attempts.start_attempt(quiz, world.user("acme_tech"), utcnow())
    colleague = make_user("technician", world.acme)
    db.session.commit()
    for path in ("answers", "submit"):
        response = app.test_client().post(
            f"/api/v1/attempts/{attempt.id}/{path}", json={}, headers=bearer(colleague)
        )
        api_error(response, 404)
