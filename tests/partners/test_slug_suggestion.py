"""A new partner's (or product's) slug is suggested from its name; the server still checks it."""

import pytest

from tests.factories import Browser, signed_in
from tests.support import row_counts


@pytest.fixture
def admin(app, world):
    return Browser(signed_in(app, world.user("vendor_admin")))


def _slug_input(html: str) -> str:
    start = html.rindex("<", 0, html.index('id="slug"'))
    return html[start : html.index(">", start)]


@pytest.mark.parametrize("path", ["/partners/new", "/admin/products/new"])
def test_a_new_slug_is_suggested_from_the_name(admin, path):
    assert 'data-slug-from="name"' in _slug_input(admin.client.get(path).get_data(as_text=True))


def test_an_existing_slug_is_not_suggested_again(admin, world):
    for path in (f"/partners/{world.acme.id}/edit", f"/admin/products/{world.product.id}/edit"):
        html = admin.client.get(path).get_data(as_text=True)
        assert "data-slug-from" not in _slug_input(html), path


def test_the_server_still_checks_the_slug(admin):
    before = row_counts()
    response = admin.post(
        "/partners/new",
        {"name": "Ünïcode Partners", "slug": "Ünïcode Partners", "status": "active"},
        form_page="/partners/new",
    )
    assert response.status_code == 400
    assert "Lower-case letters, digits and single hyphens only." in response.get_data(as_text=True)
    assert row_counts() == before
