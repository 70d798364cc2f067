"""The agreement workflow through the pages: propose, accept, return and revise, withdraw."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agreement, AuditEntry, OutboxMessage
from tests.factories import Browser, signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def _page(response) -> str:
    return response.get_data(as_text=True)


def _terms_form(product_id: int, **changes) -> dict:
    """A complete, valid submission of the agreement form."""
    data = {
        "customer_owner": "partner",
        "customer_billing": "partner",
        "troubleshooting_required": "Reproduce on vanilla and attach the logs.",
        "update_distribution": "Within 30 days.",
        "customer_kb_access": "y",
        "fee_model": "percentage",
        "fee_percentage": "22.50",
        "fixed_fee": "",
        "fee_period": "quarter",
        "certification_validity_months": "12",
        "coverage": "business_hours",
        "timezone": "Europe/Paris",
        "business_days": ["mon", "tue", "wed", "thu", "fri"],
        "business_start": "09:00",
        "business_end": "17:00",
        "vendor_contact": "Max Manager <manager@vendor.example>",
        "partner_contact": "Acme Admin <admin@acme.example>",
        "out_of_hours_cover": "none",
        "out_of_hours_response_minutes": "",
        "out_of_hours_extra_cost": "",
        f"minimums-product_{product_id}": "2",
    }
    for severity, (first, resolution) in {
        "S1": (60, 480),
        "S2": (240, 2880),
        "S3": (480, 7200),
        "S4": (1440, 14400),
    }.items():
        data[f"sla-{severity}-first_response"] = str(first)
        data[f"sla-{severity}-resolution"] = str(resolution)
    data.update(changes)
    return data


def _new_path(world, **query) -> str:
    suffix = "".join(f"?{k}={v}" for k, v in query.items())
    return f"/partners/{world.acme.id}/agreements/new{suffix}"


def _propose(client, world, **changes):
    path = _new_path(world)
    return Browser(client).post(path, _terms_form(world.product.id, **changes), form_page=path)


def _versions(partner) -> dict[int, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(Agreement).where(Agreement.partner_id == partner.id))
    return {a.version: a.status for a in rows}


def _latest(partner) -> Agreement:
    db.session.expire_all()
    return db.session.scalars(
        select(Agreement)
        .where(Agreement.partner_id == partner.id)
        .order_by(Agreement.version.desc())
    ).first()


def _decide(client, agreement, action, **data):
    """Post a decision, confirmed (tests/partners/test_confirmations.py asks first)."""
    path = f"/partners/{agreement.partner_id}/agreements/{agreement.id}"
    data.setdefault("confirmed", "yes")
    return Browser(client).post(f"{path}/{action}", data, form_page=path)


def _field_block(html: str, field_id: str) -> str:
    """The input `field_id` and what the field macro renders after it (help, errors)."""
    start = html.rindex("<", 0, html.index(f'id="{field_id}"'))
    return html[start : start + 1200]


@pytest.fixture
def vendor(app, world):
    return signed_in(app, world.user("vendor_admin"))


@pytest.fixture
def acme(app, world):
    return signed_in(app, world.user("acme_admin"))


def test_proposal_comes_into_force_only_when_the_partner_admin_accepts(vendor, acme, world):
    response = _propose(vendor, world)
    assert response.status_code == 302
    proposal = _latest(world.acme)
    assert _versions(world.acme) == {1: "in_force", 2: "proposed"}
    assert proposal.fee_percentage == 22.5 and proposal.minimum_for(world.product.id) == 2
    assert db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.recipient == "admin@acme.example",
            OutboxMessage.subject.contains("version 2"),
        )
    )

    page = _page(acme.get(f"/partners/{world.acme.id}/agreements/{proposal.id}"))
    assert "Accept version 2" in page and "Return with comments" in page
    diff = page[
        page.index('data-testid="terms-diff"') : page.index(
            "</table>", page.index('data-testid="terms-diff"')
        )
    ]
    assert re.search(r"Fee percentage</td>\s*<td[^>]*>20.00 %</td>\s*<td[^>]*>22.50 %", diff)
    assert "S1 first response" not in diff  # unchanged terms are not listed

    response = _decide(acme, proposal, "accept")
    assert response.status_code == 302
    assert _versions(world.acme) == {1: "superseded", 2: "in_force"}
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "agreement.accepted")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.before == {"status": "proposed", "in_force_version": 1}
    assert entry.after == {"status": "in_force", "in_force_version": 2}
    assert entry.actor_id == world.user("acme_admin").id


def test_return_with_comments_then_revise_then_accept(vendor, acme, world):
    _propose(vendor, world, fee_percentage="40")
    proposal = _latest(world.acme)

    before = row_counts()
    response = _decide(acme, proposal, "return", comments="  ")
    assert response.status_code == 400
    assert "Say what should change." in _field_block(_page(response), "comments")
    assert row_counts() == before and _versions(world.acme)[2] == "proposed"

    response = _decide(acme, proposal, "return", comments="40 % is too much; 25 % at most.")
    assert response.status_code == 302
    assert _versions(world.acme) == {1: "in_force", 2: "returned"}

    detail = _page(vendor.get(f"/partners/{world.acme.id}"))
    assert "40 % is too much" in detail and f"from={proposal.id}" in detail  # the Revise button
    form = _page(vendor.get(_new_path(world, **{"from": proposal.id})))
    assert "40 % is too much" in form and 'value="40.00"' in form  # pre-filled from v2

    path = _new_path(world, **{"from": proposal.id})
    response = Browser(vendor).post(
        path, _terms_form(world.product.id, fee_percentage="25"), form_page=path
    )
    assert response.status_code == 302
    revision = _latest(world.acme)
    assert revision.version == 3 and revision.status == "proposed"
    assert _decide(acme, revision, "accept").status_code == 302
    assert _versions(world.acme) == {1: "superseded", 2: "returned", 3: "in_force"}
    page = _page(acme.get(f"/partners/{world.acme.id}/agreements/{revision.id}"))
    assert "Changes against version 1 (superseded)" in page  # what changed in force
    # Version 2 is history now: nothing left to revise.
    assert f"from={proposal.id}" not in _page(vendor.get(f"/partners/{world.acme.id}"))


def test_vendor_admin_withdraws_a_proposal(vendor, acme, world):
    _propose(vendor, world)
    proposal = _latest(world.acme)
    assert "Withdraw the proposal" in _page(
        vendor.get(f"/partners/{world.acme.id}/agreements/{proposal.id}")
    )
    assert _decide(vendor, proposal, "withdraw").status_code == 302
    assert _versions(world.acme) == {1: "in_force", 2: "withdrawn"}
    # A withdrawn version can no longer be accepted: a flash message, nothing changes.
    before = row_counts()
    response = _decide(acme, proposal, "accept")
    assert response.status_code == 302
    assert "withdrawn, not awaiting a decision" in _page(acme.get(response.headers["Location"]))
    assert row_counts() == before


def test_another_partners_admin_gets_a_404_and_changes_nothing(app, vendor, world):
    _propose(vendor, world)
    proposal = _latest(world.acme)
    globex = signed_in(app, world.user("globex_admin"))
    assert globex.get(f"/partners/{world.acme.id}/agreements/{proposal.id}").status_code == 404
    path = f"/partners/{world.acme.id}/agreements/{proposal.id}/accept"
    before = row_counts()
    assert Browser(globex).post(path).status_code == 404
    # Nor through its own partner's URL.
    path = f"/partners/{world.globex.id}/agreements/{proposal.id}/accept"
    assert Browser(globex).post(path).status_code == 404
    assert row_counts() == before and _versions(world.acme)[2] == "proposed"


@pytest.mark.parametrize("role", ["acme_tech", "vendor_admin", "support_manager"])
def test_only_the_partner_admin_may_accept(app, vendor, world, role):
    _propose(vendor, world)
    proposal = _latest(world.acme)
    client = signed_in(app, world.user(role))
    page = _page(client.get(f"/partners/{world.acme.id}/agreements/{proposal.id}"))
    assert "Accept version" not in page
    assert _decide(client, proposal, "accept").status_code == 403
    assert _decide(client, proposal, "return", comments="no").status_code == 403
    assert _versions(world.acme)[2] == "proposed"


def test_partner_admin_cannot_propose_or_withdraw(acme, vendor, world):
    _propose(vendor, world)
    proposal = _latest(world.acme)
    assert acme.get(_new_path(world)).status_code == 403
    assert _decide(acme, proposal, "withdraw").status_code == 403
    assert _versions(world.acme)[2] == "proposed"


def test_a_second_proposal_while_one_is_pending_is_a_flash_and_changes_nothing(vendor, world):
    _propose(vendor, world)
    before = row_counts()
    response = _propose(vendor, world, fee_percentage="30")
    assert response.status_code == 409
    assert "A proposal is already waiting for the partner; withdraw it first." in _page(response)
    assert 'value="30"' in _page(response)  # what was typed is kept
    assert row_counts() == before


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"fee_percentage": "150"}, "fee_percentage", "between 0 and 100"),
        ({"fee_model": "fixed", "fixed_fee": ""}, "fixed_fee", "A fixed fee of zero or more"),
        ({"sla-S1-first_response": ""}, "sla-S1-first_response", "A positive duration"),
        ({"sla-S2-resolution": "10"}, "sla-S2-resolution", "At least the first-response target"),
        (
            {"business_start": "18:00", "business_end": "09:00"},
            "business_end",
            "must end after it starts",
        ),
        ({"timezone": "Europe/Atlantis"}, "timezone", "Unknown time zone"),
        ({"certification_validity_months": "0"}, "certification_validity_months", "At least one"),
        (
            {"out_of_hours_cover": "senior_engineer"},
            "out_of_hours_response_minutes",
            "how fast out-of-hours cover responds",
        ),
    ],
)
def test_invalid_terms_show_next_to_the_field_and_save_nothing(
    vendor, world, changes, field_id, message
):
    before = row_counts()
    response = _propose(vendor, world, **changes)
    assert response.status_code == 400
    block = _field_block(_page(response), field_id)
    assert "is-invalid" in block and message in block
    assert row_counts() == before


def test_numbers_too_large_for_the_database_are_refused_by_the_form(vendor, world):
    before = row_counts()
    response = _propose(
        vendor, world, fee_model="fixed", fixed_fee="1e15", **{"sla-S4-resolution": "99999999999"}
    )
    assert response.status_code == 400
    assert "That amount is too large." in _field_block(_page(response), "fixed_fee")
    assert "That number is too large." in _field_block(_page(response), "sla-S4-resolution")
    assert row_counts() == before


def test_a_negative_minimum_is_shown_next_to_its_product(vendor, world):
    before = row_counts()
    response = _propose(vendor, world, **{f"minimums-product_{world.product.id}": "-1"})
    assert response.status_code == 400
    assert "Zero or more." in _field_block(_page(response), f"minimums-product_{world.product.id}")
    assert row_counts() == before


def test_propose_form_is_prefilled_from_the_version_in_force(vendor, world):
    html = _page(vendor.get(_new_path(world)))
    assert 'value="20.00"' in html  # the factory's fee percentage
    # SLA targets read in the largest exact unit: 60 minutes as 1 hour, 30 days as 30 days.
    assert re.search(r'id="sla-S1-first_response"[^>]*value="1"', html)
    assert re.search(
        r'id="sla-S1-first_response_unit".*?<option selected value="hours">', html, re.S
    )
    assert re.search(r'id="sla-S4-resolution"[^>]*value="30"', html)
    assert re.search(rf'id="minimums-product_{world.product.id}"[^>]*value="1"', html)


def test_my_agreement_goes_to_the_version_in_force_or_shows_an_empty_state(app, acme, world):
    in_force = world.acme.agreement_in_force
    response = acme.get("/partners/mine/agreement")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/agreements/{in_force.id}")

    from portal.partners.services import PartnerInput, save_partner
    from tests.factories import make_user

    partner = save_partner(PartnerInput(name="Fresh", slug="fresh"))
    admin = make_user("partner_admin", partner)
    db.session.commit()
    response = signed_in(app, admin).get("/partners/mine/agreement")
    assert response.status_code == 200 and "No agreement is in force" in _page(response)


def test_technician_reads_its_partners_agreement_but_not_another(app, world):
    client = signed_in(app, world.user("acme_tech"))
    acme_version = world.acme.agreement_in_force
    globex_version = world.globex.agreement_in_force
    assert client.get(f"/partners/{world.acme.id}/agreements/{acme_version.id}").status_code == 200
    assert (
        client.get(f"/partners/{world.globex.id}/agreements/{globex_version.id}").status_code == 404
    )
    assert (
        client.get(f"/partners/{world.acme.id}/agreements/{globex_version.id}").status_code == 404
    )


def test_agreement_pages_run_the_same_queries_however_long_the_history(
    app, vendor, acme, world, count_queries
):
    def queries(path) -> int:
        with count_queries() as counter:
            assert vendor.get(path).status_code == 200
        return counter.count

    detail = f"/partners/{world.acme.id}"
    version_page = f"/partners/{world.acme.id}/agreements/{world.acme.agreement_in_force.id}"
    short = queries(detail), queries(version_page)
    for fee in ("21", "22", "23"):
        _propose(vendor, world, fee_percentage=fee)
        _decide(acme, _latest(world.acme), "accept")
    assert _versions(world.acme) == {
        1: "superseded",
        2: "superseded",
        3: "superseded",
        4: "in_force",
    }
    assert (queries(detail), queries(version_page)) == short
