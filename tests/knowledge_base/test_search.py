"""Ranked search: relevance, phrases, the query syntax, filters, snippets and suggestions.

The suite runs on SQLite (FTS5, bm25) and on PostgreSQL (tsvector, ts_rank): each
expected order below is asserted on both, so both databases rank this data alike.
"""

import pytest

from knowledge_base import search
from knowledge_base.search import SearchFilters, parse_query, search_articles, suggest
from portal.errors import DomainError
from portal.extensions import db
from tests.knowledge_base.factories import make_article

FILLER = (
    "Check the service status page, the disk usage and the network link first. "
    "Then collect the logs from every node and compare the timestamps. "
)


@pytest.fixture
def corpus(world):
    """A fixed small corpus for the ranking assertions."""
    author = world.user("vendor_engineer")

    def article(key, title, body, tags=(), **kwargs):
        return key, make_article(
            author, title=title, body=body, tags=tags, product=world.product, **kwargs
        )

    return dict(
        [
            article(
                "title",
                "Replication lag on the standby server",
                "The standby falls behind the primary during large imports.",
            ),
            article(
                "tags",
                "Standby server falls behind at night",
                "Nightly jobs delay the standby.",
                tags=["replication"],
            ),
            article(
                "body_thrice",
                "Slow database after failover",
                "Replication stops. Restart replication, then verify replication health.",
            ),
            article(
                "body_once",
                "Nightly maintenance checklist",
                FILLER * 3 + "Finally look at replication. " + FILLER * 3,
            ),
            article(
                "unrelated",
                "Configure single sign-on",
                "Use SAML or OpenID Connect to sign users in.",
            ),
            article(
                "phrase",
                "Pool exhaustion under load",
                "When the connection pool is exhausted, requests fail after 30 seconds.",
            ),
            article(
                "scattered",
                "Tuning the pool",
                "Pool sizes: every connection to the database comes from one shared pool.",
            ),
        ]
    )


def _slugs(results):
    return [hit.article.slug for hit in results.hits]


def test_title_match_beats_tags_beats_body_and_more_mentions_beat_one(world, corpus):
    results = search_articles("replication", world.user("vendor_admin"))
    expected = ["title", "tags", "body_thrice", "body_once"]
    assert _slugs(results) == [corpus[k].slug for k in expected]
    assert results.total == 4
    scores = [hit.score for hit in results.hits]
    # bm25 is better when lower, ts_rank when higher: either way strictly ordered.
    assert len(set(scores)) == 4


def test_a_title_match_outranks_a_body_only_match_with_many_mentions(world):
    author = world.user("vendor_admin")
    body_only = make_article(
        author, title="Daily operations", body="Quota warnings. " + "The quota is reached. " * 20
    )
    titled = make_article(
        author,
        title="Quota exceeded for a project",
        body="Raise the limit in the project settings.",
    )
    assert _slugs(search_articles("quota", author)) == [titled.slug, body_only.slug]


def test_a_phrase_query_finds_the_phrase_and_not_the_scattered_words(world, corpus):
    reader = world.user("acme_tech")
    assert _slugs(search_articles('"connection pool"', reader)) == [corpus["phrase"].slug]
    both = _slugs(search_articles("connection pool", reader))
    assert set(both) == {corpus["phrase"].slug, corpus["scattered"].slug}


def test_all_words_are_required_and_stemming_matches_word_forms(world, corpus):
    reader = world.user("acme_tech")
    assert _slugs(search_articles("standby imports", reader)) == [corpus["title"].slug]
    assert _slugs(search_articles("exhausting requests", reader)) == [corpus["phrase"].slug]


def test_or_and_minus_work_like_web_search(world, corpus):
    reader = world.user("acme_tech")
    either = _slugs(search_articles("saml or failover", reader))
    assert set(either) == {corpus["unrelated"].slug, corpus["body_thrice"].slug}
    without = _slugs(search_articles("standby -imports", reader))
    assert without == [corpus["tags"].slug]


def test_stop_words_are_ignored_alike_on_both_databases(world, corpus):
    reader = world.user("acme_tech")
    with_stop_words = _slugs(search_articles("the replication of the standby", reader))
    assert with_stop_words == _slugs(search_articles("replication standby", reader))
    assert with_stop_words == [corpus["title"].slug, corpus["tags"].slug]
    assert search_articles("the and of", reader).total == 0


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "(",
        ")",
        "*",
        "-",
        "NEAR(",
        'pool"',
        "a:b",
        "title:pool",
        "^pool",
        "pool*",
        "'; DROP TABLE kb_articles; --",
        "AND OR NOT",
        "\\",
        "%",
        "_",
        "pool & | ! <->",
        "€ ü 漢字",
        "x" * 500,
    ],
)
def test_no_input_is_a_syntax_error(world, corpus, query):
    results = search_articles(query, world.user("vendor_admin"))
    assert results.total == len(results.hits)
    assert suggest(query, world.user("vendor_admin")) is not None


def test_snippets_highlight_matches_and_escape_the_text(world):
    author = world.user("vendor_admin")
    make_article(
        author,
        title="Escaping in snippets",
        body="Never paste <script>alert(1)</script> into the firewall rule field.",
    )
    hit = search_articles("firewall", author).hits[0]
    snippet = str(hit.snippet)
    assert "<mark>firewall</mark>" in snippet
    assert "<script" not in snippet
    # SQLite quotes the text escaped; PostgreSQL's ts_headline leaves tag-like words out.
    assert "&lt;script&gt;" in snippet or "script" not in snippet


def test_search_page_shows_highlighted_snippets(app, world, corpus):
    from tests.factories import signed_in

    page = signed_in(app, world.user("acme_tech")).get("/kb/?q=replication")
    html = page.get_data(as_text=True)
    assert "<mark>Replication</mark>" in html or "<mark>replication</mark>" in html
    assert html.index(corpus["title"].slug) < html.index(corpus["body_once"].slug)


def test_filters_by_product_kind_and_tag(world):
    from tests.factories import make_product

    author = world.user("vendor_admin")
    other = make_product("other-product")
    a = make_article(
        author,
        title="Backup guide",
        body="backup steps",
        product=world.product,
        kind="how_to",
        tags=["backup"],
    )
    b = make_article(
        author,
        title="Backup fails",
        body="backup error",
        product=world.product,
        kind="known_issue",
        tags=["backup", "errors"],
    )
    c = make_article(
        author,
        title="Backup on other",
        body="backup",
        product=other,
        kind="how_to",
        tags=["backup"],
    )

    def run(**kw):
        return set(_slugs(search_articles("backup", author, filters=SearchFilters(**kw))))

    assert run() == {a.slug, b.slug, c.slug}
    assert run(product="orbit") == {a.slug, b.slug}
    assert run(product="no-such-product") == set()
    assert run(kind="known_issue") == {b.slug}
    assert run(tag="errors") == {b.slug}
    assert run(tag="Errors ") == {b.slug}
    assert run(product="other-product", kind="how_to") == {c.slug}
    browse = search_articles("", author, filters=SearchFilters(kind="how_to"))
    assert {h.article.slug for h in browse.hits} == {a.slug, c.slug}


def test_an_unknown_kind_is_a_clear_error(world):
    with pytest.raises(DomainError) as exc:
        search_articles("x", world.user("vendor_admin"), filters=SearchFilters(kind="poem"))
    assert exc.value.status == 400 and "kind" in exc.value.fields


def test_results_are_paged_with_the_total_of_all_pages(world):
    author = world.user("vendor_admin")
    for n in range(7):
        make_article(author, title=f"Paging article {n}", body="pagination keyword", commit=False)
    db.session.commit()
    first = search_articles("pagination", author, page=1, per_page=3)
    third = search_articles("pagination", author, page=3, per_page=3)
    assert (first.total, len(first.hits), third.total, len(third.hits)) == (7, 3, 7, 1)
    assert not set(_slugs(first)) & set(_slugs(third))


def test_browsing_without_a_query_lists_the_newest_first(world):
    author = world.user("vendor_admin")
    older = make_article(author, title="Older article")
    newer = make_article(author, title="Newer article")
    assert _slugs(search_articles("", author))[:2] == [newer.slug, older.slug]


def test_editing_an_article_updates_the_index(world):
    from knowledge_base.services import ArticleInput, update_article

    author = world.user("vendor_admin")
    article = make_article(author, title="Printer setup", body="Install the driver.")
    assert search_articles("spooler", author).total == 0
    update_article(
        article,
        ArticleInput(
            title="Printer setup",
            kind="how_to",
            visibility="public",
            body="Install the driver, then restart the spooler.",
        ),
        actor=author,
    )
    db.session.commit()
    assert _slugs(search_articles("spooler", author)) == [article.slug]
    assert search_articles("printer", author).total == 1


def test_suggest_matches_any_word_and_the_word_being_typed(world, corpus):
    reader = world.user("acme_tech")
    # An escalation title being typed: "repli" is not a word yet.
    by_prefix = [s.slug for s in suggest("Standby lagging, repli", reader)]
    assert by_prefix[0] == corpus["title"].slug
    assert corpus["body_thrice"].slug in by_prefix
    # Finished words: any of them is enough, best matches first.
    any_word = [s.slug for s in suggest("sign-on failover ", reader, limit=10)]
    assert set(any_word) == {corpus["unrelated"].slug, corpus["body_thrice"].slug}
    assert suggest("", reader) == [] and suggest("the of", reader) == []
    assert len(suggest("standby replication pool", reader, limit=2)) == 2


def test_suggestions_carry_what_the_escalation_form_needs(world, corpus):
    suggestion = suggest("replication", world.user("acme_tech"), limit=1)[0]
    assert suggestion.slug == corpus["title"].slug
    assert suggestion.id == corpus["title"].id
    assert suggestion.title == "Replication lag on the standby server"
    assert suggestion.kind == "how_to"


def test_the_query_reader_follows_websearch_syntax():
    assert parse_query("export hangs").fts5() == '("export" AND "hangs")'
    assert parse_query('"reset the password" or ldap -saml').fts5() == (
        '("reset the password") OR (("ldap") NOT "saml")'
    )
    assert parse_query("e-mail").fts5() == '("e mail")'
    assert parse_query("the").is_empty and parse_query("-only").is_empty


def test_reindex_rebuilds_the_index_from_the_articles(app, world, corpus):
    from sqlalchemy import text

    reader = world.user("vendor_admin")
    # Simulate an index out of step: text changed behind the application's back.
    db.session.execute(
        text("UPDATE kb_articles SET body_text = '' WHERE id = :id"), {"id": corpus["phrase"].id}
    )
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DELETE FROM kb_articles_fts"))
    db.session.commit()
    assert search_articles('"connection pool"', reader).total == 0
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "7 article(s)" in result.output
    db.session.expire_all()
    assert search_articles("replication", reader).total == 4
    assert _slugs(search_articles('"connection pool"', reader)) == [corpus["phrase"].slug]


def test_search_backend_matches_the_database(app):
    expected = "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"
    backend = search._backend()
    assert type(backend).__name__.lower().startswith("_" + expected[:6])


@pytest.mark.parametrize("url", ["/kb/", "/kb/?q=guide", "/api/v1/kb/articles?q=guide"])
def test_the_number_of_queries_does_not_grow_with_the_results(app, world, count_queries, url):
    author = world.user("vendor_admin")
    client = app.test_client()

    def queries_with(n: int) -> int:
        for i in range(n):
            make_article(
                author,
                title=f"Guide {i}",
                body="A guide.",
                product=world.product,
                releases=world.product.releases,
                tags=[f"t{i}", "guide"],
                commit=False,
            )
        db.session.commit()
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    few = queries_with(2)
    assert queries_with(15) == few
