"""N+1 guards of the home pages, with related rows that cannot hide one.

Every partner has its own support manager, its own proposal sent back with its own
comments, its own product minimums; every technician is its own row. Were a home page to
load any of them one by one, more of them would take more queries.
"""

from portal.extensions import db
from portal.partners.agreements import AgreementTerms, propose_agreement, return_agreement
from tests.factories import make_agreement, make_partner, make_product, make_user, signed_in


def _partner_with_its_own_rows(n: int, vendor_admin) -> None:
    """A partner in force on its own product, with its own manager and a returned revision."""
    partner = make_partner(f"many-{n}", name=f"Many {n}")
    partner.support_manager_id = make_user("support_manager", name=f"Manager of {n}").id
    admin = make_user("partner_admin", partner)
    make_agreement(partner, vendor_admin, admin, minimums={make_product(f"product-{n}").id: 2})
    proposal = propose_agreement(partner, AgreementTerms(), actor=vendor_admin)
    return_agreement(proposal, f"Comments of partner {n}", actor=admin)
    unbound = make_partner(f"unbound-{n}", name=f"Unbound {n}")  # no agreement at all
    unbound.support_manager_id = make_user("support_manager", name=f"Keeper of {n}").id


def _queries(client, count_queries, *must_show: str) -> int:
    with count_queries() as counter:
        # The support manager's home is the partner dashboard: / leads there.
        response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in must_show:
        assert text in page
    return counter.count


def test_vendor_admin_home_runs_the_same_queries_for_1_or_4_partners_with_own_rows(
    app, world, count_queries
):
    admin = world.user("vendor_admin")
    _partner_with_its_own_rows(0, admin)
    db.session.commit()
    client = signed_in(app, admin)
    one = _queries(client, count_queries, "Comments of partner 0", "Keeper of 0")
    for n in (1, 2, 3):
        _partner_with_its_own_rows(n, admin)
    db.session.commit()
    assert _queries(client, count_queries, "Comments of partner 3", "Keeper of 3") == one


def test_support_manager_home_runs_the_same_queries_for_1_or_4_partners_with_own_rows(
    app, world, count_queries
):
    admin = world.user("vendor_admin")
    manager = world.user("support_manager")
    _partner_with_its_own_rows(0, admin)
    world.acme.support_manager_id = manager.id
    db.session.commit()
    client = signed_in(app, manager)
    one = _queries(client, count_queries, "Many 0", "Unbound 0")
    for n in (1, 2, 3):
        _partner_with_its_own_rows(n, admin)
    world.globex.support_manager_id = manager.id
    db.session.commit()
    # Ten partners need attention now: the first five are listed.
    assert _queries(client, count_queries, "Many 1", "and 5 more") == one


def test_partner_admin_home_runs_the_same_queries_for_1_or_4_gaps_and_newcomers(
    app, world, count_queries
):
    client = signed_in(app, world.user("acme_admin"))
    # The gaps in certification's words: "Orbit: 0 of 1 certified technicians ..."
    one = _queries(client, count_queries, world.user("acme_tech").name, "Orbit: 0 of 1 certified")
    products = [make_product(f"extra-{n}") for n in range(3)]
    minimums = {world.product.id: 1, **{product.id: 1 for product in products}}
    make_agreement(
        world.acme, world.user("vendor_admin"), world.user("acme_admin"), minimums=minimums
    )
    for n in range(3):
        make_user("technician", world.acme, name=f"Newcomer {n}")
    db.session.commit()
    assert _queries(client, count_queries, "Newcomer 2", "Extra 2: 0 of 1 certified") == one
