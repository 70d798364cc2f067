"""N+1 guards of the training pages, with rows that cannot hide one.

Every session has its own product and release, its own quiz and attendees who are
different users of different partners; every material its own article. Were a page to
load any of them row by row, more rows would take more queries (with one shared product
or user, the session's identity map would answer all but the first lazy load).
"""

import pytest

from certification.models import TrainingAttendee, TrainingMaterial
from portal.extensions import db
from tests.certification.training_support import add_quiz, in_days, make_session
from tests.factories import make_agreement, make_partner, make_product, make_user, signed_in
from tests.knowledge_base.factories import make_article


@pytest.fixture
def admin(world):
    return world.user("vendor_admin")


def _attend(session, user) -> None:
    db.session.add(
        TrainingAttendee(session_id=session.id, user_id=user.id, partner_id=user.partner_id)
    )


def _add_sessions(world, admin, count: int, *, start: int, days: float, products: list) -> None:
    """`count` sessions, each of a new product (kept in `products`), with its own quiz,
    an acme technician of its own and a technician of a partner of its own."""
    for n in range(start, start + count):
        product = make_product(f"guarded-{n}", releases=(f"{n}.0.0",))
        products.append(product)
        session = make_session(
            product.releases[0], admin, title=f"Session {n}", starts_at=in_days(days)
        )
        add_quiz(session)
        partner = make_partner(f"guard-partner-{n}")
        _attend(session, make_user("technician", partner, name=f"Far {n}"))
        _attend(session, make_user("technician", world.acme, name=f"Near {n}"))
    db.session.commit()


def _cover(world, admin, products) -> None:
    """A new agreement for acme listing every product (half of them optional)."""
    make_agreement(
        world.acme,
        admin,
        world.user("acme_admin"),
        minimums={p.id: i % 2 for i, p in enumerate([world.product, *products])},
    )
    db.session.commit()


@pytest.mark.parametrize("who", ["vendor_admin", "acme_admin", "acme_tech"])
@pytest.mark.parametrize("when", ["upcoming", "past"])
def test_the_session_list_runs_the_same_queries_for_2_or_8_sessions(
    app, world, admin, count_queries, who, when
):
    products = []
    days = 5 if when == "upcoming" else -5
    _add_sessions(world, admin, 2, start=1, days=days, products=products)
    _cover(world, admin, products)
    client = signed_in(app, world.user(who))

    def queries(expected: int) -> int:
        with count_queries() as counter:
            response = client.get(f"/training?when={when}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert page.count("data-session=") == expected
        assert page.count("Quiz of Session") == expected
        return counter.count

    two = queries(2)
    _add_sessions(world, admin, 6, start=3, days=days, products=products)
    _cover(world, admin, products)
    assert queries(8) == two


def test_a_session_page_runs_the_same_queries_for_2_or_12_attendees_and_materials(
    app, world, admin, count_queries
):
    session = make_session(world.product.releases[0], admin, starts_at=in_days(-1 / 24), hours=4)
    add_quiz(session)
    add_quiz(session)

    def add(n: int) -> None:
        partner = make_partner(f"attending-{n}")
        _attend(session, make_user("technician", partner, name=f"Attendee {n}"))
        article = make_article(
            world.user("vendor_engineer"),
            title=f"Material {n}",
            kind="release_note",
            product=world.product,
            commit=False,
        )
        db.session.add(TrainingMaterial(session_id=session.id, article_id=article.id, position=n))
        db.session.commit()

    for n in range(2):
        add(n)
    client = signed_in(app, admin)

    def queries(expected: int) -> int:
        with count_queries() as counter:
            response = client.get(f"/training/{session.id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert page.count("data-attendee=") == expected
        assert page.count(">Material ") == expected
        return counter.count

    two = queries(2)
    for n in range(2, 12):
        add(n)
    assert queries(12) == two


def test_the_technicians_home_runs_the_same_queries_for_2_or_8_sessions(
    app, world, admin, count_queries
):
    products = []
    _add_sessions(world, admin, 2, start=1, days=4, products=products)
    _cover(world, admin, products)
    tech = world.user("acme_tech")
    client = signed_in(app, tech)

    def signed_up_to_every_other(sessions_start: int, count: int) -> None:
        from certification.models import TrainingSession

        for n in range(sessions_start, sessions_start + count, 2):
            session = db.session.scalar(
                db.select(TrainingSession).where(TrainingSession.title == f"Session {n}")
            )
            _attend(session, tech)
        db.session.commit()

    signed_up_to_every_other(1, 2)

    def queries() -> int:
        with count_queries() as counter:
            response = client.get("/")
        assert response.status_code == 200
        assert 'data-step="training_signed_up"' in response.get_data(as_text=True)
        return counter.count

    few = queries()
    _add_sessions(world, admin, 6, start=3, days=4, products=products)
    _cover(world, admin, products)
    signed_up_to_every_other(3, 6)
    assert queries() == few


def test_the_material_picker_runs_the_same_queries_for_2_or_8_articles(
    app, world, admin, count_queries
):
    session = make_session(world.product.releases[0], admin, starts_at=in_days(3))
    engineer = world.user("vendor_engineer")
    releases = world.product.releases

    def add(n: int) -> None:
        make_article(
            engineer,
            title=f"Candidate {n}",
            kind="training_material",
            product=world.product if n % 2 else None,
            releases=[releases[n % len(releases)]] if n % 2 else (),
            tags=(f"tag-{n}",),
        )

    for n in range(2):
        add(n)
    client = signed_in(app, admin)

    def queries(expected: int) -> int:
        with count_queries() as counter:
            response = client.get(f"/training/{session.id}/materials")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count(">Candidate ") == expected
        return counter.count

    two = queries(2)
    for n in range(2, 8):
        add(n)
    assert queries(8) == two
