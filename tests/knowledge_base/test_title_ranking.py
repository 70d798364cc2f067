"""Title first: an article whose title names what the reader looks for comes first.

Two rules make it so, and each is held here on its own, on SQLite and PostgreSQL:

- articles whose title matches the query come before those that match only in their
  tags or text, however relevant those score (`test_a_title_match_comes_first_...`);
- among articles that all match in their title (or all do not), a word in the title
  counts for more than the same word in the text (`test_a_word_in_the_title_...`).

The articles are written so that, in each test, the other rule alone would give the
same order as plain relevance: take the rule away and the order flips.
"""

import pytest

from knowledge_base.search import search_articles, suggest
from tests.knowledge_base.factories import make_article

# Unrelated articles, so that the words searched for are rare, as in a real knowledge base.
OTHERS = (
    ("Configure single sign-on", "Use SAML or OpenID Connect to sign users in."),
    ("Printer setup", "Install the driver and print a test page."),
    ("Backup guide", "Back up the database every night and keep a week of copies."),
    ("Upgrade notes", "Read the release notes before upgrading a cluster."),
)


@pytest.fixture
def author(world):
    author = world.user("vendor_engineer")
    for title, body in OTHERS:
        make_article(author, title=title, body=body)
    return author


def _titles(hits) -> list[str]:
    return [hit.article.title for hit in hits]


@pytest.fixture
def title_against_text(author):
    """One title naming one of the words, and a text naming them all, again and again.

    By relevance alone the text wins: it matches every word, four times each.
    """
    make_article(
        author,
        title="Storage housekeeping",
        body="When the disk fills, check the inode count, the limit and the quota. " * 4,
    )
    make_article(
        author, title="Quota exceeded", body="Ask the administrator of the project for more room."
    )


def test_a_title_match_comes_first_even_against_a_text_matching_every_word(
    world, title_against_text
):
    reader = world.user("acme_tech")
    results = search_articles("quota or disk or inode or limit", reader)
    assert _titles(results.hits) == ["Quota exceeded", "Storage housekeeping"]


def test_suggestions_put_a_title_match_first_even_against_a_text_matching_every_word(
    world, title_against_text
):
    # An escalation being written: its words are alternatives, none required.
    suggestions = suggest("inode limit disk quota ", world.user("acme_tech"))
    assert [s.title for s in suggestions] == ["Quota exceeded", "Storage housekeeping"]


def test_a_word_in_the_title_counts_for_more_than_the_same_word_in_the_text(world, author):
    # Both titles match the query, so both come before text-only matches; between them,
    # "disk" in one title outweighs "disk" four times in the other's text.
    make_article(
        author,
        title="Quota report",
        body="The disk usage per disk. Each disk and every disk counts.",
    )
    make_article(
        author,
        title="Disk quota exceeded",
        body="Ask the administrator of the project for more room.",
    )
    make_article(
        author, title="Storage housekeeping", body="When the disk fills, look at the quota."
    )
    reader = world.user("acme_tech")
    results = search_articles("quota or disk", reader)
    assert _titles(results.hits) == ["Disk quota exceeded", "Quota report", "Storage housekeeping"]
