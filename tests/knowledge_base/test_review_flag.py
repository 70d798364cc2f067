"""A new major release flags for review the articles that apply only to older releases."""

from datetime import date

from knowledge_base.services import flag_articles_for_major_release, mark_reviewed
from portal.extensions import db
from portal.models import AuditEntry, Release
from tests.factories import Browser, make_product, signed_in
from tests.knowledge_base.factories import make_article


def _release(product, version, day, major):
    release = Release(
        product=product, version=version, released_on=day, major=major, supported=True
    )
    db.session.add(release)
    db.session.flush()
    return release


def test_articles_listing_only_older_releases_are_flagged(world):
    author = world.user("vendor_engineer")
    product = make_product("server", releases=())
    v3 = _release(product, "3.0.0", date(2024, 1, 1), True)
    v31 = _release(product, "3.1.0", date(2024, 6, 1), False)
    v4 = _release(product, "4.0.0", date(2025, 3, 1), True)
    other_product = make_product("mobile", releases=("1.0.0",))
    only_old = make_article(author, title="Old only", product=product, releases=[v3, v31])
    old_and_new = make_article(author, title="Old and new", product=product, releases=[v31, v4])
    every_release = make_article(author, title="Every release", product=product)
    new_only = make_article(author, title="New only", product=product, releases=[v4])
    draft_old = make_article(
        author, title="Draft old", product=product, releases=[v3], publish=False
    )
    elsewhere = make_article(
        author, title="Elsewhere", product=other_product, releases=other_product.releases
    )

    flagged = flag_articles_for_major_release(v4, actor=world.user("vendor_admin"))
    db.session.commit()

    assert {a.title for a in flagged} == {"Old only", "Draft old"}
    assert only_old.needs_review and draft_old.needs_review
    for article in (old_and_new, every_release, new_only, elsewhere):
        assert not article.needs_review
    entries = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "kb_article.flagged_for_review")
    ).all()
    assert {e.object_id for e in entries} == {only_old.id, draft_old.id}
    # Running it again flags nothing new.
    assert flag_articles_for_major_release(v4) == []


def test_a_minor_release_flags_nothing(world):
    author = world.user("vendor_engineer")
    product = make_product("server", releases=())
    v3 = _release(product, "3.0.0", date(2024, 1, 1), True)
    v32 = _release(product, "3.2.0", date(2025, 1, 1), False)
    article = make_article(author, product=product, releases=[v3])
    assert flag_articles_for_major_release(v32) == []
    assert not article.needs_review


def test_editors_see_the_flag_and_mark_the_article_reviewed(app, world):
    author = world.user("vendor_engineer")
    product = make_product("server", releases=())
    v3 = _release(product, "3.0.0", date(2024, 1, 1), True)
    v4 = _release(product, "4.0.0", date(2025, 3, 1), True)
    article = make_article(
        author, title="Legacy setup", product=product, releases=[v3], visibility="partners"
    )
    flag_articles_for_major_release(v4)
    db.session.commit()

    technician_page = (
        signed_in(app, world.user("acme_tech"))
        .get(f"/kb/articles/{article.slug}")
        .get_data(as_text=True)
    )
    assert "Mark reviewed" not in technician_page

    editor = Browser(signed_in(app, author))
    listing = editor.client.get("/kb/?review=1").get_data(as_text=True)
    assert "Legacy setup" in listing and "Needs review" in listing
    page = editor.client.get(f"/kb/articles/{article.slug}").get_data(as_text=True)
    assert "Mark reviewed" in page
    path = f"/kb/articles/{article.slug}"
    assert editor.post(path + "/reviewed", form_page=path).status_code == 302
    db.session.expire_all()
    assert not db.session.get(type(article), article.id).needs_review
    assert editor.post(path + "/reviewed", form_page=path).status_code == 409


def test_mark_reviewed_is_audited(world):
    author = world.user("vendor_engineer")
    product = make_product("server", releases=())
    v3 = _release(product, "3.0.0", date(2024, 1, 1), True)
    v4 = _release(product, "4.0.0", date(2025, 3, 1), True)
    article = make_article(author, product=product, releases=[v3])
    flag_articles_for_major_release(v4)
    mark_reviewed(article, actor=author)
    db.session.commit()
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "kb_article.reviewed")
    ).one()
    assert entry.before["needs_review"] is True and entry.after["needs_review"] is False


def test_publishing_a_major_release_from_the_products_page_flags_old_articles(app, world):
    """The product admin page (portal) reaches the KB through the release signal."""
    author = world.user("vendor_engineer")
    old = world.product.releases[-1]
    article = make_article(
        author, title="Applies to the first release", product=world.product, releases=[old]
    )
    client = signed_in(app, world.user("vendor_admin"))
    path = f"/admin/products/{world.product.id}/releases/new"
    response = client.post(
        path,
        data={
            "csrf_token": Browser(client).csrf_token(path),
            "version": "9.0.0",
            "released_on": "2026-11-01",
            "major": "y",
            "supported": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert db.session.get(type(article), article.id).needs_review
