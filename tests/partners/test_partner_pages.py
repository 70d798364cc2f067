"""The partner list, a partner's page, and its technicians and customers, through the pages."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Customer, OutboxMessage, Partner, User
from tests.factories import (
    Browser,
    make_agreement,
    make_customer,
    make_partner,
    make_user,
    signed_in,
)
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY

VENDOR_ROLES = ("vendor_admin", "support_manager", "vendor_engineer")


def _post(client, path, data, form_page=None):
    return Browser(client).post(path, data, form_page=form_page)


def _page(response) -> str:
    return response.get_data(as_text=True)


def _invalid_feedback(html: str, field_id: str) -> str:
    """The error text rendered right after the input `field_id` (the field macro's layout)."""
    start = html.rindex("<", 0, html.index(f'id="{field_id}"'))
    block = html[start : start + 1500]
    assert "is-invalid" in block.split(">", 1)[0], block
    assert "invalid-feedback" in block, block
    return block


def _last_audit(action: str) -> AuditEntry:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


# --- Partner list ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        *((role, 200) for role in VENDOR_ROLES),
        ("acme_admin", 403),
        ("acme_tech", 403),
    ],
)
def test_partner_list_is_for_vendor_staff(app, world, role, status):
    response = signed_in(app, world.user(role)).get("/partners/")
    assert response.status_code == status


def test_partner_list_asks_anonymous_visitors_to_sign_in(client, world):
    response = client.get("/partners/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_partner_list_searches_and_filters_by_status(app, world):
    make_partner("initech", name="Initech", status="suspended")
    db.session.commit()
    client = signed_in(app, world.user("support_manager"))
    html = _page(client.get("/partners/?q=glob"))
    assert "Globex" in html and "Acme" not in html
    html = _page(client.get("/partners/?status=suspended"))
    assert "Initech" in html and "Globex" not in html
    assert "No partner matches" in _page(client.get("/partners/?q=nothing-like-this"))


def test_partner_list_is_paginated(app, world):
    app.config["PER_PAGE"], per_page = 2, app.config["PER_PAGE"]
    try:
        for n in range(3):
            make_partner(f"zeta-{n}", name=f"Zeta {n}")
        db.session.commit()
        client = signed_in(app, world.user("vendor_admin"))
        first, last = _page(client.get("/partners/")), _page(client.get("/partners/?page=3"))
    finally:
        app.config["PER_PAGE"] = per_page
    assert "Acme" in first and "Zeta 2" not in first
    assert "Zeta 2" in last and "Acme" not in last
    assert "5 in all" in first


def test_partner_list_runs_the_same_queries_for_few_or_many_partners(app, world, count_queries):
    manager = world.user("support_manager")
    world.acme.support_manager_id = manager.id
    db.session.commit()
    client = signed_in(app, world.user("vendor_admin"))

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/partners/").status_code == 200
        return counter.count

    few = queries()
    admin = world.user("vendor_admin")
    for n in range(6):
        partner = make_partner(f"many-{n}", support_manager_id=manager.id)
        make_agreement(partner, admin, make_user("partner_admin", partner))
    db.session.commit()
    assert queries() == few


# --- Creating and editing partners -------------------------------------------------------


def test_vendor_admin_creates_a_partner_with_an_audit_entry(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    manager = world.user("support_manager")
    response = _post(
        client,
        "/partners/new",
        {
            "name": "Initech",
            "slug": "initech",
            "region": "APAC",
            "status": "active",
            "support_manager_id": str(manager.id),
        },
        form_page="/partners/new",
    )
    assert response.status_code == 302
    partner = db.session.scalar(select(Partner).where(Partner.slug == "initech"))
    assert partner.support_manager_id == manager.id
    assert response.headers["Location"].endswith(f"/partners/{partner.id}")
    entry = _last_audit("partner.created")
    assert entry.after["slug"] == "initech" and entry.actor_id == world.user("vendor_admin").id


def test_duplicate_partner_slug_is_shown_next_to_the_field_and_saves_nothing(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    before = row_counts()
    response = _post(
        client,
        "/partners/new",
        {"name": "Acme Two", "slug": "acme", "status": "active", "support_manager_id": ""},
        form_page="/partners/new",
    )
    assert response.status_code == 400
    assert "Another partner already has this slug." in _invalid_feedback(_page(response), "slug")
    assert row_counts() == before


def test_only_active_support_managers_are_offered(app, world):
    make_user("support_manager", name="Gone Manager", status="left")
    db.session.commit()
    html = _page(signed_in(app, world.user("vendor_admin")).get("/partners/new"))
    assert world.user("support_manager").name in html and "Gone Manager" not in html


def test_editing_a_partner_records_before_and_after(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    path = f"/partners/{world.acme.id}/edit"
    response = _post(
        client,
        path,
        {
            "name": "Acme",
            "slug": "acme",
            "region": "EMEA",
            "status": "suspended",
            "support_manager_id": "",
        },
        form_page=path,
    )
    assert response.status_code == 302
    entry = _last_audit("partner.suspended")
    assert (entry.before["status"], entry.after["status"]) == ("active", "suspended")


@pytest.mark.parametrize("role", ["support_manager", "vendor_engineer", "acme_admin"])
def test_only_vendor_admins_create_or_edit_partners(app, world, role):
    client = signed_in(app, world.user(role))
    assert client.get("/partners/new").status_code == 403
    before = row_counts()
    response = _post(
        client,
        f"/partners/{world.acme.id}/edit",
        {"name": "Hijacked", "slug": "acme", "status": "active"},
    )
    assert response.status_code == 403
    assert row_counts() == before and db.session.get(Partner, world.acme.id).name == "Acme"


# --- The partner page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "partner", "status"),
    [
        *((role, "acme", 200) for role in VENDOR_ROLES),
        ("acme_admin", "acme", 200),
        ("acme_tech", "acme", 200),
        ("acme_admin", "globex", 404),
        ("acme_tech", "globex", 404),
    ],
)
def test_partner_page_is_visible_to_vendor_staff_and_its_own_users(
    app, world, role, partner, status
):
    target = getattr(world, partner)
    response = signed_in(app, world.user(role)).get(f"/partners/{target.id}")
    assert response.status_code == status
    if status == 404:
        assert target.name not in _page(response)


def test_partner_page_shows_agreement_compliance_people_and_history(app, world):
    html = _page(signed_in(app, world.user("support_manager")).get(f"/partners/{world.acme.id}"))
    assert "Agreement in force" in html and "Version 1" in html
    assert "Orbit" in html and "not compliant" in html  # no certified technicians yet
    assert "tech@acme.example" in html and "Acme Customer" in html
    assert 'data-testid="agreement-history"' in html
    assert "Globex Customer" not in html and "tech@globex.example" not in html


def test_mine_redirects_a_partner_user_to_their_partner(app, world):
    response = signed_in(app, world.user("acme_tech")).get("/partners/mine")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/partners/{world.acme.id}")


# --- Technicians -----------------------------------------------------------------------


def test_partner_admin_sees_only_its_own_technicians(app, world):
    html = _page(signed_in(app, world.user("acme_admin")).get("/partners/mine/technicians"))
    assert "tech@acme.example" in html and "tech@globex.example" not in html


def test_adding_a_technician_queues_an_invitation(app, world):
    client = signed_in(app, world.user("acme_admin"))
    response = _post(
        client,
        f"/partners/{world.acme.id}/technicians",
        {"name": "Nina New", "email": "Nina@Acme.example"},
        form_page="/partners/mine/technicians",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/partners/mine/technicians")
    user = User.by_email("nina@acme.example")
    assert (user.role, user.partner_id) == ("technician", world.acme.id)
    invitation = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "nina@acme.example")
    )
    assert invitation is not None and "/set-password/" in invitation.body
    assert _last_audit("user.created").after["email"] == "nina@acme.example"


def test_a_technician_email_already_in_use_is_refused_next_to_the_field(app, world):
    client = signed_in(app, world.user("acme_admin"))
    before = row_counts()
    response = _post(
        client,
        f"/partners/{world.acme.id}/technicians",
        {"name": "Copy", "email": "TECH@globex.example"},
        form_page="/partners/mine/technicians",
    )
    assert response.status_code == 400
    assert "already uses this e-mail" in _invalid_feedback(_page(response), "email")
    assert row_counts() == before


def test_partner_admin_cannot_add_technicians_to_another_partner(app, world):
    client = signed_in(app, world.user("acme_admin"))
    before = row_counts()
    response = _post(
        client,
        f"/partners/{world.globex.id}/technicians",
        {"name": "Mole", "email": "mole@acme.example"},
    )
    assert response.status_code == 404
    assert row_counts() == before


def test_a_technician_who_left_can_no_longer_sign_in(app, world):
    client = signed_in(app, world.user("acme_admin"))
    tech = world.user("acme_tech")
    response = _post(
        client,
        f"/partners/{world.acme.id}/technicians/{tech.id}/status",
        {"status": "left", "confirmed": "yes"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, tech.id).status == "left"
    entry = _last_audit("user.left")
    assert (entry.before, entry.after) == ({"status": "active"}, {"status": "left"})
    assert Browser(app.test_client()).login(tech.email).status_code != 302
    # ... and becomes active again when the admin says so.
    _post(client, f"/partners/{world.acme.id}/technicians/{tech.id}/status", {"status": "active"})
    assert Browser(app.test_client()).login(tech.email).status_code == 302


def test_another_partners_technician_is_a_404(app, world):
    client = signed_in(app, world.user("acme_admin"))
    other = world.user("globex_tech")
    for partner in (world.acme, world.globex):
        response = _post(
            client, f"/partners/{partner.id}/technicians/{other.id}/status", {"status": "left"}
        )
        assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, other.id).status == "active"


def test_technicians_and_support_managers_cannot_manage_technicians(app, world):
    tech = world.user("acme_tech")
    for role in ("acme_tech", "support_manager"):
        client = signed_in(app, world.user(role))
        response = _post(
            client, f"/partners/{world.acme.id}/technicians/{tech.id}/status", {"status": "left"}
        )
        assert response.status_code == 403
    assert signed_in(app, tech).get("/partners/mine/technicians").status_code == 403


def test_vendor_admin_manages_a_partners_technicians_from_its_page(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    path = f"/partners/{world.globex.id}/technicians"
    assert "tech@globex.example" in _page(client.get(path))
    response = _post(client, path, {"name": "Gina", "email": "gina@globex.example"}, form_page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    assert User.by_email("gina@globex.example").partner_id == world.globex.id


# --- Customers -------------------------------------------------------------------------


def test_partner_admin_adds_and_edits_its_customers(app, world):
    client = signed_in(app, world.user("acme_admin"))
    response = _post(
        client,
        f"/partners/{world.acme.id}/customers",
        {"name": "Wayne Enterprises", "seats": "300"},
        form_page="/partners/mine/customers",
    )
    assert response.status_code == 302
    customer = db.session.scalar(select(Customer).where(Customer.name == "Wayne Enterprises"))
    assert (customer.partner_id, customer.seats) == (world.acme.id, 300)
    assert _last_audit("customer.created").after == {
        "name": "Wayne Enterprises",
        "seats": 300,
        "contact_email": None,
    }

    path = f"/partners/{world.acme.id}/customers/{customer.id}/edit"
    assert 'value="Wayne Enterprises"' in _page(client.get(path))
    response = _post(client, path, {"name": "Wayne Enterprises", "seats": "450"}, form_page=path)
    assert response.status_code == 302
    entry = _last_audit("customer.updated")
    assert (entry.before["seats"], entry.after["seats"]) == (300, 450)


def test_customer_list_shows_only_the_partners_own(app, world):
    html = _page(signed_in(app, world.user("acme_admin")).get("/partners/mine/customers"))
    assert "Acme Customer" in html and "Globex Customer" not in html


def test_another_partners_customer_is_a_404(app, world):
    client = signed_in(app, world.user("acme_admin"))
    theirs = world.globex_customer
    for partner in (world.acme, world.globex):
        path = f"/partners/{partner.id}/customers/{theirs.id}/edit"
        assert client.get(path).status_code == 404
        response = _post(client, path, {"name": "Mine now", "seats": "1"})
        assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Customer, theirs.id).name == "Globex Customer"


def test_bad_customer_input_is_refused_next_to_the_field(app, world):
    make_customer(world.acme, "Taken")
    db.session.commit()
    client = signed_in(app, world.user("acme_admin"))
    before = row_counts()
    response = _post(
        client,
        f"/partners/{world.acme.id}/customers",
        {"name": "Taken", "seats": "-3"},
        form_page="/partners/mine/customers",
    )
    assert response.status_code == 400
    html = _page(response)
    assert "already have a customer with this name" in _invalid_feedback(html, "name")
    assert "Seats must be zero or more." in _invalid_feedback(html, "seats")
    assert row_counts() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("vendor_admin", 200),
        ("support_manager", 200),
        ("vendor_engineer", 200),
        ("acme_admin", 200),
        ("acme_tech", 403),
        ("globex_admin", 404),
    ],
)
def test_who_may_read_a_partners_customers(app, world, role, status):
    response = signed_in(app, world.user(role)).get(f"/partners/{world.acme.id}/customers")
    assert response.status_code == status


def test_vendor_admin_adds_a_customer_from_the_partner_page(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    path = f"/partners/{world.globex.id}/customers"
    response = _post(client, path, {"name": "Soylent", "seats": "40"}, form_page=path)
    assert response.status_code == 302
    assert (
        db.session.scalar(select(Customer).where(Customer.name == "Soylent")).partner_id
        == world.globex.id
    )


def test_support_manager_reads_but_cannot_add_customers(app, world):
    client = signed_in(app, world.user("support_manager"))
    path = f"/partners/{world.acme.id}/customers"
    assert "Add a customer" not in _page(client.get(path))
    before = row_counts()
    assert _post(client, path, {"name": "Nope", "seats": "1"}).status_code == 403
    assert row_counts() == before
