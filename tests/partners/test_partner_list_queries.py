"""N+1 guard of the partner list, with rows that cannot hide one.

Every partner has its own support manager, its own admin and its own agreements (one in
force, one proposed): were the list to load any of them partner by partner, 8 partners
would take more queries than 2. (With one manager shared by every partner, the session's
identity map answers all but the first lazy load, and an N+1 goes unseen.)
"""

from decimal import Decimal

from portal.extensions import db
from portal.partners.agreements import AgreementTerms, propose_agreement
from tests.factories import make_agreement, make_partner, make_user, signed_in


def _give_its_own_manager_and_a_proposal(partner, vendor_admin) -> None:
    partner.support_manager_id = make_user("support_manager", name=f"Manager of {partner.slug}").id
    # A higher fee than the version in force: a proposal must change something.
    propose_agreement(partner, AgreementTerms(fee_percentage=Decimal("25")), actor=vendor_admin)


def _add_partner(n: int, vendor_admin) -> None:
    partner = make_partner(f"many-{n}", name=f"Many {n}")
    make_agreement(partner, vendor_admin, make_user("partner_admin", partner))
    _give_its_own_manager_and_a_proposal(partner, vendor_admin)


def test_partner_list_runs_the_same_queries_for_2_or_8_partners_each_with_its_own_rows(
    app, world, count_queries
):
    vendor_admin = world.user("vendor_admin")
    for partner in (world.acme, world.globex):
        _give_its_own_manager_and_a_proposal(partner, vendor_admin)
    db.session.commit()
    client = signed_in(app, vendor_admin)

    def queries(expected_partners: int) -> int:
        with count_queries() as counter:
            response = client.get("/partners/")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert page.count("Manager of ") == expected_partners
        assert page.count(" proposed</a>") == expected_partners
        return counter.count

    two = queries(2)
    for n in range(6):
        _add_partner(n, vendor_admin)
    db.session.commit()
    assert queries(8) == two
