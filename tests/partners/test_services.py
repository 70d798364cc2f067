"""The rules of the partner, agreement, user and product services, without HTTP."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.errors import DomainError
from portal.extensions import db
from portal.models import Agreement, AuditEntry, OutboxMessage, Release
from portal.partners.agreements import (
    AgreementTerms,
    accept_agreement,
    propose_agreement,
    return_agreement,
    validate_terms,
    withdraw_agreement,
)
from portal.partners.services import PartnerInput, save_customer, save_partner
from portal.products.services import save_product, save_release
from portal.users.services import (
    UserInput,
    add_technician,
    create_user,
    set_status,
    update_user,
)
from tests.factories import make_customer


def _refusal(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def _audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admins(world):
    return world.user("vendor_admin"), world.user("acme_admin")


# --- Agreement workflow ----------------------------------------------------------------


def test_accepting_a_proposal_supersedes_the_version_in_force(world, admins):
    vendor_admin, acme_admin = admins
    first = world.acme.agreement_in_force
    second = propose_agreement(
        world.acme, AgreementTerms(fee_percentage=Decimal("25")), actor=vendor_admin
    )
    assert second.version == first.version + 1 and second.status == "proposed"
    assert world.acme.agreement_in_force is first  # nothing changes until the partner accepts

    accept_agreement(second, actor=acme_admin)
    db.session.flush()
    assert (first.status, second.status) == ("superseded", "in_force")
    assert first.in_force_until == second.in_force_from
    assert second.decided_by_id == acme_admin.id
    entry = _audit("agreement.accepted")[-1]
    assert entry.before["in_force_version"] == first.version
    assert entry.after == {"status": "in_force", "in_force_version": second.version}


def test_the_database_keeps_one_version_in_force_per_partner(world):
    agreement = world.acme.agreement_in_force
    clone = Agreement(
        partner_id=world.acme.id, version=99, status="in_force", fee_percentage=Decimal("10")
    )
    db.session.add(clone)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Agreement, agreement.id).status == "in_force"


def test_the_database_keeps_one_open_proposal_per_partner(world, admins):
    propose_agreement(world.acme, AgreementTerms(), actor=admins[0])
    db.session.add(
        Agreement(
            partner_id=world.acme.id, version=98, status="proposed", fee_percentage=Decimal("10")
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_second_proposal_while_one_is_pending_is_a_conflict(world, admins):
    propose_agreement(world.acme, AgreementTerms(), actor=admins[0])
    versions = _count(Agreement)
    error = _refusal(propose_agreement, world.acme, AgreementTerms(), actor=admins[0])
    assert (error.code, error.status) == ("proposal_pending", 409)
    assert _count(Agreement) == versions


def test_returning_needs_comments_and_records_them(world, admins):
    vendor_admin, acme_admin = admins
    proposal = propose_agreement(world.acme, AgreementTerms(), actor=vendor_admin)
    error = _refusal(return_agreement, proposal, "   ", actor=acme_admin)
    assert error.code == "comments_required" and "comments" in error.fields
    assert proposal.status == "proposed"

    return_agreement(proposal, "Fee too high", actor=acme_admin)
    assert proposal.status == "returned" and proposal.partner_comments == "Fee too high"
    assert _audit("agreement.returned")[-1].after["comments"] == "Fee too high"
    # The vendor may now propose a revision: the returned version is no longer pending.
    revision = propose_agreement(world.acme, AgreementTerms(), actor=vendor_admin)
    assert revision.version == proposal.version + 1


def test_withdrawn_and_decided_versions_cannot_be_decided_again(world, admins):
    vendor_admin, acme_admin = admins
    proposal = propose_agreement(world.acme, AgreementTerms(), actor=vendor_admin)
    withdraw_agreement(proposal, actor=vendor_admin)
    assert proposal.status == "withdrawn"
    for action in (accept_agreement, withdraw_agreement):
        error = _refusal(action, proposal, actor=acme_admin)
        assert (error.code, error.status) == ("invalid_transition", 409)
    error = _refusal(return_agreement, proposal, "no", actor=acme_admin)
    assert error.code == "invalid_transition"
    in_force = world.acme.agreement_in_force
    assert _refusal(accept_agreement, in_force, actor=acme_admin).code == "invalid_transition"


def test_a_proposal_notifies_the_partner_admins(world, admins):
    before = _count(OutboxMessage)
    proposal = propose_agreement(world.acme, AgreementTerms(), actor=admins[0])
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(messages) == before + 1
    assert messages[-1].recipient == "admin@acme.example"
    assert f"/agreements/{proposal.id}" in messages[-1].body


def test_the_partners_decision_is_mailed_to_the_proposer_and_the_support_manager(world, admins):
    from portal.partners.services import PartnerInput, save_partner
    from tests.factories import make_user

    manager = make_user("support_manager", email="sm@vendor.example")
    save_partner(
        PartnerInput(
            name=world.acme.name, slug="acme", region="EMEA", support_manager_id=manager.id
        ),
        world.acme,
    )
    acme_admin = world.user("acme_admin")
    for decide, outcome in (
        (
            lambda p: return_agreement(p, "Too expensive", actor=acme_admin),
            "returned with comments",
        ),
        (lambda p: accept_agreement(p, actor=acme_admin), "accepted"),
    ):
        proposal = propose_agreement(world.acme, AgreementTerms(), actor=admins[0])
        first_new = db.session.scalar(select(db.func.max(OutboxMessage.id)))
        decide(proposal)
        db.session.flush()
        sent = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id > first_new).order_by(OutboxMessage.id)
        ).all()
        assert sorted(m.recipient for m in sent) == sorted([admins[0].email, manager.email])
        assert all(outcome in m.subject for m in sent)
    returned = _audit("agreement.returned")[-1]
    assert returned.after["comments"] == "Too expensive"


def test_a_proposal_audits_the_terms_before_and_after(world, admins):
    propose_agreement(world.acme, AgreementTerms(fee_percentage=Decimal("30")), actor=admins[0])
    entry = _audit("agreement.proposed")[-1]
    assert entry.partner_id == world.acme.id
    assert entry.before["fee_percentage"] == "20.00"
    assert entry.after["fee_percentage"] == "30"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fee_percentage": Decimal("150")}, "fee_percentage"),
        ({"fee_percentage": None}, "fee_percentage"),
        ({"fee_model": "fixed", "fixed_fee": None}, "fixed_fee"),
        ({"fee_model": "fixed", "fixed_fee": Decimal("-1")}, "fixed_fee"),
        ({"fee_model": "barter"}, "fee_model"),
        ({"certification_validity_months": 0}, "certification_validity_months"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"business_days": ""}, "business_days"),
        ({"business_days": "mon,funday"}, "business_days"),
        ({"business_start": "9am"}, "business_start"),
        ({"business_start": "17:00", "business_end": "09:00"}, "business_end"),
        ({"out_of_hours_cover": "first_line"}, "out_of_hours_response_minutes"),
        ({"customer_owner": "nobody"}, "customer_owner"),
    ],
)
def test_inconsistent_terms_are_refused_with_the_field(app, changes, field):
    terms = AgreementTerms(**changes)
    error = _refusal(validate_terms, terms)
    assert error.code == "validation_error" and field in error.fields


def test_sla_targets_are_required_and_ordered(app):
    missing = AgreementTerms()
    del missing.sla["S2"]
    assert "sla.S2.first_response" in _refusal(validate_terms, missing).fields
    backwards = AgreementTerms()
    backwards.sla["S3"] = (600, 60)
    assert "sla.S3.resolution" in _refusal(validate_terms, backwards).fields


def test_minimums_must_name_a_product_and_not_be_negative(world):
    unknown = AgreementTerms(minimums={987654: 1})
    assert "minimums.987654" in _refusal(validate_terms, unknown).fields
    negative = AgreementTerms(minimums={world.product.id: -1})
    assert f"minimums.{world.product.id}" in _refusal(validate_terms, negative).fields


def test_a_fixed_fee_clears_the_percentage_and_24x7_skips_business_hours(app):
    terms = AgreementTerms(
        fee_model="fixed",
        fixed_fee=Decimal("500"),
        coverage="24x7",
        business_start="18:00",
        business_end="08:00",
    )
    validate_terms(terms)
    assert terms.fee_percentage is None


# --- Partners and customers ------------------------------------------------------------


def test_partner_slug_and_name_are_unique(world):
    error = _refusal(save_partner, PartnerInput(name="Acme", slug="acme-2"))
    assert "name" in error.fields
    error = _refusal(save_partner, PartnerInput(name="Another", slug="acme"))
    assert "slug" in error.fields
    assert "slug" in _refusal(save_partner, PartnerInput(name="X", slug="Not A Slug")).fields


def test_support_manager_must_be_an_active_support_manager(world):
    engineer = world.user("vendor_engineer")
    error = _refusal(
        save_partner, PartnerInput(name="New", slug="new", support_manager_id=engineer.id)
    )
    assert "support_manager_id" in error.fields
    manager = world.user("support_manager")
    manager.status = "left"
    error = _refusal(
        save_partner, PartnerInput(name="New", slug="new", support_manager_id=manager.id)
    )
    assert "support_manager_id" in error.fields


def test_saving_a_partner_audits_the_change_and_names_suspensions(world):
    manager = world.user("support_manager")
    partner = save_partner(
        PartnerInput(name="Initech", slug="initech", support_manager_id=manager.id)
    )
    created = _audit("partner.created")[-1]
    assert created.before is None and created.after["slug"] == "initech"
    save_partner(
        PartnerInput(
            name="Initech", slug="initech", status="suspended", support_manager_id=manager.id
        ),
        partner,
    )
    suspended = _audit("partner.suspended")[-1]
    assert (suspended.before["status"], suspended.after["status"]) == ("active", "suspended")
    entries = _count(AuditEntry)
    save_partner(
        PartnerInput(
            name="Initech", slug="initech", status="suspended", support_manager_id=manager.id
        ),
        partner,
    )
    assert _count(AuditEntry) == entries  # nothing changed, nothing audited


def test_customer_names_are_unique_within_a_partner_only(world):
    error = _refusal(save_customer, world.acme, "Acme Customer", 10)
    assert "name" in error.fields
    save_customer(world.globex, "Acme Customer", 10)  # another partner may use the name
    assert "seats" in _refusal(save_customer, world.acme, "New one", -5).fields
    assert "name" in _refusal(save_customer, world.acme, "  ", 5).fields


def test_editing_a_customer_audits_before_and_after(world):
    customer = make_customer(world.acme, "Initrode", seats=10)
    save_customer(world.acme, "Initrode", 25, customer)
    entry = _audit("customer.updated")[-1]
    assert (entry.before["seats"], entry.after["seats"]) == (10, 25)
    assert entry.partner_id == world.acme.id


# --- Users -----------------------------------------------------------------------------


def test_email_is_unique_whatever_its_case(world):
    error = _refusal(
        create_user,
        UserInput(
            email="TECH@Acme.Example", name="Copy", role="technician", partner_id=world.acme.id
        ),
    )
    assert "email" in error.fields


def test_partner_roles_need_a_partner_and_vendor_roles_none(world):
    error = _refusal(create_user, UserInput(email="x@example.org", name="X", role="partner_admin"))
    assert "partner_id" in error.fields
    error = _refusal(
        create_user,
        UserInput(
            email="y@example.org", name="Y", role="vendor_engineer", partner_id=world.acme.id
        ),
    )
    assert "partner_id" in error.fields
    assert (
        "role"
        in _refusal(create_user, UserInput(email="z@example.org", name="Z", role="overlord")).fields
    )


def test_a_user_without_password_is_invited(world):
    user = create_user(UserInput(email="new@vendor.example", name="New", role="vendor_engineer"))
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message.recipient == user.email and "/set-password/" in message.body
    assert user.password_hash is None


def test_adding_a_technician_invites_them_to_the_partner(world):
    user = add_technician(
        world.acme, "New.Tech@Acme.example", "New Tech", actor=world.user("acme_admin")
    )
    assert (user.role, user.partner_id, user.email) == (
        "technician",
        world.acme.id,
        "new.tech@acme.example",
    )
    assert db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "new.tech@acme.example")
    )
    assert _audit("user.created")[-1].actor_id == world.user("acme_admin").id


def test_a_role_change_is_audited_as_such(world):
    engineer = world.user("vendor_engineer")
    update_user(
        engineer, UserInput(email=engineer.email, name=engineer.name, role="support_manager")
    )
    entry = _audit("user.role_changed")[-1]
    assert (entry.before["role"], entry.after["role"]) == ("vendor_engineer", "support_manager")


def test_nobody_deactivates_themselves(world):
    admin = world.user("vendor_admin")
    error = _refusal(set_status, admin, "left", actor=admin)
    assert (error.code, error.status) == ("cannot_deactivate_self", 409)
    assert admin.status == "active"


def test_status_changes_are_audited_and_unknown_statuses_refused(world):
    tech = world.user("acme_tech")
    set_status(tech, "left", actor=world.user("acme_admin"))
    entry = _audit("user.left")[-1]
    assert (entry.before, entry.after) == ({"status": "active"}, {"status": "left"})
    assert not tech.is_active
    assert "status" in _refusal(set_status, tech, "retired").fields


# --- Products and releases ---------------------------------------------------------------


def test_product_slug_and_name_are_unique(world):
    assert "slug" in _refusal(save_product, "Another", "orbit").fields
    assert "name" in _refusal(save_product, "Orbit", "orbit-2").fields
    assert "slug" in _refusal(save_product, "Bad", "Bad Slug").fields


def test_release_versions_are_unique_per_product(world):
    error = _refusal(
        save_release, world.product, "4.0.0", date(2026, 1, 1), major=False, supported=True
    )
    assert "version" in error.fields
    other = save_product("Comet", "comet")
    save_release(other, "4.0.0", date(2026, 1, 1), major=True, supported=True)
    assert (
        "version"
        in _refusal(
            save_release, other, "not a version!", date(2026, 1, 1), major=False, supported=True
        ).fields
    )
    assert (
        "released_on"
        in _refusal(save_release, other, "5.0", None, major=False, supported=True).fields
    )


def test_release_changes_are_audited(world):
    release = world.product.releases[0]
    save_release(
        world.product,
        release.version,
        release.released_on,
        major=release.major,
        supported=False,
        release=release,
    )
    entry = _audit("release.updated")[-1]
    assert (entry.before["supported"], entry.after["supported"]) == (True, False)
    assert entry.partner_id is None
    assert db.session.get(Release, release.id).supported is False
