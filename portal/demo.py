"""The demo world (listed in the README), loaded by `flask --app app seed-demo`.

`portal/` seeds what it owns; each feature package may add a `demo.py` with
`seed(world)`, called in order with the objects created so far.
"""

import importlib
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from portal.extensions import db
from portal.management.demo_case_volume import seed_case_volumes
from portal.management.demo_checkins import seed_check_ins
from portal.management.demo_fees import seed_fee_reports
from portal.models import Partner, Product, User
from portal.models.base import utcnow
from portal.partners.agreements import AgreementTerms, accept_agreement, propose_agreement
from portal.partners.services import PartnerInput, save_customer, save_partner
from portal.products.services import save_product, save_release
from portal.users.services import UserInput, create_user

DEMO_PASSWORD = "demo-password"
# The KB first: training sessions hand out its articles as materials.
FEATURE_SEEDS = (
    "knowledge_base.demo",
    "certification.demo",
    "escalations.demo",
    "escalations.ratings.demo",
)


class DatabaseNotEmpty(Exception):
    pass


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def seed_demo() -> dict:
    if not database_is_empty():
        raise DatabaseNotEmpty(
            "The database already holds data; seed-demo only fills an empty one."
        )
    world: dict = {}
    _seed_vendor(world)
    _seed_products(world)
    _seed_partners(world)
    for module_name in FEATURE_SEEDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.seed(world)
    seed_case_volumes()
    seed_check_ins()  # after the escalations: the check-ins' snapshots count them
    seed_fee_reports()  # last: the escalations and the partners' tiers are known
    db.session.commit()
    return world


def _user(world, email, name, role, partner=None):
    user = create_user(
        UserInput(email=email, name=name, role=role, partner_id=partner.id if partner else None),
        password=DEMO_PASSWORD,
        actor=None,
    )
    world.setdefault("users", {})[email] = user
    return user


def _seed_vendor(world):
    _user(world, "admin@vendor.example", "Vera Admin", "vendor_admin")
    _user(world, "manager@vendor.example", "Max Manager", "support_manager")
    _user(world, "engineer@vendor.example", "Erin Engineer", "vendor_engineer")


def _seed_products(world):
    server = save_product("Orbit Server", "orbit-server", "The on-premises collaboration server.")
    for version, day, major, supported in (
        # Older major lines, long unsupported: a certification from 2.x lapsed once 4.0.0
        # (the second major after it) had been out 90 days.
        ("2.0.0", date(2022, 3, 7), True, False),
        ("2.9.0", date(2023, 1, 9), False, False),
        ("3.0.0", date(2023, 6, 5), True, False),
        ("3.8.0", date(2024, 3, 4), False, False),
        ("4.0.0", date(2025, 2, 10), True, True),
        ("4.1.0", date(2025, 9, 15), False, True),
        ("4.2.0", date(2026, 4, 20), False, True),
    ):
        save_release(server, version, day, major=major, supported=supported)
    mobile = save_product("Orbit Mobile", "orbit-mobile", "Mobile clients for Orbit Server.")
    for version, day, major, supported in (
        ("2.0.0", date(2025, 5, 5), True, True),
        ("2.1.0", date(2026, 1, 12), False, True),
    ):
        save_release(mobile, version, day, major=major, supported=supported)
    world["products"] = {"orbit-server": server, "orbit-mobile": mobile}


def _seed_partners(world):
    manager = world["users"]["manager@vendor.example"]
    admin = world["users"]["admin@vendor.example"]
    server = world["products"]["orbit-server"]
    mobile = world["products"]["orbit-mobile"]
    year = utcnow().year
    world["partners"] = {}
    for slug, name, region, domain, coverage, customers in (
        (
            "acme",
            "Acme Integrations",
            "EMEA",
            "acme.example",
            "24x7",
            [("Northwind Traders", 1200), ("Contoso Pharma", 450), ("Fabrikam Logistics", 80)],
        ),
        (
            "globex",
            "Globex Services",
            "Americas",
            "globex.example",
            "business_hours",
            [("Initech", 300), ("Umbrella Health", 2200)],
        ),
    ):
        partner = save_partner(
            PartnerInput(name=name, slug=slug, region=region, support_manager_id=manager.id)
        )
        world["partners"][slug] = partner
        partner_admin = _user(
            world, f"admin@{domain}", f"{name.split()[0]} Admin", "partner_admin", partner
        )
        _user(world, f"tech@{domain}", f"{name.split()[0]} Technician", "technician", partner)
        _user(world, f"newbie@{domain}", f"{name.split()[0]} Newbie", "technician", partner)
        for customer_name, seats in customers:
            save_customer(partner, customer_name, seats)
        terms = AgreementTerms(
            troubleshooting_required="Reproduce on a vanilla supported release, collect the "
            "server log and a support bundle, search the knowledge base.",
            update_distribution="The partner distributes updates to its customers within 30 "
            "days of release.",
            customer_kb_access=slug == "acme",
            fee_model="percentage" if slug == "acme" else "fixed",
            fee_percentage=Decimal("18.00") if slug == "acme" else None,
            fixed_fee=None if slug == "acme" else Decimal("4500.00"),
            coverage=coverage,
            timezone="Europe/Berlin" if slug == "acme" else "America/New_York",
            # Business hours (globex's) skip New York's public holidays and two closed days.
            holiday_country="" if coverage == "24x7" else "US",
            holiday_region="" if coverage == "24x7" else "NY",
            closed_dates="" if coverage == "24x7" else f"{year}-12-24\n{year}-12-31",
            vendor_contact="Max Manager <manager@vendor.example>",
            partner_contact=f"{partner_admin.name} <{partner_admin.email}>",
            out_of_hours_cover="senior_engineer" if coverage == "24x7" else "none",
            out_of_hours_response_minutes=30 if coverage == "24x7" else None,
            out_of_hours_extra_cost=Decimal("250.00") if coverage == "24x7" else None,
            # Globex's asks for two Orbit Server technicians: with its veteran's
            # certification lapsed it has one, below the minimum (the dashboard flags it).
            minimums={server.id: 1 if slug == "acme" else 2, mobile.id: 1 if slug == "acme" else 0},
        )
        agreement = propose_agreement(partner, terms, actor=admin)
        accept_agreement(agreement, actor=partner_admin)


def demo_partner(slug: str) -> Partner:
    return db.session.scalar(select(Partner).where(Partner.slug == slug))


def demo_product(slug: str) -> Product:
    return db.session.scalar(select(Product).where(Product.slug == slug))
