"""Who reads what, as truth tables: anonymous, each role and each partner, on every surface.

Five articles (published public, partners and internal; draft public and internal),
each carrying a secret word. A reader must never meet an article it may not see: not
on its page, not in search results, snippets, counts, tags or suggestions, not in
related articles and not through the API.
"""

import pytest

from knowledge_base import search, services
from tests.factories import PRINCIPALS, bearer
from tests.knowledge_base.conftest import (
    EXPECTED_VISIBLE,
    SAMPLES,
    client_of,
    principal_of,
)
from tests.knowledge_base.factories import make_article


def _hidden(name):
    return set(SAMPLES) - EXPECTED_VISIBLE[name]


@pytest.mark.parametrize("name", PRINCIPALS)
def test_visible_articles_is_the_truth_table(world, library, name):
    from portal.extensions import db

    rows = db.session.scalars(services.visible_articles(principal_of(world, name))).all()
    assert {a.slug for a in rows} == {library.slug(k) for k in EXPECTED_VISIBLE[name]}


@pytest.mark.parametrize("name", PRINCIPALS)
@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_article_page_is_a_404_unless_visible(app, world, library, name, key):
    client = client_of(app, world, name)
    response = client.get(f"/kb/articles/{library.slug(key)}")
    if key in EXPECTED_VISIBLE[name]:
        assert response.status_code == 200
        assert library.secrets[key] in response.get_data(as_text=True)
    else:
        assert response.status_code == 404
        assert library.secrets[key] not in response.get_data(as_text=True)


@pytest.mark.parametrize("name", PRINCIPALS)
def test_search_page_shows_only_visible_results_counts_snippets_and_tags(app, world, library, name):
    client = client_of(app, world, name)
    visible = EXPECTED_VISIBLE[name]
    for url in ("/kb/?q=zebrafish", "/kb/", "/kb/?tag=zebrafish", "/kb/?q=zebrafish+sensor"):
        page = client.get(url).get_data(as_text=True)
        for key in visible:
            assert library.secrets[key] in page, (url, key)
        for key in _hidden(name):
            assert library.secrets[key] not in page, (url, key)  # title, snippet, tag
        count = len(visible)
        assert f"{count} article{'' if count == 1 else 's'}" in page, url
        assert f'#zebrafish <span class="text-body-secondary">{count}</span>' in page


@pytest.mark.parametrize("name", PRINCIPALS)
@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_searching_for_a_hidden_article_finds_nothing_not_even_a_count(
    app, world, library, name, key
):
    if key in EXPECTED_VISIBLE[name]:
        return
    secret = library.secrets[key]
    reader = principal_of(world, name)
    results = search.search_articles(secret, reader)
    assert (results.total, results.hits) == (0, [])
    assert search.suggest(secret, reader) == []
    page = client_of(app, world, name).get(f"/kb/?q={secret}").get_data(as_text=True)
    assert "Nothing matched" in page and 'data-testid="did-you-mean"' not in page
    assert 'href="/kb/articles/' not in page


@pytest.mark.parametrize("name", PRINCIPALS)
def test_search_service_and_suggest_respect_visibility(world, library, name):
    reader = principal_of(world, name)
    expected = {library.slug(k) for k in EXPECTED_VISIBLE[name]}
    results = search.search_articles("zebrafish", reader)
    assert {h.article.slug for h in results.hits} == expected
    assert results.total == len(expected)
    for hit in results.hits:
        for key in _hidden(name):
            assert library.secrets[key] not in str(hit.snippet)
    assert {s.slug for s in search.suggest("zebrafish calib", reader, limit=10)} == expected


@pytest.mark.parametrize("name", PRINCIPALS)
def test_related_articles_never_include_hidden_ones(app, world, library, name):
    reader = principal_of(world, name)
    hidden_slugs = {library.slug(k) for k in _hidden(name)}
    page = client_of(app, world, name).get(f"/kb/articles/{library.slug('pub_public')}")
    text = page.get_data(as_text=True)
    related = services.related_articles(library.articles["pub_public"], reader, limit=10)
    assert {a.slug for a in related} == {library.slug(k) for k in EXPECTED_VISIBLE[name]} - {
        library.slug("pub_public")
    }
    for slug in hidden_slugs:
        assert slug not in text


@pytest.mark.parametrize("name", PRINCIPALS)
def test_api_list_and_detail_follow_the_truth_table(app, world, library, name):
    client = app.test_client()
    headers = {} if name == "anonymous" else bearer(world.user(name))
    expected = {library.slug(k) for k in EXPECTED_VISIBLE[name]}
    for query in ("?q=zebrafish", "", "?tag=zebrafish", "?product=orbit"):
        body = client.get(f"/api/v1/kb/articles{query}", headers=headers).json
        assert {item["slug"] for item in body["items"]} == expected, query
        assert body["total"] == len(expected), query
        text = str(body)
        for key in _hidden(name):
            assert library.secrets[key] not in text, query
    for key in SAMPLES:
        response = client.get(f"/api/v1/kb/articles/{library.slug(key)}", headers=headers)
        if key in EXPECTED_VISIBLE[name]:
            assert response.status_code == 200
            assert response.json["slug"] == library.slug(key)
        else:
            assert response.status_code == 404
            assert response.json["error"]["code"] == "not_found"
            assert library.secrets[key] not in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["anonymous", "acme_tech", "support_manager"])
def test_readers_who_may_not_edit_see_no_drafts_even_by_status_filter(app, world, library, name):
    page = client_of(app, world, name).get("/kb/?status=draft").get_data(as_text=True)
    assert library.secrets["draft_public"] not in page
    assert library.secrets["draft_internal"] not in page


def test_a_vendor_session_cookie_does_not_open_the_api(app, world, library):
    """The API reads only bearer tokens: a signed-in browser is anonymous there."""
    client = client_of(app, world, "vendor_admin")
    body = client.get("/api/v1/kb/articles?q=zebrafish").json
    assert {item["slug"] for item in body["items"]} == {library.slug("pub_public")}


def test_an_invalid_token_is_refused_rather_than_treated_as_anonymous(app, library):
    response = app.test_client().get(
        "/api/v1/kb/articles", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401


def test_unpublishing_hides_an_article_from_partners_at_once(app, world, library):
    article = library.articles["pub_partners"]
    client = client_of(app, world, "acme_tech")
    assert client.get(f"/kb/articles/{article.slug}").status_code == 200
    services.unpublish_article(article, actor=world.user("vendor_admin"))
    from portal.extensions import db

    db.session.commit()
    assert client.get(f"/kb/articles/{article.slug}").status_code == 404
    assert search.search_articles("bluebell", world.user("acme_tech")).total == 0


def test_popular_tags_count_only_visible_articles(app, world):
    author = world.user("vendor_admin")
    make_article(author, visibility="internal", tags=["secret-project"])
    make_article(author, visibility="public", tags=["shared"])
    make_article(author, visibility="internal", tags=["shared"])
    anonymous_page = app.test_client().get("/kb/").get_data(as_text=True)
    assert "secret-project" not in anonymous_page
    assert '#shared <span class="text-body-secondary">1</span>' in anonymous_page
    vendor_page = client_of(app, world, "support_manager").get("/kb/").get_data(as_text=True)
    assert '#shared <span class="text-body-secondary">2</span>' in vendor_page
