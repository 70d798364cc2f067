"""Two submissions of one attempt at the same moment grade it once, on SQLite and on
PostgreSQL; so do two workers sweeping abandoned attempts at once, and two starts.

Each thread sends real requests (or runs the worker's check) in an application context
of its own, so each has its own database session and connection, as two servers would.
"""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from certification import attempts
from certification.models import Attempt, AttemptQuestion, Certification
from portal.extensions import db
from portal.models import AuditEntry
from portal.models.base import utcnow
from tests.certification.quiz_support import make_quiz, right_answers
from tests.factories import api_token, signed_in

THREADS = 4


def _at_once(work, count: int = THREADS) -> list:
    """Run `work(i)` in `count` threads released together; their results."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(i):
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # reported by the assertion that reads the results
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_concurrent_api_submissions_grade_once_and_certify_once(app, world):
    quiz = make_quiz(world)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
    db.session.commit()
    body = {"answers": {str(k): v for k, v in right_answers(attempt).items()}}
    url = f"/api/v1/attempts/{attempt.id}/submit"
    headers = {"Authorization": f"Bearer {api_token(tech)}"}
    clients = [app.test_client() for _ in range(THREADS)]

    def submit(i):
        response = clients[i].post(url, json=body, headers=headers)
        return response.status_code, response.get_json()

    results = _at_once(submit)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (THREADS - 1), results
    refused = [body for status, body in results if status == 409]
    assert all(b["error"]["code"] == "already_submitted" for b in refused)
    won = next(body for status, body in results if status == 200)
    assert won["score"] == 100 and won["passed"] and won["certification"]["code"]
    assert _count(Certification, Certification.attempt_id == attempt.id) == 1
    assert _count(AuditEntry, AuditEntry.action == "quiz_attempt.graded") == 1
    assert _count(AuditEntry, AuditEntry.action == "certification.issued") == 1
    graded = db.session.get(Attempt, attempt.id)
    assert graded.graded_by == "submission" and graded.score == 100


def test_concurrent_page_submissions_grade_once(app, world):
    quiz = make_quiz(world)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
    db.session.commit()
    form = {f"q-{k}": [str(c) for c in v] for k, v in right_answers(attempt).items()}
    attempt_id = attempt.id
    clients = [signed_in(app, tech) for _ in range(THREADS)]
    tokens = []
    for client in clients:
        page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
        tokens.append(page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0])

    def submit(i):
        response = clients[i].post(
            f"/attempts/{attempt_id}/submit", data={**form, "csrf_token": tokens[i]}
        )
        return response.status_code

    statuses = _at_once(submit)
    assert statuses == [302] * THREADS  # each is sent to the result page
    assert _count(Certification, Certification.attempt_id == attempt_id) == 1
    assert _count(AuditEntry, AuditEntry.action == "quiz_attempt.graded") == 1


def test_two_workers_grade_each_abandoned_attempt_once(app, world):
    quiz = make_quiz(world, cooldown_minutes=0)
    started = utcnow() - timedelta(hours=2)
    abandoned = []
    for key in ("acme_tech", "globex_tech"):
        tech = world.user(key)
        attempt, _ = attempts.start_attempt(quiz, tech, started)
        attempts.save_answers(attempt, right_answers(attempt), principal=tech, now=started)
        abandoned.append(attempt.id)
    db.session.commit()
    now = utcnow()

    def sweep(i):
        with app.app_context():
            try:
                graded = attempts.grade_overdue_attempts(now)
                db.session.commit()
                return graded
            finally:
                db.session.remove()

    graded = _at_once(sweep, 2)
    assert sum(graded) == 2, graded
    assert _count(AuditEntry, AuditEntry.action == "quiz_attempt.graded") == 2
    assert _count(Certification, Certification.attempt_id.in_(abandoned)) == 2
    for attempt_id in abandoned:
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.graded_by == "deadline" and attempt.passed


def test_concurrent_starts_open_one_attempt(app, world):
    quiz = make_quiz(world)
    url = f"/api/v1/quizzes/{quiz.id}/attempts"
    per_attempt = quiz.questions_per_attempt
    headers = {"Authorization": f"Bearer {api_token(world.user('acme_tech'))}"}
    clients = [app.test_client() for _ in range(THREADS)]

    def start(i):
        return clients[i].post(url, headers=headers).status_code

    statuses = _at_once(start)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {200, 201, 409}, statuses
    assert _count(Attempt) == 1
    assert _count(AttemptQuestion) == per_attempt


def test_the_schema_refuses_a_second_grading_and_a_second_certification(world):
    """Whatever the code does: CHECK graded_together and UNIQUE attempt_id."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    quiz = make_quiz(world)
    tech = world.user("acme_tech")
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            Attempt.__table__.update().where(Attempt.id == attempt.id).values(score=50)
        )
        db.session.flush()
    db.session.rollback()
    attempts.submit_attempt(attempt, right_answers(attempt), principal=tech, now=utcnow())
    db.session.commit()
    first = db.session.scalar(select(Certification).where(Certification.attempt_id == attempt.id))
    with pytest.raises(IntegrityError):
        db.session.add(
            Certification(
                code="AAAA-BBBB-CCCC-DDDD-EEEE-FFFF",
                user_id=tech.id,
                partner_id=first.partner_id,
                product_id=first.product_id,
                release_id=first.release_id,
                attempt_id=attempt.id,
                issued_on=first.issued_on,
                expires_on=first.expires_on,
            )
        )
        db.session.flush()
    db.session.rollback()
