"""Search that forgives: units, unfinished words, misspellings, too many words, and a
clear page when nothing matches. Each rule holds on SQLite and on PostgreSQL."""

import re

import pytest

from knowledge_base import search
from knowledge_base.query import parse_query
from knowledge_base.search import MATCHED_ALL, MATCHED_ANY, search_articles, suggest
from tests.factories import signed_in
from tests.knowledge_base.factories import make_article


def _slugs(results) -> list[str]:
    return [hit.article.slug for hit in results.hits]


@pytest.fixture
def author(world):
    author = world.user("vendor_engineer")
    # Other articles, so that the words searched for are not everywhere.
    make_article(author, title="Configure single sign-on", body="Use SAML to sign users in.")
    make_article(author, title="Printer setup", body="Install the driver and print a page.")
    return author


# --- Numbers and units ----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["export hangs 2GB", "export hangs 2 GB", "2gb export"])
def test_a_number_and_its_unit_match_written_apart_in_the_text(world, author, query):
    article = make_article(
        author, title="Export hangs on files larger than 2 GB", body="The export stops at 99 %."
    )
    assert _slugs(search_articles(query, world.user("acme_tech"))) == [article.slug]


@pytest.mark.parametrize("query", ["timeout 30 s", "timeout 30s", "500 ms timeout", "500ms"])
def test_a_number_and_its_unit_match_written_together_in_the_text(world, author, query):
    article = make_article(
        author,
        title="Gateway timeouts",
        body="Requests time out after 30s; the timeout is 500ms per hop.",
    )
    assert _slugs(search_articles(query, world.user("acme_tech"))) == [article.slug]


def test_units_are_matched_in_tags_too_and_a_lone_number_is_not_widened(world, author):
    tagged = make_article(author, title="Large uploads", body="Uploads stall.", tags=["4gb"])
    other = make_article(author, title="Four nodes", body="Run 4 nodes with 8 GB each.")
    reader = world.user("acme_tech")
    assert _slugs(search_articles("uploads 4 GB", reader)) == [tagged.slug]
    assert _slugs(search_articles("8gb", reader)) == [other.slug]


def test_the_query_reader_offers_both_spellings_of_a_number_and_unit():
    assert parse_query("2GB").fts5() == '(("2gb" OR "2 gb"))'
    assert parse_query("2 GB").fts5() == '((("2" AND "gb") OR "2gb"))'
    assert parse_query('"2 GB"').tsquery() == "((('2' <-> 'gb') | ('2gb')))"
    # A number before a word is no unit to join when the word is quoted or excluded.
    assert parse_query('2 "gb"').fts5() == '("2" AND "gb")'


# --- The last word, still being typed -----------------------------------------------------


def test_the_last_word_matches_as_the_start_of_a_longer_word(world, author):
    article = make_article(
        author, title="Upgrade a cluster without downtime", body="Drain one node at a time."
    )
    reader = world.user("acme_tech")
    assert _slugs(search_articles("upgrade clus", reader)) == [article.slug]
    assert _slugs(search_articles("upgrade clust", reader)) == [article.slug]
    # Only the last word: an unfinished word earlier matches nothing by itself.
    assert search_articles("clus upgrade", reader).matched == MATCHED_ANY
    # Two letters are too few to be read as the start of a word.
    assert search_articles("upgrade cl", reader).matched == MATCHED_ANY


def test_an_unfinished_word_the_stemmer_would_not_recognise_is_completed(world, author):
    # "replicat" stems to itself, "replication" to "replic": the words of the
    # reader's articles complete it instead.
    article = make_article(author, title="Replication lag", body="The standby falls behind.")
    reader = world.user("acme_tech")
    assert _slugs(search_articles("replicat", reader)) == [article.slug]
    assert [s.slug for s in suggest("standby replicat", reader)] == [article.slug]


def test_a_finished_word_is_not_read_as_the_start_of_another(world, author):
    port = make_article(author, title="Open port 443", body="The firewall must allow it.")
    make_article(author, title="Portal branding", body="Upload a logo.")
    assert _slugs(search_articles("port", world.user("acme_tech"))) == [port.slug]


# --- All words preferred, any word accepted ---------------------------------------------------


def test_articles_with_every_word_are_preferred(world, author):
    both = make_article(author, title="Upgrade the cluster", body="Node by node.")
    make_article(author, title="Upgrade notes", body="Read them first.")
    results = search_articles("upgrade cluster", world.user("acme_tech"))
    assert (_slugs(results), results.matched) == ([both.slug], MATCHED_ALL)


def test_when_no_article_has_every_word_any_word_is_accepted_and_the_page_says_so(
    app, world, author
):
    notes = make_article(author, title="Upgrade notes", body="Read them first.")
    cluster = make_article(author, title="Cluster sizing", body="Three nodes at least.")
    reader = world.user("acme_tech")
    results = search_articles("upgrade cluster banana", reader)
    assert results.matched == MATCHED_ANY
    assert set(_slugs(results)) == {notes.slug, cluster.slug} and results.total == 2
    page = signed_in(app, reader).get("/kb/?q=upgrade+cluster+banana").get_data(as_text=True)
    assert "No article contains all of “<strong>upgrade cluster banana</strong>”" in page
    assert "2 articles with some of the words" in page
    # Excluded words stay excluded when any word is accepted.
    assert _slugs(search_articles("upgrade cluster banana -nodes", reader)) == [notes.slug]


def test_a_quoted_phrase_is_not_split_when_any_word_is_accepted(world, author):
    make_article(author, title="Connection errors", body="The pool is fine.")
    assert search_articles('"connection pool"', world.user("acme_tech")).total == 0


# --- Misspellings ------------------------------------------------------------------------------


def test_a_misspelt_word_gets_a_suggestion_from_the_articles_words(app, world, author):
    article = make_article(author, title="Upgrade to 4.2", body="Back up the database first.")
    reader = world.user("acme_tech")
    results = search_articles("upgrde", reader)
    assert (results.total, results.did_you_mean.query) == (0, "upgrade")
    client = signed_in(app, reader)
    page = client.get("/kb/?q=upgrde&kind=how_to").get_data(as_text=True)
    assert "Nothing matched “upgrde”." in page
    assert "Did you mean" in page and "<strong>upgrade</strong>" in page
    # The suggestion is a link that runs the corrected search, with the same filters.
    assert 'href="/kb/?q=upgrade&amp;kind=how_to&amp;page=1"' in page
    followed = client.get("/kb/?q=upgrade&kind=how_to&page=1").get_data(as_text=True)
    assert article.slug in followed


def test_each_misspelt_word_is_corrected_and_the_rest_of_the_query_kept(world, author):
    make_article(author, title="Upgrade the cluster", body="Database backups first.")
    results = search_articles('Upgarde the clustr -"printer"', world.user("acme_tech"))
    assert results.did_you_mean.query == 'upgrade the cluster -"printer"'
    assert str(results.did_you_mean.marked) == (
        "<strong>upgrade</strong> the <strong>cluster</strong> -&#34;printer&#34;"
    )


def test_a_misspelt_word_among_right_ones_gets_a_suggestion_beside_any_word_results(
    app, world, author
):
    both = make_article(author, title="Upgrade the cluster", body="Node by node.")
    make_article(author, title="Upgrade notes", body="Read them first.")
    reader = world.user("acme_tech")
    results = search_articles("upgrade clustr", reader)
    assert results.matched == MATCHED_ANY and results.did_you_mean.query == "upgrade cluster"
    page = signed_in(app, reader).get("/kb/?q=upgrade+clustr").get_data(as_text=True)
    assert "Did you mean" in page and 'href="/kb/?q=upgrade+cluster&amp;page=1"' in page
    assert _slugs(search_articles("upgrade cluster", reader)) == [both.slug]
    # No suggestion when the corrected words would not all be found together either.
    make_article(author, title="Banana bread", body="Not a product.")
    assert search_articles("upgrade bananna", reader).did_you_mean is None


def test_no_suggestion_when_no_word_is_close_or_the_words_are_right(world, author):
    make_article(author, title="Upgrade the cluster", body="Node by node.")
    reader = world.user("acme_tech")
    assert search_articles("xylophone", reader).did_you_mean is None
    results = search_articles("upgrade", reader)
    assert results.total == 1 and results.did_you_mean is None


def test_the_suggestion_prefers_the_word_more_of_the_readers_articles_use(world, author):
    # "pint" is one letter away from both "paint" and "print".
    make_article(author, title="Paint the dashboard", body="Colours and themes.")
    for n in range(3):
        make_article(author, title=f"Print queue {n}", body="Print jobs.")
    assert search_articles("pint", world.user("acme_tech")).did_you_mean.query == "print"


# --- Snippets and the empty page -----------------------------------------------------------------


def test_a_table_reads_as_sentences_in_snippets(world, author):
    make_article(
        author,
        title="Sizing",
        body=(
            "| seats | application nodes | CPU / RAM per node |\n|---:|---:|---|\n"
            "| 500 | 1 | 4 vCPU / 16 GB |\n| 2,000 | 2 | 8 vCPU / 32 GB |\n"
        ),
    )
    hit = search_articles("vCPU", world.user("acme_tech")).hits[0]
    snippet = str(hit.snippet)
    row = r"seats: [\d,]+; application nodes: \d; CPU / RAM per node: \d <mark>vCPU</mark>"
    assert re.search(row, snippet), snippet
    assert "seats. application nodes." not in snippet


def test_an_empty_result_says_so_without_a_count(app, world, author):
    page = app.test_client().get("/kb/?q=zzzqqq").get_data(as_text=True)
    assert "Nothing matched “zzzqqq”." in page
    assert "0 articles" not in page and "best first" not in page
    assert 'data-testid="did-you-mean"' not in page


def test_the_api_says_how_the_query_was_read(client, world, author):
    make_article(author, title="Upgrade the cluster", body="Node by node.")
    body = client.get("/api/v1/kb/articles?q=upgrde").json
    assert (body["total"], body["more"], body["matched"]) == (0, False, "all")
    assert body["did_you_mean"] == "upgrade"
    body = client.get("/api/v1/kb/articles?q=upgrade+banana").json
    assert (body["total"], body["matched"], body["did_you_mean"]) == (1, "any", None)


@pytest.mark.parametrize(
    "query",
    [
        "2GB",
        "ｆｕｌｌｗｉｄｔｈ",
        "ﬁle",
        "x²",
        "İstanbul",
        "straße",
        "e\u0301te",
        "٣٤",
        "a\u200bb",
        "don't",
        "C++",
        "v4.2.1",
        "über-2GB*",
        "2.5GB",
        "10 -gb",
        "or or",
        "-2gb",
    ],
)
def test_no_input_is_a_syntax_error_on_either_database(world, author, query):
    reader = world.user("vendor_admin")
    results = search_articles(query, reader)
    assert results.total == len(results.hits)
    assert suggest(query, reader) is not None


def test_results_pages_stop_at_the_counting_bound(app, world, author, monkeypatch):
    monkeypatch.setattr(search, "RESULTS_MAX", 3)
    for n in range(5):
        make_article(author, title=f"Quota report {n}", body="quota")
    reader = world.user("acme_tech")
    results = search_articles("quota", reader, per_page=2)
    assert (results.total, results.more, results.total_label) == (3, True, "3+")
    second = search_articles("quota", reader, page=2, per_page=2)
    assert len(second.hits) == 1 and (second.total, second.more) == (3, True)
    assert search_articles("quota", reader, page=3, per_page=2).hits == []
    page = signed_in(app, reader).get("/kb/?q=quota").get_data(as_text=True)
    assert "3+ articles match" in page
    browse = search_articles("", reader)
    assert (browse.total_label, len(browse.hits)) == ("3+", 3)
