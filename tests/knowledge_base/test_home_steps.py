"""The knowledge base's items on the home page: flagged articles and drafts, for writers."""

import pytest

from portal.extensions import db
from tests.core.test_home_pages import home, steps_on
from tests.factories import make_product, make_user, signed_in
from tests.knowledge_base.factories import make_article


def _flag(article) -> None:
    article.needs_review = True
    db.session.commit()


def test_engineer_home_lists_flagged_articles_and_drafts(app, world):
    engineer = world.user("vendor_engineer")
    colleague = make_user("vendor_engineer", name="Colleague")
    flagged = make_article(engineer, title="Clustering on 3.8", product=world.product)
    _flag(flagged)
    mine = make_article(engineer, title="My draft", publish=False)
    theirs = make_article(colleague, title="Their draft", publish=False)
    make_article(engineer, title="Published and fine")

    steps = steps_on(home(app, engineer))
    review = steps["kb_articles_to_review"]
    assert "Clustering on 3.8" in review and "Orbit" in review
    assert f'href="/kb/articles/{flagged.slug}"' in review
    drafts = steps["kb_drafts"]
    # The engineer's own drafts first, then the team's, each linking to its editor.
    assert drafts.index("My draft") < drafts.index("Their draft")
    assert f'href="/kb/articles/{mine.slug}/edit"' in drafts
    assert f'href="/kb/articles/{theirs.slug}/edit"' in drafts
    assert "by Colleague" in drafts
    assert "Published and fine" not in drafts


def test_vendor_admin_sees_only_their_own_drafts(app, world):
    make_article(world.user("vendor_engineer"), title="Engineer draft", publish=False)
    make_article(world.user("vendor_admin"), title="Admin draft", publish=False)
    drafts = steps_on(home(app, world.user("vendor_admin")))["kb_drafts"]
    assert "Admin draft" in drafts and "Engineer draft" not in drafts


@pytest.mark.parametrize("who", ["support_manager", "acme_admin", "acme_tech"])
def test_readers_who_do_not_write_articles_see_no_drafts(app, world, who):
    article = make_article(world.user("vendor_engineer"), title="Secret draft", publish=False)
    _flag(make_article(world.user("vendor_engineer"), title="Flagged one"))
    html = home(app, world.user(who))
    assert "Secret draft" not in html and article.slug not in html
    assert "kb_articles_to_review" not in steps_on(html)


def test_engineer_home_runs_the_same_queries_for_1_or_5_drafts_of_different_authors(
    app, world, count_queries
):
    engineer = world.user("vendor_engineer")

    def add(n: int) -> None:
        author = make_user("vendor_engineer", name=f"Author {n}")
        product = make_product(f"kb-product-{n}")
        make_article(author, title=f"Draft {n}", product=product, publish=False)
        _flag(make_article(author, title=f"Flagged {n}", product=product))

    def queries(*must_show: str) -> int:
        client = signed_in(app, engineer)
        with count_queries() as counter:
            html = client.get("/").get_data(as_text=True)
        for text in must_show:
            assert text in html
        return counter.count

    add(0)
    one = queries("by Author 0", "Kb Product 0")
    for n in range(1, 5):
        add(n)
    assert queries("by Author 4", "Kb Product 4") == one
