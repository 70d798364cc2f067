"""N+1 guards of the quiz pages, with related rows that differ from row to row (each quiz
its own session, release and product; each question its own choices; each attempt its
own technician), so that the identity map cannot hide a query per row."""

from certification import attempts
from portal.extensions import db
from portal.models.base import utcnow
from tests.certification.quiz_support import make_quiz, question_input
from tests.factories import make_agreement, make_product, make_user, signed_in


def _queries(client, count_queries, url: str, *must_show: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    for text in must_show:
        assert text in page, text
    return counter.count


def _quiz_of_its_own_product(world, n: int):
    product = make_product(f"product-{n}", releases=(f"{n}.0.0",))
    return make_quiz(world, questions=2, per_attempt=2, release=product.releases[0])


def test_the_quiz_list_runs_the_same_queries_for_2_or_8_quizzes(app, world, count_queries):
    quizzes = [_quiz_of_its_own_product(world, n) for n in range(2)]
    client = signed_in(app, world.user("vendor_admin"))
    two = _queries(client, count_queries, "/quizzes", "Product 1 1.0.0")
    quizzes += [_quiz_of_its_own_product(world, n) for n in range(2, 8)]
    assert _queries(client, count_queries, "/quizzes", "Product 7 7.0.0") == two


def test_the_technicians_quiz_list_runs_the_same_queries_for_2_or_8_quizzes(
    app, world, count_queries
):
    products = []

    def offer(n):
        quiz = _quiz_of_its_own_product(world, n)
        products.append(quiz.session.release.product)
        make_agreement(
            world.acme,
            world.user("vendor_admin"),
            world.user("acme_admin"),
            minimums={p.id: 1 for p in products},
        )
        tech = world.user("acme_tech")
        attempt, _ = attempts.start_attempt(quiz, tech, utcnow())
        attempts.submit_attempt(attempt, {}, principal=tech, now=utcnow())
        db.session.commit()

    for n in range(2):
        offer(n)
    client = signed_in(app, world.user("acme_tech"))
    two = _queries(client, count_queries, "/quizzes", "Product 1 1.0.0", "0%")
    for n in range(2, 8):
        offer(n)
    eight = _queries(client, count_queries, "/quizzes", "Product 7 7.0.0")
    assert eight == two


def test_the_question_bank_runs_the_same_queries_for_2_or_8_questions(app, world, count_queries):
    quiz = make_quiz(world, questions=2, per_attempt=2)
    admin = world.user("vendor_admin")
    client = signed_in(app, admin)
    url = f"/quizzes/{quiz.id}/questions"
    two = _queries(client, count_queries, url, "Option 2.3")
    from certification import quizzes

    for n in range(3, 9):
        quizzes.add_question(quiz, question_input(n), actor=admin)
    # Some drawn by attempts, some not: the "drawn" badge is read for the page at once.
    attempts.start_attempt(quiz, world.user("acme_tech"), utcnow())
    db.session.commit()
    assert _queries(client, count_queries, url, "Option 8.3", "drawn by attempts") == two


def test_the_quiz_page_runs_the_same_queries_for_2_or_8_attempts(app, world, count_queries):
    quiz = make_quiz(world, attempts_per_window=10)

    def attempt_by_a_new_technician(n):
        tech = make_user("technician", world.acme, name=f"Technician {n}")
        db.session.commit()
        attempts.start_attempt(quiz, tech, utcnow())
        db.session.commit()

    for n in range(2):
        attempt_by_a_new_technician(n)
    for key in ("vendor_admin", "acme_admin"):
        client = signed_in(app, world.user(key))
        two = _queries(client, count_queries, f"/quizzes/{quiz.id}", "Technician 1")
        for n in range(2, 8) if key == "vendor_admin" else ():
            attempt_by_a_new_technician(n)
        assert _queries(client, count_queries, f"/quizzes/{quiz.id}", "Technician 7") == two


def test_the_technicians_home_names_the_quiz_to_take_in_fixed_queries(app, world, count_queries):
    products = []

    def require(n):
        quiz = _quiz_of_its_own_product(world, n)
        products.append(quiz.session.release.product)
        make_agreement(
            world.acme,
            world.user("vendor_admin"),
            world.user("acme_admin"),
            minimums={p.id: 1 for p in products},
        )
        db.session.commit()

    require(0)
    client = signed_in(app, world.user("acme_tech"))
    one = _queries(client, count_queries, "/", 'data-step="quiz_to_take"', "Product 0 0.0.0")
    for n in (1, 2, 3):
        require(n)
    assert _queries(client, count_queries, "/", "Product 3 3.0.0") == one
