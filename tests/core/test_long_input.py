"""Over-long text in any form is refused with a message, never a database error (500).

PostgreSQL enforces VARCHAR lengths; SQLite does not, so the forms and services must.
"""

import pytest

from portal.extensions import db
from portal.models import ApiToken, Customer, Partner, Product, User
from tests.factories import Browser, signed_in

LONG = "x" * 600


@pytest.mark.parametrize(
    ("who", "path", "form_page", "data", "model"),
    [
        (
            "vendor_admin",
            "/partners/new",
            None,
            {"name": LONG, "slug": "ok-slug", "region": LONG, "status": "active"},
            Partner,
        ),
        (
            "vendor_admin",
            "/admin/products/new",
            None,
            {"name": LONG, "slug": "x" * 200, "description": LONG * 2},
            Product,
        ),
        (
            "vendor_admin",
            "/admin/users/new",
            None,
            {"name": LONG, "email": LONG + "@example.org", "role": "vendor_engineer"},
            User,
        ),
        (
            "acme_admin",
            "/partners/{acme}/customers",
            "/partners/mine/customers",
            {"name": LONG, "seats": "5"},
            Customer,
        ),
        (
            "acme_admin",
            "/partners/{acme}/technicians",
            "/partners/mine/technicians",
            {"name": LONG, "email": "new.tech@acme.example"},
            User,
        ),
        ("acme_tech", "/profile/tokens", "/profile", {"token-name": LONG}, ApiToken),
    ],
)
def test_over_long_text_is_refused_cleanly(app, world, who, path, form_page, data, model):
    path = path.format(acme=world.acme.id)
    client = signed_in(app, world.user(who))
    before = db.session.scalar(db.select(db.func.count()).select_from(model))
    token = Browser(client).csrf_token(form_page or path)
    response = client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == 400, response.status_code
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(model)) == before
