"""Agreement terms: a proposal must change something, terms that do not apply are cleared,
SLA targets are typed in minutes, hours or days. At the service, then through the page."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.errors import DomainError
from portal.extensions import db
from portal.models import Agreement, AuditEntry
from portal.partners.agreements import (
    DEFAULT_SLA,
    AgreementTerms,
    accept_agreement,
    propose_agreement,
)
from portal.partners.forms import as_amount_and_unit
from tests.factories import Browser, signed_in
from tests.support import row_counts


def _in_force_terms(world, **changes) -> AgreementTerms:
    """The terms of the factory's version in force (tests.factories.make_agreement)."""
    terms = {"fee_percentage": Decimal("20"), "minimums": {world.product.id: 1}}
    return AgreementTerms(**{**terms, **changes})


def _refusal(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def _versions(partner) -> dict[int, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(Agreement).where(Agreement.partner_id == partner.id))
    return {a.version: a.status for a in rows}


# --- A proposal must change something ---------------------------------------------------


def test_a_proposal_identical_to_the_version_in_force_is_refused(world):
    audit_entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    error = _refusal(
        propose_agreement, world.acme, _in_force_terms(world), actor=world.user("vendor_admin")
    )
    assert error.code == "no_change" and error.status == 422
    assert "same as version 1, which is in force" in error.message
    db.session.rollback()
    assert _versions(world.acme) == {1: "in_force"}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_entries


def test_terms_that_do_not_apply_do_not_make_a_proposal_different(world):
    terms = _in_force_terms(
        world,
        fixed_fee=Decimal("999"),  # under the percentage model
        out_of_hours_response_minutes=30,  # without out-of-hours cover
        business_days="fri,thu,wed,tue,mon",  # the same week, in another order
    )
    error = _refusal(propose_agreement, world.acme, terms, actor=world.user("vendor_admin"))
    assert error.code == "no_change"


def test_one_changed_term_makes_a_new_version(world):
    terms = _in_force_terms(world, fee_percentage=Decimal("20.50"))
    proposal = propose_agreement(world.acme, terms, actor=world.user("vendor_admin"))
    assert (proposal.version, proposal.status) == (2, "proposed")


def test_a_proposal_no_different_from_the_version_in_force_cannot_be_accepted(world):
    """A proposal recorded before identical proposals were refused."""
    proposal = propose_agreement(
        world.acme,
        _in_force_terms(world, fee_percentage=Decimal("21")),
        actor=world.user("vendor_admin"),
    )
    proposal.fee_percentage = Decimal("20")  # as the version in force
    db.session.flush()
    error = _refusal(accept_agreement, proposal, actor=world.user("acme_admin"))
    assert error.code == "no_change"
    db.session.rollback()
    assert _versions(world.acme)[1] == "in_force"


# --- Terms that do not apply are cleared -------------------------------------------------


def test_terms_of_the_other_fee_model_and_of_absent_cover_are_cleared(world):
    terms = AgreementTerms(
        fee_model="fixed",
        fee_percentage=Decimal("20"),
        fixed_fee=Decimal("1500"),
        coverage="24x7",
        business_days="mon,tue",
        business_start="08:00",
        business_end="18:00",
        out_of_hours_cover="none",
        out_of_hours_response_minutes=45,
        out_of_hours_extra_cost=Decimal("200"),
    )
    proposal = propose_agreement(world.acme, terms, actor=world.user("vendor_admin"))
    assert (proposal.fee_percentage, proposal.fixed_fee) == (None, Decimal("1500"))
    assert (proposal.business_days, proposal.business_start, proposal.business_end) == ("", "", "")
    assert (proposal.out_of_hours_response_minutes, proposal.out_of_hours_extra_cost) == (
        None,
        None,
    )


def test_the_fixed_fee_is_cleared_under_the_percentage_model(world):
    terms = _in_force_terms(world, fee_percentage=Decimal("18"), fixed_fee=Decimal("750"))
    proposal = propose_agreement(world.acme, terms, actor=world.user("vendor_admin"))
    assert (proposal.fee_percentage, proposal.fixed_fee) == (Decimal("18"), None)


def test_business_hours_keep_their_working_week_and_out_of_hours_cover_its_terms(world):
    terms = _in_force_terms(
        world,
        business_days="fri,mon,fri",
        out_of_hours_cover="first_line",
        out_of_hours_response_minutes=30,
        out_of_hours_extra_cost=Decimal("90"),
    )
    proposal = propose_agreement(world.acme, terms, actor=world.user("vendor_admin"))
    assert (proposal.business_days, proposal.business_start) == ("mon,fri", "09:00")
    assert proposal.out_of_hours_response_minutes == 30
    assert proposal.out_of_hours_extra_cost == Decimal("90")


# --- Through the page ----------------------------------------------------------------------


def _form(world, **changes) -> dict:
    """The agreement form filled in with the terms of the version in force."""
    data = {
        "customer_owner": "partner",
        "customer_billing": "partner",
        "fee_model": "percentage",
        "fee_percentage": "20",
        "fee_period": "quarter",
        "certification_validity_months": "12",
        "coverage": "business_hours",
        "timezone": "UTC",
        "business_days": ["mon", "tue", "wed", "thu", "fri"],
        "business_start": "09:00",
        "business_end": "17:00",
        "out_of_hours_cover": "none",
        f"minimums-product_{world.product.id}": "1",
    }
    for severity, (first, resolution) in DEFAULT_SLA.items():
        data.update(
            {
                f"sla-{severity}-first_response": str(first),
                f"sla-{severity}-first_response_unit": "minutes",
                f"sla-{severity}-resolution": str(resolution),
                f"sla-{severity}-resolution_unit": "minutes",
            }
        )
    data.update(changes)
    return data


@pytest.fixture
def vendor(app, world):
    return Browser(signed_in(app, world.user("vendor_admin")))


def _propose(vendor, world, **changes):
    path = f"/partners/{world.acme.id}/agreements/new"
    return vendor.post(path, _form(world, **changes), form_page=path)


def _proposal(world) -> Agreement:
    db.session.expire_all()
    return world.acme.pending_agreement


def test_the_page_refuses_a_proposal_identical_to_the_version_in_force(vendor, world):
    before = row_counts()
    response = _propose(vendor, world, fixed_fee="400")  # a fixed fee does not apply
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "These terms are the same as version 1, which is in force" in page
    assert 'value="400"' in page  # what was typed is kept
    assert row_counts() == before


def test_the_page_clears_what_does_not_apply(vendor, world):
    response = _propose(
        vendor,
        world,
        coverage="24x7",
        fee_percentage="19",
        fixed_fee="400",
        out_of_hours_response_minutes="30",
    )
    assert response.status_code == 302
    proposal = _proposal(world)
    assert proposal.coverage == "24x7" and proposal.business_days == ""
    assert (proposal.fixed_fee, proposal.out_of_hours_response_minutes) == (None, None)


def test_each_field_that_applies_to_some_choices_says_so(vendor, world):
    html = vendor.client.get(f"/partners/{world.acme.id}/agreements/new").get_data(as_text=True)
    for condition, field_id in [
        ("fee_model=percentage", "fee_percentage"),
        ("fee_model=fixed", "fixed_fee"),
        ("coverage=business_hours", "business_start"),
        ("coverage=business_hours", "business_days-0"),
        ("out_of_hours_cover=first_line,senior_engineer", "out_of_hours_response_minutes"),
    ]:
        group = html.index(f'data-show-when="{condition}"')
        assert group < html.index(f'id="{field_id}"') < group + 3000, field_id
    # Without JavaScript every field shows, its help saying when it applies.
    assert "For the fixed-fee model only" in html and "For business-hours coverage only" in html


@pytest.mark.parametrize(
    ("amount", "unit", "minutes"),
    [("1.5", "hours", 90), ("30", "days", 43200), ("45", "minutes", 45), ("0.5", "days", 720)],
)
def test_sla_targets_are_typed_in_minutes_hours_or_days_and_kept_in_minutes(
    vendor, world, amount, unit, minutes
):
    response = _propose(
        vendor,
        world,
        **{
            "sla-S1-resolution": amount,
            "sla-S1-resolution_unit": unit,
            "sla-S1-first_response": "1",
            "sla-S1-first_response_unit": "minutes",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    target = _proposal(world).sla_for("S1")
    assert target.resolution_minutes == minutes


def test_a_target_without_a_unit_is_in_minutes(vendor, world):
    """As posted before the unit existed (a script, an old page)."""
    data = {"sla-S2-first_response": "90"}
    path = f"/partners/{world.acme.id}/agreements/new"
    form = _form(world, **data)
    del form["sla-S2-first_response_unit"]
    assert vendor.post(path, form, form_page=path).status_code == 302
    assert _proposal(world).sla_for("S2").first_response_minutes == 90


def test_a_part_of_a_minute_is_refused_next_to_its_field(vendor, world):
    before = row_counts()
    response = _propose(vendor, world, **{"sla-S1-first_response": "1.5"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    block = html[html.index('id="sla-S1-first_response"') - 200 :][:1500]
    assert "Use whole minutes" in block and "is-invalid" in block
    assert row_counts() == before


def test_a_bad_unit_is_refused(vendor, world):
    response = _propose(vendor, world, **{"sla-S1-first_response_unit": "weeks"})
    assert response.status_code == 400
    assert row_counts()["agreements"] == 2


def test_the_form_shows_targets_in_their_largest_exact_unit(vendor, world):
    html = vendor.client.get(f"/partners/{world.acme.id}/agreements/new").get_data(as_text=True)
    for field_id, amount, unit in [
        ("sla-S1-first_response", 1, "hours"),
        ("sla-S2-resolution", 3, "days"),
        ("sla-S4-resolution", 30, "days"),
    ]:
        assert re.search(rf'id="{field_id}"[^>]*value="{amount}"', html), field_id
        select_html = html[html.index(f'id="{field_id}_unit"') :]
        selected = re.search(r'<option selected value="(\w+)"', select_html)
        assert selected.group(1) == unit, field_id


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (None, (None, "minutes")),
        (45, (45, "minutes")),
        (90, (90, "minutes")),
        (120, (2, "hours")),
        (1440, (1, "days")),
        (43200, (30, "days")),
    ],
)
def test_minutes_read_in_the_largest_exact_unit(minutes, expected):
    assert as_amount_and_unit(minutes) == expected
