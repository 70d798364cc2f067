"""Vendor admin pages: products and releases, users."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage, Product, Release, User
from tests.factories import Browser, make_user, signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def _page(response) -> str:
    return response.get_data(as_text=True)


def _post(client, path, data, form_page=None):
    return Browser(client).post(path, data, form_page=form_page)


def _error_next_to(html: str, field_id: str, message: str) -> None:
    start = html.rindex("<", 0, html.index(f'id="{field_id}"'))
    block = html[start : start + 1200]
    assert "is-invalid" in block.split(">", 1)[0] and message in block, block


def _last_audit(action: str) -> AuditEntry:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


@pytest.fixture
def admin(app, world):
    return signed_in(app, world.user("vendor_admin"))


@pytest.mark.parametrize("role", ["support_manager", "vendor_engineer", "acme_admin", "acme_tech"])
@pytest.mark.parametrize(
    "path", ["/admin/products", "/admin/products/new", "/admin/users", "/admin/users/new"]
)
def test_admin_pages_are_for_vendor_admins_only(app, world, role, path):
    assert signed_in(app, world.user(role)).get(path).status_code == 403


def test_non_admins_cannot_change_users(app, world):
    client = signed_in(app, world.user("support_manager"))
    tech = world.user("acme_tech")
    before = row_counts()
    assert _post(client, f"/admin/users/{tech.id}/status", {"status": "left"}).status_code == 403
    assert (
        _post(
            client,
            "/admin/users/new",
            {"name": "X", "email": "x@vendor.example", "role": "vendor_admin"},
        ).status_code
        == 403
    )
    assert row_counts() == before


# --- Products and releases -------------------------------------------------------------


def test_products_list_shows_each_product_with_its_releases(admin, world):
    html = _page(admin.get("/admin/products"))
    assert "Orbit" in html and "4.0.0" in html and "4.1.0" in html


def test_creating_a_product_and_a_release_is_audited(admin, world):
    response = _post(
        admin,
        "/admin/products/new",
        {"name": "Comet", "slug": "comet", "description": "Rockets"},
        form_page="/admin/products/new",
    )
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.slug == "comet"))
    assert _last_audit("product.created").after == {
        "name": "Comet",
        "slug": "comet",
        "description": "Rockets",
    }
    path = f"/admin/products/{product.id}/releases/new"
    response = _post(
        admin,
        path,
        {"version": "1.0.0", "released_on": "2026-03-01", "major": "y", "supported": "y"},
        form_page=path,
    )
    assert response.status_code == 302
    release = db.session.scalar(select(Release).where(Release.product_id == product.id))
    assert (release.version, release.major, release.supported) == ("1.0.0", True, True)
    assert _last_audit("release.created").after["released_on"] == "2026-03-01"


def test_editing_a_release_records_before_and_after(admin, world):
    release = world.product.releases[0]
    path = f"/admin/releases/{release.id}/edit"
    assert f'value="{release.version}"' in _page(admin.get(path))
    response = _post(
        admin,
        path,
        {
            "version": release.version,
            "released_on": release.released_on.isoformat(),
            "major": "y" if release.major else "",
        },
        form_page=path,
    )
    assert response.status_code == 302
    entry = _last_audit("release.updated")
    assert (entry.before["supported"], entry.after["supported"]) == (True, False)


def test_duplicate_product_slug_and_release_version_save_nothing(admin, world):
    before = row_counts()
    response = _post(
        admin,
        "/admin/products/new",
        {"name": "Other", "slug": "orbit"},
        form_page="/admin/products/new",
    )
    assert response.status_code == 400
    _error_next_to(_page(response), "slug", "Another product already has this slug.")
    path = f"/admin/products/{world.product.id}/releases/new"
    response = _post(
        admin,
        path,
        {"version": "4.0.0", "released_on": "2026-01-01", "supported": "y"},
        form_page=path,
    )
    assert response.status_code == 400
    _error_next_to(_page(response), "version", "already has a release 4.0.0")
    response = _post(admin, path, {"version": "5.0.0", "released_on": ""}, form_page=path)
    assert response.status_code == 400
    _error_next_to(_page(response), "released_on", "A release date is required.")
    assert row_counts() == before


# --- Users -----------------------------------------------------------------------------


def test_user_list_filters_by_role_partner_status_and_search(admin, world):
    make_user("technician", world.acme, name="Retired Rita", status="left")
    db.session.commit()
    html = _page(admin.get(f"/admin/users?role=technician&partner_id={world.acme.id}"))
    assert "tech@acme.example" in html and "tech@globex.example" not in html
    assert "admin@acme.example" not in html
    html = _page(admin.get("/admin/users?status=left"))
    assert "Retired Rita" in html and "tech@acme.example" not in html
    html = _page(admin.get("/admin/users?q=GLOBEX"))
    assert "admin@globex.example" in html and "admin@acme.example" not in html
    html = _page(admin.get("/admin/users?partner_id=vendor"))
    assert "manager@vendor.example" in html and "tech@acme.example" not in html


def test_user_list_is_paginated(app, admin, world):
    app.config["PER_PAGE"], per_page = 3, app.config["PER_PAGE"]
    try:
        first, third = _page(admin.get("/admin/users")), _page(admin.get("/admin/users?page=3"))
    finally:
        app.config["PER_PAGE"] = per_page
    assert "7 in all" in first and 'aria-current="page">3<' in third


def test_creating_a_user_sends_an_invitation(admin, world):
    response = _post(
        admin,
        "/admin/users/new",
        {
            "name": "Paula Partner",
            "email": "Paula@Globex.example",
            "role": "partner_admin",
            "partner_id": str(world.globex.id),
        },
        form_page="/admin/users/new",
    )
    assert response.status_code == 302
    user = User.by_email("paula@globex.example")
    assert (user.role, user.partner_id, user.password_hash) == (
        "partner_admin",
        world.globex.id,
        None,
    )
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "paula@globex.example")
    )
    assert message is not None and "/set-password/" in message.body
    entry = _last_audit("user.created")
    assert entry.after["role"] == "partner_admin" and entry.partner_id == world.globex.id


def test_duplicate_email_in_another_case_is_refused_and_saves_nothing(admin, world):
    before = row_counts()
    response = _post(
        admin,
        "/admin/users/new",
        {
            "name": "Copy",
            "email": "ADMIN@Acme.Example",
            "role": "technician",
            "partner_id": str(world.acme.id),
        },
        form_page="/admin/users/new",
    )
    assert response.status_code == 400
    _error_next_to(_page(response), "email", "Another account already uses this e-mail")
    assert row_counts() == before


def test_a_partner_role_without_a_partner_is_refused_next_to_the_partner(admin, world):
    before = row_counts()
    response = _post(
        admin,
        "/admin/users/new",
        {"name": "Orphan", "email": "orphan@example.org", "role": "technician", "partner_id": ""},
        form_page="/admin/users/new",
    )
    assert response.status_code == 400
    _error_next_to(_page(response), "partner_id", "Partner roles belong to a partner.")
    assert row_counts() == before


def test_new_user_form_is_prefilled_from_the_partner_page_link(admin, world):
    html = _page(admin.get(f"/admin/users/new?role=partner_admin&partner_id={world.acme.id}"))
    assert '<option selected value="partner_admin">' in html
    assert f'<option selected value="{world.acme.id}">' in html


def test_changing_a_role_is_audited(admin, world):
    engineer = world.user("vendor_engineer")
    path = f"/admin/users/{engineer.id}/edit"
    response = _post(
        admin,
        path,
        {
            "name": engineer.name,
            "email": engineer.email,
            "role": "support_manager",
            "partner_id": "",
        },
        form_page=path,
    )
    assert response.status_code == 302
    entry = _last_audit("user.role_changed")
    assert (entry.before["role"], entry.after["role"]) == ("vendor_engineer", "support_manager")


def test_moving_a_user_to_a_used_email_saves_nothing(admin, world):
    tech = world.user("acme_tech")
    path = f"/admin/users/{tech.id}/edit"
    response = _post(
        admin,
        path,
        {
            "name": "Renamed",
            "email": "Tech@Globex.example",
            "role": "technician",
            "partner_id": str(world.acme.id),
        },
        form_page=path,
    )
    assert response.status_code == 400
    db.session.expire_all()
    tech = db.session.get(User, tech.id)
    assert (tech.name, tech.email) == (world.user("acme_tech").name, "tech@acme.example")


def test_a_deactivated_user_can_no_longer_sign_in_until_reactivated(app, admin, world):
    tech = world.user("globex_tech")
    confirmed = {"status": "left", "confirmed": "yes"}
    response = _post(admin, f"/admin/users/{tech.id}/status", confirmed)
    assert response.status_code == 302
    assert Browser(app.test_client()).login(tech.email).status_code == 400
    entry = _last_audit("user.left")
    assert (entry.before, entry.after) == ({"status": "active"}, {"status": "left"})
    _post(admin, f"/admin/users/{tech.id}/status", {"status": "active"})
    assert Browser(app.test_client()).login(tech.email).status_code == 302


def test_a_signed_in_user_is_signed_out_once_deactivated(app, admin, world):
    tech_client = signed_in(app, world.user("acme_tech"))
    assert tech_client.get("/partners/mine").status_code == 302
    _post(
        admin,
        f"/admin/users/{world.user('acme_tech').id}/status",
        {"status": "left", "confirmed": "yes"},
    )
    response = tech_client.get(f"/partners/{world.acme.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admin_cannot_deactivate_themselves(admin, world):
    me = world.user("vendor_admin")
    before = row_counts()
    response = _post(admin, f"/admin/users/{me.id}/status", {"status": "left"})
    assert response.status_code == 302
    assert "You cannot deactivate your own account." in _page(admin.get("/admin/users"))
    assert row_counts() == before
    db.session.expire_all()
    assert db.session.get(User, me.id).status == "active"
