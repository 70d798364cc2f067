"""`seed-demo` gives each supported major release's training a quiz whose bank came in
through the GIFT importer, ready for the demo's uncertified technicians."""

from sqlalchemy import select

from certification import attempts, gift
from certification.demo.quizzes import BANKS
from certification.models import Question
from certification.quiz_next_steps import quizzes_to_take
from portal.demo import seed_demo
from portal.extensions import db
from portal.models import Release
from portal.models.base import utcnow
from tests.support import SQLITE_PASS_ONLY

# The demo's content; the PostgreSQL pass seeds the demo in tests/escalations/test_demo.py.
pytestmark = SQLITE_PASS_ONLY


def test_demo_quizzes(app):
    world = seed_demo()
    quizzes = world["quizzes"]
    majors = db.session.scalars(
        select(Release).where(Release.major.is_(True), Release.supported.is_(True))
    ).all()
    assert {f"{r.product.slug} {r.version}" for r in majors} == set(quizzes)
    for key, quiz in quizzes.items():
        assert quiz.session is world["training_sessions"][key]
        assert quiz.questions_per_attempt <= 10 and quiz.pass_mark == 70
        assert quiz.time_limit_s == 15 * 60
        questions = db.session.scalars(select(Question).where(Question.quiz_id == quiz.id)).all()
        assert len(questions) >= 10
        assert {q.kind for q in questions} == {"single", "multiple"}
        assert all(q.explanation for q in questions)
        assert len(gift.parse(BANKS[key])) == len(questions)

    # The uncertified technicians are offered the quizzes and can take one at once.
    newbie = world["users"]["newbie@acme.example"]
    offered = {q.id for q in quizzes_to_take(newbie)}
    assert quizzes["orbit-server 4.0.0"].id in offered
    attempt, started = attempts.start_attempt(quizzes["orbit-server 4.0.0"], newbie, utcnow())
    assert started and len(attempt.questions) == 10
