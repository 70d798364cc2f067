"""The editor: who may write, preview, save, publish; bad input changes nothing."""

import pytest
from sqlalchemy import func, select

from knowledge_base.models import Article, ArticleTag, Revision
from portal.extensions import db
from portal.models import AuditEntry
from tests.factories import Browser, make_product, signed_in
from tests.knowledge_base.factories import make_article
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def _counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Article, Revision, ArticleTag, AuditEntry)
    )


def _form(**changes) -> dict:
    data = {
        "title": "Rotate the signing key",
        "kind": "how_to",
        "visibility": "partners",
        "product_id": "None",
        "tags": "security, keys",
        "note": "",
        "body": "## Steps\n\n1. Generate a key.\n2. Upload it.",
        "save": "Save draft",
    }
    data.update(changes)
    return data


@pytest.fixture
def editor(app, world):
    return Browser(signed_in(app, world.user("vendor_engineer")))


def test_an_editor_creates_a_draft(editor, world):
    response = editor.post("/kb/new", data=_form(), form_page="/kb/new")
    assert response.status_code == 302
    article = db.session.scalar(select(Article))
    assert response.headers["Location"].endswith(f"/kb/articles/{article.slug}")
    assert (article.slug, article.status, article.visibility) == (
        "rotate-the-signing-key",
        "draft",
        "partners",
    )
    assert article.tags == ["keys", "security"]
    assert article.author_id == world.user("vendor_engineer").id
    assert article.revision_number == 1


def test_save_and_publish_publishes(editor, world):
    product = world.product
    release = product.releases[0]
    editor.post(
        "/kb/new",
        data=_form(
            publish="Save and publish",
            save="",
            product_id=str(product.id),
            release_ids=[str(release.id)],
        ),
        form_page="/kb/new",
    )
    article = db.session.scalar(select(Article))
    assert article.status == "published" and article.published_at is not None
    assert [r.id for r in article.releases] == [release.id]


def test_preview_renders_without_saving(editor):
    before = _counts()
    response = editor.post(
        "/kb/new",
        data=_form(preview="Preview", save="", body="# Heading\n\n<script>x</script>"),
        form_page="/kb/new",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="kb-preview"' in page and "<h1>Heading</h1>" in page
    assert "<script>x</script>" not in page
    assert _counts() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "ab"}, "Field must be between 3 and 200 characters long."),
        ({"title": "x" * 201}, "Field must be between 3 and 200 characters long."),
        ({"body": "   "}, "This field is required."),
        ({"body": "x" * 100_001}, "Field cannot be longer than 100000 characters."),
        ({"kind": "poem"}, "Not a valid choice."),
        ({"visibility": "everyone"}, "Not a valid choice."),
        ({"product_id": "99999"}, "Not a valid choice."),
        ({"tags": "ok, <b>bad</b>"}, "Tags are words"),
        ({"tags": ", ".join(f"t{n}" for n in range(13))}, "At most 12 tags."),
        ({"note": "n" * 201}, "Field cannot be longer than 200 characters."),
        ({"release_ids": ["1"]}, "Choose the product before its releases."),
    ],
)
def test_bad_input_gives_a_clear_message_and_changes_nothing(editor, world, changes, message):
    make_article(world.user("vendor_admin"), title="Existing one")
    before = _counts()
    response = editor.post("/kb/new", data=_form(**changes), form_page="/kb/new")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _counts() == before


def test_releases_of_another_product_are_refused(editor, world):
    other = make_product("other", releases=("9.0.0",))
    db.session.commit()
    before = _counts()
    response = editor.post(
        "/kb/new",
        data=_form(product_id=str(world.product.id), release_ids=[str(other.releases[0].id)]),
        form_page="/kb/new",
    )
    assert response.status_code == 400
    assert "Choose releases of Orbit only." in response.get_data(as_text=True)
    assert _counts() == before


def test_bad_edit_changes_nothing(editor, world):
    article = make_article(world.user("vendor_admin"), title="Keep me", body="Original.")
    before = _counts()
    response = editor.post(
        f"/kb/articles/{article.slug}/edit",
        data=_form(title="", body="Changed.", revision="1", save="Save"),
        form_page=f"/kb/articles/{article.slug}/edit",
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert (db.session.get(Article, article.id).body, _counts()) == ("Original.", before)


def test_an_edit_from_a_stale_form_is_a_conflict(editor, world):
    article = make_article(world.user("vendor_admin"), title="Shared page", body="v1")
    edit = f"/kb/articles/{article.slug}/edit"
    assert (
        editor.post(
            edit,
            data=_form(title="Shared page", body="v2", revision="1", save="Save"),
            form_page=edit,
        ).status_code
        == 302
    )
    response = editor.post(
        edit, data=_form(title="Shared page", body="v3", revision="1", save="Save"), form_page=edit
    )
    assert response.status_code == 409
    assert "Someone else saved this article" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Article, article.id).body == "v2"


def test_the_edit_form_is_filled_in_and_saves_a_revision(editor, world):
    article = make_article(
        world.user("vendor_admin"), title="Firewall ports", body="Open 443.", tags=["network"]
    )
    edit = f"/kb/articles/{article.slug}/edit"
    page = editor.client.get(edit).get_data(as_text=True)
    assert 'value="Firewall ports"' in page and "Open 443." in page
    assert 'name="revision" type="hidden" value="1"' in page
    response = editor.post(
        edit,
        data=_form(
            title="Firewall ports",
            body="Open 443 and 8443.",
            tags="network",
            visibility="public",
            revision="1",
            save="Save",
            note="8443 too",
        ),
        form_page=edit,
    )
    assert response.status_code == 302
    db.session.expire_all()
    article = db.session.get(Article, article.id)
    assert (article.body, article.revision_number) == ("Open 443 and 8443.", 2)


def test_publish_and_unpublish_buttons(editor, world):
    article = make_article(world.user("vendor_admin"), publish=False)
    path = f"/kb/articles/{article.slug}"
    assert editor.post(path + "/publish", form_page=path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Article, article.id).status == "published"
    assert editor.post(path + "/publish", form_page=path).status_code == 409
    asked = editor.post(path + "/unpublish", form_page=path)  # unconfirmed: it only asks
    assert asked.status_code == 200 and "Unpublish “" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Article, article.id).status == "published"
    confirmed = editor.post(path + "/unpublish", data={"confirmed": "yes"}, form_page=path)
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Article, article.id).status == "draft"
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["kb_article.published", "kb_article.unpublished"]


@pytest.mark.parametrize("name", ["support_manager", "acme_admin", "acme_tech", "globex_tech"])
def test_readers_who_do_not_write_articles_cannot_open_the_editor(app, world, name):
    article = make_article(world.user("vendor_admin"))
    client = signed_in(app, world.user(name))
    assert client.get("/kb/new").status_code == 403
    assert client.get(f"/kb/articles/{article.slug}/edit").status_code == 403
    page = client.get(f"/kb/articles/{article.slug}").get_data(as_text=True)
    assert "/edit" not in page


def test_anonymous_editor_visit_goes_to_sign_in(client):
    response = client.get("/kb/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_editor_pages_look_complete(editor, world):
    page = editor.client.get("/kb/new").get_data(as_text=True)
    for text in (
        "New article",
        "Preview",
        "Save draft",
        "Save and publish",
        "Affected releases",
        "Who may read it",
        "Markdown quick reference",
        'type="checkbox"',
    ):
        assert text in page, text
