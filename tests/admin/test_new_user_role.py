"""A new account's role is a deliberate choice: no role is preselected, least powerful first."""

import re

import pytest

from portal.errors import DomainError
from portal.users.services import UserInput, create_user
from tests.factories import Browser, signed_in
from tests.support import row_counts


@pytest.fixture
def admin(app, world):
    return Browser(signed_in(app, world.user("vendor_admin")))


def _role_options(html: str) -> list[tuple[str, bool]]:
    select = html[html.index('id="role"') : html.index("</select>", html.index('id="role"'))]
    return [
        (value, bool(selected))
        for selected, value in re.findall(r'<option (selected )?value="([^"]*)"', select)
    ]


def test_the_new_user_form_preselects_no_role_and_lists_the_least_powerful_first(admin):
    options = _role_options(admin.client.get("/admin/users/new").get_data(as_text=True))
    assert [value for value, _ in options] == [
        "",
        "technician",
        "partner_admin",
        "vendor_engineer",
        "support_manager",
        "vendor_admin",
    ]
    assert not any(selected for value, selected in options if value)


def test_a_new_user_without_a_role_is_refused_and_nothing_is_saved(admin):
    before = row_counts()
    response = admin.post(
        "/admin/users/new",
        {"name": "No Role", "email": "no.role@vendor.example", "role": ""},
        form_page="/admin/users/new",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    block = html[html.rindex("<", 0, html.index('id="role"')) :][:1200]
    assert "is-invalid" in block and "Choose a role." in block
    assert row_counts() == before


def test_the_partner_page_link_still_preselects_partner_admin(admin, world):
    html = admin.client.get(f"/admin/users/new?role=partner_admin&partner_id={world.acme.id}")
    assert ("partner_admin", True) in _role_options(html.get_data(as_text=True))


def test_the_service_refuses_an_account_without_a_role(world):
    with pytest.raises(DomainError) as caught:
        create_user(UserInput(email="nobody@vendor.example", name="Nobody", role=""))
    assert caught.value.fields == {"role": "Choose a role."}
