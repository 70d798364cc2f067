"""A row in a /partners/<id>/... URL must belong to the partner the URL names.

Vendor staff may see every partner's rows, so for them the tenant scope does not keep
/partners/<acme>/customers/<globex's customer> away from Globex's customer: only the
ownership check on the URL's partner does. Each route that loads a partner's row by id
is visited with the other partner's row (404, nothing changed), and then with the
URL's own partner's row (not a 404), so the 404 is about ownership and nothing else.

Accepting and returning a version are for the partner admin only (a vendor admin gets
a 403 before any row is loaded); the partner admin's scope refuses the other partner's
version too, so those two rows hold the rule twice.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agreement, Customer, User
from portal.partners.agreements import AgreementTerms, propose_agreement
from tests.factories import Browser, signed_in
from tests.support import row_counts


@dataclass(frozen=True)
class Visit:
    """A request on acme's URL naming a row (customer, technician or agreement) by `kind`."""

    who: str
    method: str
    path: str  # {partner} is acme's id; {row} the row's id
    kind: str
    data: dict | None = None


VISITS = {
    "customer_edit_page": Visit(
        "vendor_admin", "GET", "/partners/{partner}/customers/{row}/edit", "customer"
    ),
    "customer_edit_post": Visit(
        "vendor_admin",
        "POST",
        "/partners/{partner}/customers/{row}/edit",
        "customer",
        {"name": "Renamed through the wrong partner", "seats": "7"},
    ),
    "technician_status": Visit(
        "vendor_admin",
        "POST",
        "/partners/{partner}/technicians/{row}/status",
        "technician",
        {"status": "left"},
    ),
    "agreement_page": Visit(
        "vendor_admin", "GET", "/partners/{partner}/agreements/{row}", "proposal"
    ),
    "agreement_withdraw": Visit(
        "vendor_admin", "POST", "/partners/{partner}/agreements/{row}/withdraw", "proposal"
    ),
    "propose_from_page": Visit(
        "vendor_admin", "GET", "/partners/{partner}/agreements/new?from={row}", "in_force"
    ),
    "propose_from_post": Visit(
        "vendor_admin",
        "POST",
        "/partners/{partner}/agreements/new?from={row}",
        "in_force",
        {"fee_model": "percentage"},
    ),
    "agreement_accept": Visit(
        "acme_admin", "POST", "/partners/{partner}/agreements/{row}/accept", "proposal"
    ),
    "agreement_return": Visit(
        "acme_admin",
        "POST",
        "/partners/{partner}/agreements/{row}/return",
        "proposal",
        {"comments": "Returned through the wrong partner."},
    ),
}


@pytest.fixture
def proposals(world):
    """A version awaiting a decision for each partner (beside the one in force)."""
    admin = world.user("vendor_admin")
    for partner in (world.acme, world.globex):
        propose_agreement(partner, AgreementTerms(), actor=admin)
    db.session.commit()


def _row_id(world, partner, kind: str) -> int:
    if kind == "customer":
        return (world.acme_customer if partner is world.acme else world.globex_customer).id
    if kind == "technician":
        return world.user(f"{partner.slug}_tech").id
    if kind == "proposal":
        return partner.pending_agreement.id
    return partner.agreement_in_force.id


def _send(client, visit: Visit, row_id: int, world):
    path = visit.path.format(partner=world.acme.id, row=row_id)
    if visit.method == "GET":
        return client.get(path)
    return Browser(client).post(path, visit.data)


def _state() -> dict:
    """What a wrongly reached row could have changed: every row count, and their contents."""
    db.session.expire_all()
    return {
        "counts": row_counts(),
        "customers": sorted(
            db.session.execute(select(Customer.id, Customer.name, Customer.seats)).all()
        ),
        "users": sorted(db.session.execute(select(User.id, User.status)).all()),
        "agreements": sorted(
            db.session.execute(
                select(Agreement.id, Agreement.status, Agreement.partner_comments)
            ).all()
        ),
    }


@pytest.mark.parametrize("name", list(VISITS))
def test_another_partners_row_under_this_partners_url_is_a_404(app, world, proposals, name):
    visit = VISITS[name]
    client = signed_in(app, world.user(visit.who))
    before = _state()

    response = _send(client, visit, _row_id(world, world.globex, visit.kind), world)

    assert response.status_code == 404
    assert _state() == before
    # The same request with the URL's own partner's row is served: only ownership differed.
    own = _send(client, visit, _row_id(world, world.acme, visit.kind), world)
    assert own.status_code in (200, 302, 400), own.status_code
