"""The KB index as a compact list: the view switch (remembered), sortable columns, the
helpful tallies for vendor staff only, bounded sorting, and a fixed number of queries."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from knowledge_base import search
from knowledge_base.listing import RELEVANCE, sort_options
from knowledge_base.votes import vote
from portal.extensions import db
from portal.models import Release
from tests.factories import make_product, make_user, signed_in
from tests.knowledge_base.conftest import client_of, principal_of
from tests.knowledge_base.factories import make_article

ROW = re.compile(r'data-testid="kb-row" data-slug="([^"]+)"')
BASE_TIME = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _rows(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return ROW.findall(response.get_data(as_text=True))


@pytest.fixture
def shelf(world):
    """Four public articles, each with its own kind, product, age and votes."""
    author = world.user("vendor_engineer")
    zeta = make_product("zeta-suite")
    alpha = make_product("alpha-tools")
    specs = [
        # title, kind, product, days old; all but the last mention the gearbox
        ("Migrate the archive", "known_issue", zeta, 3),
        ("backup the vault", "how_to", alpha, 1),
        ("Configure the proxy", "release_note", None, 2),
        ("Drain a node", "how_to", zeta, 4),
    ]
    articles = {}
    for title, kind, product, age in specs:
        body = "Other text." if title.startswith("Drain") else "See the gearbox manual."
        article = make_article(author, title=title, body=body, kind=kind, product=product)
        article.updated_at = BASE_TIME - timedelta(days=age)
        articles[title.split()[0].lower()] = article
    db.session.commit()
    # Helpful votes: drain 2, backup 1, migrate 0 (one "not helpful"), configure none.
    for helpful, slug_key in (
        (True, "drain"),
        (True, "drain"),
        (True, "backup"),
        (False, "migrate"),
    ):
        vote(articles[slug_key], make_user("technician", world.acme), helpful=helpful)
    db.session.commit()
    return {key: article.slug for key, article in articles.items()}


def _order(shelf, *keys) -> list[str]:
    return [shelf[key] for key in keys]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", ("backup", "configure", "migrate", "drain")),  # newest first
        ("sort=updated&dir=asc", ("drain", "migrate", "configure", "backup")),
        ("sort=title", ("backup", "configure", "drain", "migrate")),  # case does not count
        ("sort=title&dir=desc", ("migrate", "drain", "configure", "backup")),
        ("sort=kind", ("backup", "drain", "migrate", "configure")),  # how-tos newest first
        ("sort=product", ("backup", "migrate", "drain", "configure")),  # no product: last
        ("sort=product&dir=desc", ("migrate", "drain", "backup", "configure")),
        ("sort=helpful", ("drain", "backup", "configure", "migrate")),
        # Unknown columns or directions: the default order, never an error.
        ("sort=body&dir=sideways", ("backup", "configure", "migrate", "drain")),
    ],
)
def test_the_list_sorts_by_each_column(app, world, shelf, args, expected):
    client = signed_in(app, world.user("vendor_engineer"))
    assert _rows(client.get(f"/kb/?view=list&{args}")) == _order(shelf, *expected)


def test_sorting_a_search_sorts_its_matches_only(app, world, shelf):
    client = signed_in(app, world.user("vendor_engineer"))
    make_article(world.user("vendor_engineer"), title="Unrelated note about printers")
    best = _rows(client.get("/kb/?view=list&q=gearbox"))
    assert set(best) == set(_order(shelf, "migrate", "backup", "configure"))
    by_title = _rows(client.get("/kb/?view=list&q=gearbox&sort=title"))
    assert by_title == _order(shelf, "backup", "configure", "migrate")
    # The cards follow the same order.
    cards = client.get("/kb/?view=cards&q=gearbox&sort=title").get_data(as_text=True)
    assert re.findall(r'data-testid="kb-result" data-slug="([^"]+)"', cards) == by_title


def test_relevance_is_an_order_only_with_a_query(world):
    reader = world.user("vendor_engineer")
    assert sort_options(reader, ranked=True).default == RELEVANCE
    assert RELEVANCE not in sort_options(reader, ranked=False).columns


@pytest.mark.parametrize(
    ("who", "sees_tallies"),
    [
        ("anonymous", False),
        ("acme_tech", False),
        ("acme_admin", False),
        ("vendor_engineer", True),
        ("support_manager", True),
        ("vendor_admin", True),
    ],
)
def test_helpful_tallies_are_for_vendor_staff_only(app, world, shelf, who, sees_tallies):
    client = client_of(app, world, who)
    page = client.get("/kb/?view=list").get_data(as_text=True)
    assert ('data-sort="helpful"' in page) is sees_tallies
    assert ("2 of 2" in page) is sees_tallies
    # Asking for the order does not reveal it either: the default order instead.
    ordered = _rows(client.get("/kb/?view=list&sort=helpful"))
    if not sees_tallies:
        assert ordered == _rows(client.get("/kb/?view=list"))


def test_the_chosen_view_is_remembered_and_links_keep_it(app, world, shelf):
    client = client_of(app, world, "acme_tech")
    assert 'data-testid="kb-list"' not in client.get("/kb/").get_data(as_text=True)
    chosen = client.get("/kb/?view=list")
    assert "kb_view=list" in chosen.headers["Set-Cookie"]
    assert "HttpOnly" in chosen.headers["Set-Cookie"]
    assert "SameSite=Lax" in chosen.headers["Set-Cookie"]
    page = client.get("/kb/").get_data(as_text=True)  # no view asked: the remembered one
    assert 'data-testid="kb-list"' in page
    assert 'aria-current="true" data-view="list"' in page
    # A sort header keeps the query and the view and starts again at page 1.
    header = re.search(
        r'href="([^"]*)" data-sort="title"', client.get("/kb/?q=gearbox&page=1").text
    )
    assert "q=gearbox" in header.group(1) and "page=" not in header.group(1)
    client.get("/kb/?view=cards")
    assert 'data-testid="kb-list"' not in client.get("/kb/").get_data(as_text=True)
    # Anything else is no choice: the remembered view stays.
    client.get("/kb/?view=list")
    assert 'data-testid="kb-list"' in client.get("/kb/?view=grid").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-3",
        "page=99999999999999999999",
        "view=%00&sort=%ff",
        "sort=title&dir=",
        "sort=helpful&dir=desc&page=2",
        "q=gearbox&sort=product&page=7",
    ],
)
def test_garbage_arguments_give_a_page_not_an_error(app, world, shelf, query):
    for who in ("anonymous", "vendor_engineer"):
        response = client_of(app, world, who).get(f"/kb/?view=list&{query}")
        assert response.status_code in (200, 400), (who, query)
        if "%00" not in query:
            assert response.status_code == 200


def test_sorting_covers_the_most_recently_updated_matches_when_there_are_more(
    app, world, shelf, monkeypatch
):
    monkeypatch.setattr(search, "RESULTS_MAX", 3)
    client = signed_in(app, world.user("vendor_engineer"))
    page = client.get("/kb/?view=list&sort=title").get_data(as_text=True)
    # The three newest (backup, configure, migrate), by title; "drain" is the oldest.
    assert ROW.findall(page) == _order(shelf, "backup", "configure", "migrate")
    assert 'data-testid="sort-scope"' in page and "3+ articles" in page


def test_sorted_search_results_are_those_the_reader_may_see(app, world, library):
    for who in ("anonymous", "acme_tech", "vendor_engineer"):
        reader = principal_of(world, who)
        for key in ("title", "updated", "product", "kind"):
            sorting = sort_options(reader, ranked=True).choose(key, "asc")
            ranked = search.search_articles("zebrafish", reader, sorting=sorting)
            sorting = sort_options(reader, ranked=False).choose(key, "asc")
            browsed = search.search_articles("", reader, sorting=sorting)
            expected = {h.article.slug for h in search.search_articles("zebrafish", reader).hits}
            assert {h.article.slug for h in ranked.hits} == expected, (who, key)
            assert {h.article.slug for h in browsed.hits} == expected, (who, key)


def test_the_list_runs_the_same_queries_for_3_or_12_articles_each_with_its_own_rows(
    app, world, count_queries
):
    """Every article has its own product, release, author and votes: loading any of them
    row by row would show as more queries for more rows."""
    reader = world.user("vendor_admin")

    def add(n: int) -> None:
        product = make_product(f"line-{n}", releases=(f"{n}.0.0", f"{n}.1.0"))
        release = db.session.scalars(db.select(Release).where(Release.product == product)).first()
        author = make_user("vendor_engineer", name=f"Author {n}")
        article = make_article(
            author, title=f"Guide {n}", product=product, releases=[release], tags=[f"t{n}"]
        )
        vote(article, make_user("technician", world.acme), helpful=bool(n % 2))
        db.session.commit()

    client = signed_in(app, reader)

    def queries(expected_rows: int, args: str) -> int:
        with count_queries() as counter:
            rows = _rows(client.get(f"/kb/?view=list&{args}"))
        assert len(rows) == expected_rows
        return counter.count

    for n in range(3):
        add(n)
    few = {args: queries(3, args) for args in ("", "sort=title", "sort=helpful", "q=guide")}
    for n in range(3, 12):
        add(n)
    for args, count in few.items():
        assert queries(12, args) == count, args
