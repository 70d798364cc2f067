"""The editor's side-by-side preview (kb.preview, JSON) and its releases ticked per product."""

import re

import pytest

from knowledge_base.services import BODY_MAX, ArticleInput, create_article
from portal.errors import DomainError
from portal.extensions import db
from tests.factories import Browser, make_product, signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


@pytest.fixture
def editor(app, world):
    return Browser(signed_in(app, world.user("vendor_engineer")))


def _preview(browser, payload, token: str | None = "from-page"):
    headers = {}
    if token == "from-page":
        headers["X-CSRFToken"] = browser.csrf_token("/kb/new")
    elif token is not None:
        headers["X-CSRFToken"] = token
    return browser.client.post("/kb/preview", json=payload, headers=headers)


# --- Preview --------------------------------------------------------------------------------


def test_the_preview_renders_markdown_with_the_sanitising_renderer(editor):
    before = row_counts()
    response = _preview(editor, {"body": "## Steps\n\n<script>alert(1)</script> [x](javascript:y)"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_json()["html"]
    assert "<h2>Steps</h2>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # shown as text, never run
    assert 'href="javascript' not in html
    assert row_counts() == before  # nothing saved


def test_the_preview_needs_the_csrf_token(editor):
    assert _preview(editor, {"body": "text"}, token=None).status_code == 400
    assert _preview(editor, {"body": "text"}, token="forged").status_code == 400


@pytest.mark.parametrize(
    "payload", [None, [], {"text": "x"}, {"body": 12}, {"body": "x" * (BODY_MAX + 1)}]
)
def test_a_bad_preview_request_is_a_json_error(editor, payload):
    response = _preview(editor, payload)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and "body" in error["fields"]


@pytest.mark.parametrize("name", ["support_manager", "acme_admin", "acme_tech"])
def test_only_editors_may_preview(app, world, name):
    browser = Browser(signed_in(app, world.user(name)))
    assert _preview(browser, {"body": "x"}, token=browser.csrf_token("/profile")).status_code == 403


def test_anonymous_preview_goes_to_sign_in(client):
    response = client.post("/kb/preview", json={"body": "x"})
    assert response.status_code in (302, 400)  # sign in, or the CSRF refusal first
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


def test_the_editor_shows_the_preview_beside_the_text(editor, world):
    from tests.knowledge_base.factories import make_article

    article = make_article(world.user("vendor_admin"), body="## Saved heading")
    html = editor.client.get(f"/kb/articles/{article.slug}/edit").get_data(as_text=True)
    assert 'data-preview-url="/kb/preview"' in html
    pane = html[html.index('data-testid="kb-preview"') :]
    assert "<h2>Saved heading</h2>" in pane[:2000]  # rendered by the server at once
    assert "js/kb_editor.js" in html


# --- Releases per product -------------------------------------------------------------------


def test_releases_are_check_boxes_grouped_by_product(editor, world):
    other = make_product("beacon", releases=("1.0", "2.0"))
    db.session.commit()
    html = editor.client.get("/kb/new").get_data(as_text=True)
    assert "<select multiple" not in html and "Ctrl" not in html
    for product in (world.product, other):
        group = html.index(f'data-show-when="product_id={product.id}"')
        for release in product.releases:
            box = re.search(rf'<input[^>]*type="checkbox"[^>]*value="{release.id}"', html[group:])
            assert box and 'name="release_ids"' in box.group(0)
    assert 'data-show-when="product_id=None,"' in html  # "choose the product first"


def test_ticked_releases_stay_ticked_when_the_form_comes_back(editor, world):
    release = world.product.releases[1]
    response = editor.post(
        "/kb/new",
        {
            "title": "",
            "body": "x",
            "kind": "how_to",
            "visibility": "partners",
            "product_id": str(world.product.id),
            "release_ids": [str(release.id)],
            "save": "Save",
        },
        form_page="/kb/new",
    )
    assert response.status_code == 400
    box = re.search(rf'<input[^>]*value="{release.id}"[^>]*>', response.get_data(as_text=True))
    assert "checked" in box.group(0)


def test_the_service_refuses_releases_of_another_product(world):
    other = make_product("beacon", releases=("1.0",))
    data = ArticleInput(
        title="Proxy settings",
        body="Set it.",
        kind="how_to",
        visibility="partners",
        product_id=world.product.id,
        release_ids=[other.releases[0].id],
    )
    with pytest.raises(DomainError) as caught:
        create_article(data, actor=world.user("vendor_engineer"))
    assert caught.value.fields == {"release_ids": "Choose releases of Orbit only."}
