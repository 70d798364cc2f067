"""What is kept per audience never leaks: spelling suggestions, completions of an
unfinished word and the tag counts come only from articles the reader may see, and stay
right as articles are written, published, withdrawn, re-tagged and deleted."""

from collections import Counter

import pytest
from sqlalchemy import select

from knowledge_base import search, services
from knowledge_base.models import Article, audience_of
from knowledge_base.services import ArticleInput, readable_audiences, update_article
from portal.extensions import db
from tests.factories import PRINCIPALS
from tests.knowledge_base.conftest import EXPECTED_VISIBLE, SAMPLES, client_of, principal_of
from tests.knowledge_base.factories import make_article

# One letter off each sample article's secret word (see conftest.SAMPLES).
MISSPELT = {
    "aardvark": "aardvak",
    "bluebell": "blubell",
    "cormorant": "comorant",
    "dandelion": "dandelon",
    "eucalyptus": "eucalyptis",
}


@pytest.mark.parametrize("name", PRINCIPALS)
def test_readable_audiences_say_what_the_visibility_clause_says(world, library, name):
    reader = principal_of(world, name)
    visible = set(
        db.session.scalars(select(Article.slug).where(services.visibility_clause(reader)))
    )
    by_audience = {
        a.slug
        for a in library.articles.values()
        if audience_of(a.status, a.visibility) in readable_audiences(reader)
    }
    assert visible == by_audience == {library.slug(k) for k in EXPECTED_VISIBLE[name]}


@pytest.mark.parametrize("name", PRINCIPALS)
@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_a_suggestion_never_offers_a_word_of_an_article_the_reader_may_not_see(
    app, world, library, name, key
):
    secret = library.secrets[key]
    reader = principal_of(world, name)
    results = search.search_articles(MISSPELT[secret], reader)
    suggested = results.did_you_mean.query if results.did_you_mean else None
    if key in EXPECTED_VISIBLE[name]:
        assert suggested == secret
        return
    assert suggested is None
    page = client_of(app, world, name).get(f"/kb/?q={MISSPELT[secret]}").get_data(as_text=True)
    assert secret not in page
    api = client_of(app, world, name).get(f"/api/v1/kb/articles?q={MISSPELT[secret]}")
    assert secret not in api.get_data(as_text=True)


@pytest.mark.parametrize("name", PRINCIPALS)
@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_completing_an_unfinished_word_never_finds_a_hidden_article(world, library, name, key):
    secret = library.secrets[key]
    reader = principal_of(world, name)
    found = {h.article.slug for h in search.search_articles(secret[:5], reader).hits}
    expected = {library.slug(key)} if key in EXPECTED_VISIBLE[name] else set()
    assert found == expected


def test_a_suggestion_counts_only_the_articles_the_reader_may_see(world):
    author = world.user("vendor_engineer")
    # "pint": "paint" in one public article, "print" in three internal ones.
    make_article(author, title="Paint the dashboard", body="Colours and themes.")
    for n in range(3):
        make_article(author, title=f"Print queue {n}", body="Jobs.", visibility="internal")

    def suggestion(name: str) -> str:
        return search.search_articles("pint", principal_of(world, name)).did_you_mean.query

    assert suggestion("anonymous") == suggestion("acme_tech") == "paint"
    assert suggestion("support_manager") == "print"


def test_the_vocabulary_follows_edits_and_withdrawals(world):
    author = world.user("vendor_engineer")
    article = make_article(author, title="Kestrel calibration", body="Calibrate it.")
    anonymous = principal_of(world, "anonymous")
    assert search.search_articles("kestrl", anonymous).did_you_mean.query == "kestrel"
    update_article(
        article,
        ArticleInput(
            title="Falcon calibration", body="Calibrate it.", kind="how_to", visibility="public"
        ),
        actor=author,
    )
    db.session.commit()
    assert search.search_articles("kestrl", anonymous).did_you_mean is None
    assert search.search_articles("falcn", anonymous).did_you_mean.query == "falcon"
    services.unpublish_article(article, actor=author)
    db.session.commit()
    assert search.search_articles("falcn", anonymous).did_you_mean is None
    assert search.search_articles("falcn", author).did_you_mean.query == "falcon"
    db.session.delete(article)
    db.session.commit()
    assert search.search_articles("falcn", author).did_you_mean is None


# --- Tag counts ---------------------------------------------------------------------------------


def _counted_by_hand(reader) -> dict[str, int]:
    visible = db.session.scalars(select(Article).where(services.visibility_clause(reader))).all()
    return dict(Counter(tag for article in visible for tag in article.tags))


def _assert_counts_right(world):
    for name in PRINCIPALS:
        reader = principal_of(world, name)
        assert dict(search.popular_tags(reader, limit=100)) == _counted_by_hand(reader), name


def test_tag_counts_follow_every_change_for_every_reader(world, library):
    author = world.user("vendor_engineer")
    _assert_counts_right(world)
    article = library.articles["pub_partners"]
    update_article(
        article,
        ArticleInput(
            title=article.title,
            body=article.body,
            kind=article.kind,
            visibility="public",
            tags=["zebrafish", "sensors", "new-tag"],
        ),
        actor=author,
    )
    db.session.commit()
    _assert_counts_right(world)
    services.unpublish_article(library.articles["pub_public"], actor=author)
    services.publish_article(library.articles["draft_internal"], actor=author)
    db.session.commit()
    _assert_counts_right(world)
    db.session.delete(library.articles["pub_internal"])
    db.session.commit()
    db.session.expire_all()
    _assert_counts_right(world)


def test_popular_tags_are_ordered_by_use_then_name(world):
    author = world.user("vendor_engineer")
    for tags in (["backup", "sso"], ["backup"], ["alpha", "sso"], ["backup"]):
        make_article(author, tags=tags)
    reader = principal_of(world, "anonymous")
    assert search.popular_tags(reader) == [("backup", 3), ("sso", 2), ("alpha", 1)]
    assert search.popular_tags(reader, limit=1) == [("backup", 3)]


def test_reindex_rebuilds_the_vocabulary_and_the_tag_counts(app, world, library):
    from sqlalchemy import text

    tables = ("kb_search_words",) if db.engine.dialect.name == "postgresql" else ()
    db.session.execute(text("DELETE FROM kb_tag_counts"))
    for table in tables:
        db.session.execute(text(f"DELETE FROM {table}"))
    if db.engine.dialect.name == "sqlite":
        db.session.execute(
            text("INSERT INTO kb_articles_words(kb_articles_words) VALUES ('delete-all')")
        )
    db.session.commit()
    anonymous = principal_of(world, "anonymous")
    assert search.popular_tags(anonymous) == []
    assert search.search_articles("aardvak", anonymous).did_you_mean is None
    assert app.test_cli_runner().invoke(args=["reindex"]).exit_code == 0
    db.session.expire_all()
    _assert_counts_right(world)
    assert search.search_articles("aardvak", anonymous).did_you_mean.query == "aardvark"
