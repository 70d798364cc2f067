""" "Was this helpful": one vote per signed-in reader; counts for vendor roles only."""

import pytest
from sqlalchemy import func, select

from knowledge_base import votes
from knowledge_base.models import Vote
from portal.access import Anonymous
from portal.errors import DomainError
from portal.extensions import db
from tests.factories import Browser, signed_in
from tests.knowledge_base.factories import make_article


def _vote_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Vote))


def test_a_reader_counts_once_however_often_they_vote(world):
    article = make_article(world.user("vendor_engineer"))
    reader = world.user("acme_tech")
    for _ in range(3):
        votes.vote(article, reader, helpful=True)
    db.session.commit()
    assert votes.vote_counts(article) == votes.VoteCounts(helpful=1, not_helpful=0)
    assert _vote_rows() == 1


def test_a_second_vote_replaces_the_first(world):
    article = make_article(world.user("vendor_engineer"))
    reader = world.user("acme_tech")
    votes.vote(article, reader, helpful=True)
    votes.vote(article, reader, helpful=False)
    db.session.commit()
    assert votes.vote_counts(article) == votes.VoteCounts(helpful=0, not_helpful=1)
    assert votes.vote_of(article, reader) is False


def test_votes_of_different_readers_add_up(world):
    article = make_article(world.user("vendor_engineer"))
    for name, helpful in (
        ("acme_tech", True),
        ("globex_tech", True),
        ("acme_admin", False),
        ("support_manager", True),
    ):
        votes.vote(article, world.user(name), helpful)
    db.session.commit()
    counts = votes.vote_counts(article)
    assert (counts.helpful, counts.not_helpful, counts.total) == (3, 1, 4)


def test_anonymous_readers_cannot_vote(world):
    article = make_article(world.user("vendor_engineer"))
    with pytest.raises(DomainError):
        votes.vote(article, Anonymous(), True)


def test_voting_through_the_page_counts_once(app, world):
    article = make_article(world.user("vendor_engineer"))
    browser = Browser(signed_in(app, world.user("acme_tech")))
    url = f"/kb/articles/{article.slug}/vote"
    for answer in ("yes", "yes", "no"):
        response = browser.post(url, data={"helpful": answer}, form_page=url[:-5])
        assert response.status_code == 302
    assert _vote_rows() == 1
    assert votes.vote_counts(article) == votes.VoteCounts(helpful=0, not_helpful=1)
    page = browser.client.get(f"/kb/articles/{article.slug}").get_data(as_text=True)
    assert "you answered no" in page


def test_a_vote_without_an_answer_changes_nothing(app, world):
    article = make_article(world.user("vendor_engineer"))
    browser = Browser(signed_in(app, world.user("acme_tech")))
    path = f"/kb/articles/{article.slug}"
    assert (
        browser.post(path + "/vote", data={"helpful": "maybe"}, form_page=path).status_code == 302
    )
    assert _vote_rows() == 0


def test_anonymous_vote_goes_to_sign_in(app, world):
    article = make_article(world.user("vendor_engineer"))
    response = app.test_client().post(f"/kb/articles/{article.slug}/vote", data={"helpful": "yes"})
    assert response.status_code in (302, 400)
    assert _vote_rows() == 0


def test_no_vote_on_an_article_the_reader_may_not_see(app, world):
    article = make_article(world.user("vendor_engineer"), visibility="internal")
    browser = Browser(signed_in(app, world.user("acme_tech")))
    response = browser.post(
        f"/kb/articles/{article.slug}/vote", data={"helpful": "yes"}, form_page="/kb/"
    )
    assert response.status_code == 404
    assert _vote_rows() == 0


@pytest.mark.parametrize(
    ("name", "sees_counts"),
    [
        ("vendor_admin", True),
        ("support_manager", True),
        ("vendor_engineer", True),
        ("acme_admin", False),
        ("acme_tech", False),
        ("anonymous", False),
    ],
)
def test_counts_are_shown_to_vendor_roles_only(app, world, name, sees_counts):
    article = make_article(world.user("vendor_engineer"))
    votes.vote(article, world.user("globex_tech"), True)
    db.session.commit()
    client = app.test_client() if name == "anonymous" else signed_in(app, world.user(name))
    page = client.get(f"/kb/articles/{article.slug}").get_data(as_text=True)
    assert ('data-testid="vote-counts"' in page) is sees_counts
    assert ("1 found it helpful" in page) is sees_counts
