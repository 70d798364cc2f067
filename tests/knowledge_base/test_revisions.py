"""Every save keeps a revision (author, time); history, diff and restore."""

import pytest
from sqlalchemy import func, select

from knowledge_base import services
from knowledge_base.diff import line_diff, revision_diff
from knowledge_base.models import Article, Revision
from knowledge_base.services import ArticleInput, restore_revision, update_article
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from tests.factories import signed_in
from tests.knowledge_base.factories import make_article


def _input(article, **changes) -> ArticleInput:
    values = dict(
        title=article.title,
        body=article.body,
        kind=article.kind,
        visibility=article.visibility,
        product_id=article.product_id,
        release_ids=[r.id for r in article.releases],
        tags=article.tags,
    )
    values.update(changes)
    return ArticleInput(**values)


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_creating_an_article_keeps_revision_one_with_author_and_time(world):
    author = world.user("vendor_engineer")
    article = make_article(
        author, title="Install the agent", body="Run the installer.", tags=["Agent", "install"]
    )
    (revision,) = services.revisions_of(article)
    assert (revision.number, revision.title, revision.body) == (
        1,
        "Install the agent",
        "Run the installer.",
    )
    assert revision.author_id == author.id and revision.created_at is not None
    assert revision.tags == ["agent", "install"]
    assert article.revision_number == 1
    (entry,) = _audit("kb_article.created")
    assert entry.actor_id == author.id and entry.after["title"] == "Install the agent"


def test_every_save_adds_a_revision_and_an_audit_entry(world):
    engineer, admin = world.user("vendor_engineer"), world.user("vendor_admin")
    article = make_article(engineer, body="Version one.")
    assert update_article(
        article, _input(article, body="Version two.", note="clarify"), actor=admin
    )
    assert update_article(article, _input(article, title="A better title"), actor=engineer)
    db.session.commit()
    revisions = services.revisions_of(article)
    assert [r.number for r in revisions] == [3, 2, 1]
    assert [r.author_id for r in revisions] == [engineer.id, admin.id, engineer.id]
    assert revisions[1].note == "clarify" and revisions[1].body == "Version two."
    entries = _audit("kb_article.updated")
    assert len(entries) == 2
    assert entries[0].before["revision_number"] == 1 and entries[0].after["revision_number"] == 2


def test_a_save_without_changes_keeps_no_empty_revision(world):
    author = world.user("vendor_engineer")
    article = make_article(author)
    assert update_article(article, _input(article), actor=author) is False
    assert article.revision_number == 1
    assert db.session.scalar(select(func.count()).select_from(Revision)) == 1


def test_the_slug_is_stable_when_the_title_changes(app, world):
    author = world.user("vendor_engineer")
    article = make_article(author, title="Original title")
    update_article(article, _input(article, title="A completely new title"), actor=author)
    db.session.commit()
    assert article.slug == "original-title"
    client = signed_in(app, world.user("acme_tech"))
    page = client.get("/kb/articles/original-title")
    assert page.status_code == 200 and "A completely new title" in page.get_data(as_text=True)


def test_same_titles_get_distinct_slugs(world):
    author = world.user("vendor_engineer")
    slugs = [make_article(author, title="Reset a password").slug for _ in range(3)]
    assert slugs == ["reset-a-password", "reset-a-password-2", "reset-a-password-3"]
    assert make_article(author, title="Ünïcode & symbols!").slug == "unicode-symbols"


def test_restore_brings_back_old_content_as_a_new_revision(world):
    author = world.user("vendor_engineer")
    article = make_article(
        author, title="First title", body="Original text.", tags=["a"], visibility="partners"
    )
    update_article(
        article,
        _input(article, title="Second title", body="Rewritten.", tags=["b"], visibility="public"),
        actor=author,
    )
    db.session.commit()
    first = services.get_revision_or_404(article, 1)
    restored = restore_revision(
        article, first, actor=world.user("vendor_admin"), expected_revision=2
    )
    db.session.commit()
    assert restored.number == 3 and restored.note == "Restored revision 1"
    assert (article.title, article.body, article.tags) == ("First title", "Original text.", ["a"])
    # Who may read it stays as it is now: a restore never exposes or hides by surprise.
    assert article.visibility == "public"
    assert [r.number for r in services.revisions_of(article)] == [3, 2, 1]


def test_restoring_the_current_revision_is_refused(world):
    author = world.user("vendor_engineer")
    article = make_article(author)
    with pytest.raises(DomainError) as exc:
        restore_revision(article, services.get_revision_or_404(article, 1), actor=author)
    assert exc.value.status == 409


def test_a_stale_save_is_a_conflict_and_changes_nothing(world):
    author = world.user("vendor_engineer")
    article = make_article(author, body="Base text.")
    update_article(article, _input(article, body="Someone else's edit."), actor=author)
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        update_article(article, _input(article, body="My edit."), actor=author, expected_revision=1)
    assert exc.value.code == "edit_conflict" and exc.value.status == 409
    db.session.rollback()
    assert db.session.get(Article, article.id).body == "Someone else's edit."


def test_line_diff_shows_added_removed_and_context_lines():
    old = "\n".join(f"line {n}" for n in range(1, 11))
    new = old.replace("line 5", "line five").replace("line 10", "line 10\nline 11")
    diff = line_diff(old, new, context=1)
    rows = [(d.kind, d.old_number, d.new_number, d.text) for d in diff]
    assert ("removed", 5, None, "line 5") in rows
    assert ("added", None, 5, "line five") in rows
    assert ("added", None, 11, "line 11") in rows
    assert ("gap", None, None, "…") in rows
    assert ("context", 1, 1, "line 1") not in rows  # outside the context


def test_revision_diff_lists_field_changes(world):
    author = world.user("vendor_engineer")
    release = world.product.releases[0]
    article = make_article(author, body="one\ntwo", product=world.product)
    update_article(
        article,
        _input(article, body="one\n2", kind="known_issue", release_ids=[release.id], tags=["x"]),
        actor=author,
    )
    first, second = (
        services.get_revision_or_404(article, 1),
        services.get_revision_or_404(article, 2),
    )
    diff = revision_diff(first, second)
    fields = {label: (before, after) for label, before, after in diff.fields}
    assert fields["Kind"] == ("How-to", "Known issue")
    assert fields["Releases"] == ("all", release.version)
    assert fields["Tags"] == ("—", "x")
    assert [d.kind for d in diff.body] == ["context", "removed", "added"]
    assert revision_diff(second, second).unchanged


def test_history_diff_and_restore_pages(app, world):
    author = world.user("vendor_engineer")
    article = make_article(author, title="Proxy settings", body="Set HTTP_PROXY.")
    update_article(article, _input(article, body="Set HTTPS_PROXY.", note="https"), actor=author)
    db.session.commit()
    client = signed_in(app, author)
    history = client.get(f"/kb/articles/{article.slug}/history").get_data(as_text=True)
    assert "#2" in history and "https" in history and "Restore" in history
    page = client.get(f"/kb/articles/{article.slug}/revisions/2").get_data(as_text=True)
    assert "Changes from revision 1 to 2" in page
    assert "kb-diff-removed" in page and "Set HTTP_PROXY." in page
    assert "kb-diff-added" in page and "Set HTTPS_PROXY." in page
    whole = client.get(f"/kb/articles/{article.slug}/revisions/1?compare=0")
    assert "Content of revision 1" in whole.get_data(as_text=True)
    assert client.get(f"/kb/articles/{article.slug}/revisions/9").status_code == 404

    from tests.factories import Browser

    response = Browser(client).post(
        f"/kb/articles/{article.slug}/revisions/1/restore",
        data={"revision": "2", "confirmed": "yes"},
        form_page="/kb/new",
    )
    assert response.status_code == 302
    db.session.expire_all()
    restored = db.session.get(Article, article.id)
    assert (restored.body, restored.revision_number) == ("Set HTTP_PROXY.", 3)


@pytest.mark.parametrize("name", ["support_manager", "acme_admin", "acme_tech"])
def test_only_editors_see_history(app, world, name):
    article = make_article(world.user("vendor_engineer"))
    client = signed_in(app, world.user(name))
    assert client.get(f"/kb/articles/{article.slug}/history").status_code == 403
    assert client.get(f"/kb/articles/{article.slug}/revisions/1").status_code == 403
