"""The technician's home: the quiz to take next, for each product the partner must
support that the technician is not certified on."""

from datetime import timedelta

from certification import attempts
from certification.quiz_next_steps import quizzes_to_take
from portal.extensions import db
from portal.models.base import utcnow
from tests.certification.quiz_support import make_quiz, right_answers
from tests.factories import make_agreement, make_product, signed_in


def test_the_home_page_names_the_quiz_until_the_technician_passes_it(app, world):
    quiz = make_quiz(world)
    tech = world.user("acme_tech")
    client = signed_in(app, tech)
    home = client.get("/").get_data(as_text=True)
    assert 'data-step="quiz_to_take"' in home and quiz.title in home
    assert f'href="/quizzes/{quiz.id}"' in home
    attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
    attempts.submit_attempt(attempt, right_answers(attempt), principal=tech, now=utcnow())
    db.session.commit()
    assert 'data-step="quiz_to_take"' not in client.get("/").get_data(as_text=True)


def test_one_quiz_per_product_the_newest_release_and_only_required_products(world):
    older = make_quiz(world, release=world.product.releases[1])
    newer = make_quiz(world, release=world.product.releases[0])
    optional = make_product("optional")
    make_quiz(world, release=optional.releases[0])
    closed = make_product("closed")
    make_quiz(world, release=closed.releases[0], closes_at=utcnow() - timedelta(hours=1))
    make_agreement(
        world.acme,
        world.user("vendor_admin"),
        world.user("acme_admin"),
        minimums={world.product.id: 1, optional.id: 0, closed.id: 1},
    )
    db.session.commit()
    assert [q.id for q in quizzes_to_take(world.user("acme_tech"))] == [newer.id]
    assert older.id != newer.id
