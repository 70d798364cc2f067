"""Small factories and sign-in helpers, so a test states only what matters to it.

`world` builds the two-partner demo-like world most permission tests need.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

import pytest

from portal.extensions import db
from portal.models import Customer, Partner, Product, Release, User
from portal.partners.agreements import AgreementTerms, accept_agreement, propose_agreement
from portal.users.services import UserInput, create_user
from tests.world_cache import cached, load_by_id

PASSWORD = "correct-horse-battery"
_seq = count(1)


def make_partner(slug: str | None = None, **kwargs) -> Partner:
    n = next(_seq)
    slug = slug or f"partner-{n}"
    partner = Partner(slug=slug, name=kwargs.pop("name", slug.title()), region="EMEA", **kwargs)
    db.session.add(partner)
    db.session.flush()
    return partner


def make_user(role: str = "technician", partner: Partner | None = None, email=None, **kwargs):
    n = next(_seq)
    user = create_user(
        UserInput(
            email=email or f"{role}{n}@example.org",
            name=kwargs.pop("name", f"User {n}"),
            role=role,
            partner_id=partner.id if partner else None,
        ),
        password=PASSWORD,
    )
    for key, value in kwargs.items():
        setattr(user, key, value)
    db.session.flush()
    return user


def make_product(slug: str | None = None, releases=("4.0.0", "4.1.0")) -> Product:
    n = next(_seq)
    slug = slug or f"product-{n}"
    product = Product(slug=slug, name=slug.replace("-", " ").title())
    db.session.add(product)
    for i, version in enumerate(releases):
        db.session.add(
            Release(
                product=product,
                version=version,
                released_on=date(2025, 1 + i, 1),
                major=i == 0,
                supported=True,
            )
        )
    db.session.flush()
    return product


def make_customer(partner: Partner, name: str | None = None, seats: int = 100) -> Customer:
    customer = Customer(partner=partner, name=name or f"Customer {next(_seq)}", seats=seats)
    db.session.add(customer)
    db.session.flush()
    return customer


def make_agreement(
    partner: Partner, vendor_admin: User, partner_admin: User | None = None, **terms
):
    terms.setdefault("fee_percentage", Decimal("20"))
    agreement = propose_agreement(partner, AgreementTerms(**terms), actor=vendor_admin)
    if partner_admin is not None:
        accept_agreement(agreement, actor=partner_admin)
    db.session.flush()
    return agreement


#: Who visits in permission tests: anonymous, the vendor roles, and both partners' users.
PRINCIPALS = (
    "anonymous",
    "vendor_admin",
    "support_manager",
    "vendor_engineer",
    "acme_admin",
    "acme_tech",
    "globex_admin",
    "globex_tech",
)


@dataclass
class World:
    """Two partners with an admin, a technician and a customer each, and vendor staff."""

    acme: Partner
    globex: Partner
    product: Product
    users: dict[str, User]
    acme_customer: Customer
    globex_customer: Customer

    def user(self, key: str) -> User:
        return self.users[key]


def build_world() -> World:
    users = {
        "vendor_admin": make_user("vendor_admin", email="admin@vendor.example"),
        "support_manager": make_user("support_manager", email="manager@vendor.example"),
        "vendor_engineer": make_user("vendor_engineer", email="engineer@vendor.example"),
    }
    acme, globex = make_partner("acme"), make_partner("globex")
    product = make_product("orbit")
    for partner in (acme, globex):
        users[f"{partner.slug}_admin"] = make_user(
            "partner_admin", partner, email=f"admin@{partner.slug}.example"
        )
        users[f"{partner.slug}_tech"] = make_user(
            "technician", partner, email=f"tech@{partner.slug}.example"
        )
        make_agreement(
            partner, users["vendor_admin"], users[f"{partner.slug}_admin"], minimums={product.id: 1}
        )
    world = World(
        acme=acme,
        globex=globex,
        product=product,
        users=users,
        acme_customer=make_customer(acme, "Acme Customer"),
        globex_customer=make_customer(globex, "Globex Customer"),
    )
    db.session.commit()
    return world


def world_ids(world: World) -> dict:
    return {
        "partners": {"acme": world.acme.id, "globex": world.globex.id},
        "product": world.product.id,
        "users": {key: user.id for key, user in world.users.items()},
        "customers": {"acme": world.acme_customer.id, "globex": world.globex_customer.id},
    }


def load_world(ids: dict) -> World:
    partners = load_by_id(Partner, ids["partners"].values())
    users = load_by_id(User, ids["users"].values())
    customers = load_by_id(Customer, ids["customers"].values())
    return World(
        acme=partners[ids["partners"]["acme"]],
        globex=partners[ids["partners"]["globex"]],
        product=db.session.get(Product, ids["product"]),
        users={key: users[user_id] for key, user_id in ids["users"].items()},
        acme_customer=customers[ids["customers"]["acme"]],
        globex_customer=customers[ids["customers"]["globex"]],
    )


@pytest.fixture
def world(app, request) -> World:
    """build_world(), restored from tests/world_cache.py after its first build."""
    return cached(request, "world", build_world, world_ids, load_world)


class Browser:
    """A test client that signs in through the real login form (CSRF included)."""

    def __init__(self, client):
        self.client = client

    def csrf_token(self, path: str = "/login") -> str:
        html = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD):
        token = self.csrf_token("/login")
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def post(self, path: str, data=None, form_page: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(form_page or "/profile"))
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


def signed_in(app, user: User):
    """A fresh test client signed in as `user` (through the login form)."""
    client = app.test_client()
    response = Browser(client).login(user.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def api_token(user: User) -> str:
    from portal.auth.services import create_token

    _, raw = create_token(user, "test")
    db.session.commit()
    return raw


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(user)}"}
