"""Nothing the browser or an API client receives before grading tells which choices are
right: no `correct` flag, no per-choice feedback, no explanation, and no markup that
differs between a right and a wrong choice.

The bank's explanations and feedback carry a marker (`SECRET_MARK`); every page and JSON
body a technician can get while an attempt is open is searched for it.
"""

import json
import re

import pytest

from certification.models import Attempt, Choice, Question
from portal.extensions import db
from tests.certification.quiz_support import SECRET_MARK, make_quiz, wrong_answers
from tests.factories import bearer, signed_in

FORBIDDEN_KEYS = {"correct", "feedback", "explanation", "right", "score", "passed"}


def _keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in _keys(value)}
    if isinstance(node, list):
        return {k for item in node for k in _keys(item)}
    return set()


def _assert_clean_json(response) -> dict:
    body = response.get_json()
    text = json.dumps(body)
    assert SECRET_MARK not in text, text[:500]
    assert not (_keys(body) & FORBIDDEN_KEYS), _keys(body) & FORBIDDEN_KEYS
    return body


def _assert_clean_html(page: str) -> None:
    assert SECRET_MARK not in page
    for giveaway in ("data-correct", "is-right", "bank-choice-right", "✔"):
        assert giveaway not in page


@pytest.fixture
def quiz(world):
    return make_quiz(world, questions=6, per_attempt=6)


def test_the_api_never_answers_correctness_before_grading(app, world, quiz):
    tech = world.user("acme_tech")
    headers = bearer(tech)
    client = app.test_client()

    listed = _assert_clean_json(client.get("/api/v1/quizzes", headers=headers))
    assert [item["id"] for item in listed["items"]] == [quiz.id]
    assert client.get(f"/api/v1/quizzes/{quiz.id}", headers=headers).status_code == 403

    started = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
    assert started.status_code == 201
    body = _assert_clean_json(started)
    assert set(body) == {"attempt_id", "deadline", "accepts_answers_until", "questions"}
    assert body["deadline"].endswith("Z")
    for question in body["questions"]:
        assert set(question) == {"id", "text", "kind", "choices", "selected"}
        assert all(set(choice) == {"id", "text"} for choice in question["choices"])

    resumed = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)
    assert resumed.status_code == 200
    assert _assert_clean_json(resumed)["attempt_id"] == body["attempt_id"]

    attempt = db.session.get(Attempt, body["attempt_id"])
    answers = {str(q): c for q, c in wrong_answers(attempt).items()}
    saved = client.post(
        f"/api/v1/attempts/{attempt.id}/answers", json={"answers": answers}, headers=headers
    )
    assert saved.status_code == 200 and _assert_clean_json(saved)["saved"] == 6
    # A refused answer says what is wrong with it, not what would be right.
    question = body["questions"][0]
    other = body["questions"][1]["choices"][0]["id"]
    refused = client.post(
        f"/api/v1/attempts/{attempt.id}/answers",
        json={"answers": {str(question["id"]): [other]}},
        headers=headers,
    )
    assert refused.status_code == 422
    assert SECRET_MARK not in refused.get_data(as_text=True)
    assert refused.get_json()["error"]["code"] == "invalid_answer"


def test_the_pages_show_no_correctness_before_grading(app, world, quiz):
    tech = world.user("acme_tech")
    client = signed_in(app, tech)
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"',
        client.get(f"/quizzes/{quiz.id}").get_data(as_text=True),
    ).group(1)
    started = client.post(
        f"/quizzes/{quiz.id}/attempts", data={"csrf_token": token, "confirmed": "yes"}
    )
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    for url in (f"/quizzes/{quiz.id}", "/quizzes", f"/attempts/{attempt_id}", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_clean_html(response.get_data(as_text=True))
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    # A right choice's markup is a wrong one's, ids and texts aside (radio buttons or
    # check boxes depending on the kind of question only).
    right = set(db.session.scalars(db.select(Choice.id).where(Choice.correct.is_(True))))
    shapes: dict[bool, set[str]] = {True: set(), False: set()}
    for match in re.finditer(r'<div class="form-check quiz-choice">(.*?)</div>', page, re.S):
        markup = match.group(1)
        choice_id = int(re.search(r'value="(\d+)"', markup).group(1))
        shape = re.sub(r"\d+", "N", re.sub(r">[^<]*</label>", "></label>", markup))
        shapes[choice_id in right].add(" ".join(shape.split()))
    assert len(shapes[True]) == len(shapes[False]) == 2  # a radio shape and a check box shape
    assert shapes[True] == shapes[False]
    json_saved = client.post(
        f"/attempts/{attempt_id}/answers",
        json={
            "question_id": db.session.get(Attempt, attempt_id).questions[0].question_id,
            "choice_ids": [],
        },
        headers={"X-CSRFToken": token},
    )
    _assert_clean_json(json_saved)


def test_the_vendor_admin_reads_the_whole_bank_with_the_answers(app, world, quiz):
    response = app.test_client().get(
        f"/api/v1/quizzes/{quiz.id}", headers=bearer(world.user("vendor_admin"))
    )
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["questions"]) == 6
    question = body["questions"][0]
    assert {"correct", "feedback"} <= set(question["choices"][0])
    assert SECRET_MARK in question["explanation"]
    assert sum(c["correct"] for c in question["choices"]) >= 1
    kinds = {q["kind"] for q in body["questions"]}
    assert kinds == {"single", "multiple"}
    assert db.session.get(Question, question["id"]).quiz_id == quiz.id
