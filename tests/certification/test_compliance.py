"""Live compliance: verdicts per product stored once, their changes audited and announced
once (also with two processes noticing at the same time), the tier following."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from certification import compliance as compliance_module
from certification.compliance import refresh_partner
from certification.models import ComplianceState
from certification.revocation import revoke_on_departure
from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage, Partner
from portal.models.base import utcnow
from portal.users.services import set_status
from tests.certification.compliance_support import TODAY, certification, environment
from tests.factories import make_agreement, make_product, make_user


def states(partner) -> dict[int, bool]:
    db.session.flush()
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(ComplianceState.product_id, ComplianceState.compliant).where(
                ComplianceState.partner_id == partner.id
            )
        ).all()
    )


def compliance_mail(address=None) -> list[OutboxMessage]:
    """Compliance mail (the agreements' own mail aside), to `address` or to anyone."""
    stmt = select(OutboxMessage).where(OutboxMessage.subject.contains("complian"))
    if address is not None:
        stmt = stmt.where(OutboxMessage.recipient == address)
    return db.session.scalars(stmt.order_by(OutboxMessage.id)).all()


def audit_actions(action_prefix: str) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.startswith(action_prefix))
        .order_by(AuditEntry.id)
    ).all()


@pytest.fixture
def compliant_acme(world):
    """acme compliant on orbit (one certified technician, a current lab), with a manager."""
    world.acme.support_manager = world.user("support_manager")
    certification(
        world.user("acme_tech"),
        world.product,
        issued_on=TODAY - timedelta(days=300),
        expires_on=TODAY + timedelta(days=1),
    )
    environment(world.acme, world.product, name="Lab-1")
    refresh_partner(world.acme, today=TODAY)
    db.session.commit()
    return world


def test_the_agreement_coming_into_force_records_a_first_verdict_quietly(world):
    # build_world accepted acme's agreement (orbit: 1 certified technician at least).
    assert states(world.acme) == {world.product.id: False}
    assert compliance_mail() == []
    assert audit_actions("compliance.") == []


def test_becoming_compliant_is_recorded_announced_audited_and_raises_the_tier(world):
    world.acme.support_manager = world.user("support_manager")
    certification(world.user("acme_tech"), world.product)
    environment(world.acme, world.product)

    changes = refresh_partner(world.acme, today=TODAY)

    assert [(c.product_id, c.compliant) for c in changes] == [(world.product.id, True)]
    assert states(world.acme) == {world.product.id: True}
    assert world.acme.tier == "certified"
    assert {m.recipient for m in compliance_mail()} == {
        "admin@acme.example",
        "manager@vendor.example",
    }
    assert "now compliant on Orbit" in compliance_mail()[0].subject
    (entry,) = audit_actions("compliance.")
    assert entry.action == "compliance.regained" and entry.after["certified_active"] == 1
    (tier,) = audit_actions("partner.tier_changed")
    assert tier.before == {"tier": "registered"} and tier.after == {"tier": "certified"}


def test_an_expiry_takes_the_partner_out_once_with_whom_to_recertify(compliant_acme):
    world = compliant_acme
    holder = world.user("acme_tech")
    newbie = make_user("technician", world.acme, name="Nina Newbie")
    before = len(compliance_mail())
    day = TODAY + timedelta(days=1)

    assert refresh_partner(world.acme, today=TODAY) == []  # still valid today
    changes = refresh_partner(world.acme, today=day)
    again = refresh_partner(world.acme, today=day)

    assert [c.compliant for c in changes] == [False] and again == []
    assert states(world.acme) == {world.product.id: False}
    assert world.acme.tier == "registered"
    lost = compliance_mail()[before:]
    assert sorted(m.recipient for m in lost) == ["admin@acme.example", "manager@vendor.example"]
    for mail in lost:
        assert "out of compliance on Orbit" in mail.subject
        assert "0 of 1 certified technicians, a current reproduction environment" in mail.body
        assert f"Recertify {holder.name} ({holder.email})" in mail.body
        assert f"expired on {day.isoformat()}" in mail.body
        assert f"could take the quiz: {newbie.name}" in mail.body
    assert [e.action for e in audit_actions("compliance.")][-1] == "compliance.lost"


def test_a_stale_environment_takes_the_partner_out_and_says_which_to_reattest(world):
    certification(world.user("acme_tech"), world.product)
    lab = environment(world.acme, world.product, name="Lab-2", attested=None)
    refresh_partner(world.acme, today=TODAY)
    stale_day = lab.attested_at.date() + timedelta(days=181)

    (change,) = refresh_partner(world.acme, today=stale_day)

    assert change.compliant is False
    (mail,) = compliance_mail("admin@acme.example")[-1:]
    assert "1 of 1 certified technicians, no current reproduction environment" in mail.body
    assert f'Re-attest the environment "Lab-2" (stale since {stale_day.isoformat()})' in mail.body
    assert "Recertify" not in mail.body


def test_a_certified_technician_leaving_flips_compliance_with_one_notice(compliant_acme):
    world = compliant_acme
    before = len(compliance_mail())

    revoke_on_departure(
        world.user("acme_tech"), "left", actor=world.user("acme_admin"), today=TODAY
    )
    db.session.commit()
    refresh_partner(world.acme, today=TODAY)  # a later event notices nothing new

    assert states(world.acme) == {world.product.id: False}
    lost = compliance_mail()[before:]
    assert sorted(m.recipient for m in lost) == ["admin@acme.example", "manager@vendor.example"]
    assert "1 more certified technician needed" in lost[0].body
    assert world.acme.tier == "registered"


def test_marking_the_technician_left_in_the_portal_recomputes_live(world):
    """Through the signal the technicians page sends, as of the real today."""
    today = utcnow().date()
    certification(world.user("acme_tech"), world.product, issued_on=today - timedelta(days=5))
    environment(world.acme, world.product, attested=utcnow() - timedelta(days=1))
    refresh_partner(world.acme)
    assert world.acme.tier == "certified"

    set_status(world.user("acme_tech"), "left", actor=world.user("acme_admin"))

    assert states(world.acme) == {world.product.id: False}
    assert world.acme.tier == "registered"
    assert len(compliance_mail("admin@acme.example")) == 2  # compliant, then out


def test_an_agreement_raising_the_minimum_takes_the_partner_out(compliant_acme):
    world = compliant_acme
    before = len(compliance_mail())

    make_agreement(
        world.acme,
        world.user("vendor_admin"),
        world.user("acme_admin"),
        minimums={world.product.id: 2},
    )

    assert states(world.acme) == {world.product.id: False}
    assert world.acme.tier == "registered"
    (mail, _) = compliance_mail()[before:]
    assert "1 of 2 certified technicians" in mail.body


def test_an_agreement_dropping_a_product_clears_its_verdict(compliant_acme):
    world = compliant_acme
    other = make_product("beacon")
    make_agreement(
        world.acme,
        world.user("vendor_admin"),
        world.user("acme_admin"),
        minimums={world.product.id: 1, other.id: 1},
    )
    assert states(world.acme) == {world.product.id: True, other.id: False}
    assert world.acme.tier == "registered"

    make_agreement(
        world.acme,
        world.user("vendor_admin"),
        world.user("acme_admin"),
        minimums={world.product.id: 1},
    )

    assert states(world.acme) == {world.product.id: True}
    assert world.acme.tier == "certified"


def test_a_release_losing_support_takes_its_environments_out(compliant_acme):
    from portal.products.services import save_release

    world = compliant_acme
    release = world.product.releases[0]
    before = len(compliance_mail())

    save_release(
        world.product,
        release.version,
        release.released_on,
        major=release.major,
        supported=False,
        release=release,
        actor=world.user("vendor_admin"),
    )

    assert states(world.acme) == {world.product.id: False}
    mail = compliance_mail("admin@acme.example")[-1]
    assert len(compliance_mail()) == before + 2
    assert "which is no longer supported" in mail.body


def test_two_processes_noticing_at_once_announce_and_audit_once(app, compliant_acme):
    """Both read the stored verdict as compliant before either writes; one write wins."""
    world = compliant_acme
    partner_id = world.acme.id
    before_mail = len(compliance_mail())
    before_audit = len(audit_actions("compliance.lost"))
    both_read = threading.Barrier(2, timeout=20)
    real_move = compliance_module._move_state

    def move_after_both_read(*args, **kwargs):
        both_read.wait()
        return real_move(*args, **kwargs)

    results, errors = [], []

    def process():
        try:
            with app.app_context():
                partner = db.session.get(Partner, partner_id)
                changes = refresh_partner(partner, today=TODAY + timedelta(days=1))
                db.session.commit()
                results.append(len(changes))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            both_read.abort()

    compliance_module._move_state = move_after_both_read
    try:
        threads = [threading.Thread(target=process) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        compliance_module._move_state = real_move

    assert errors == []
    assert sorted(results) == [0, 1]
    assert len(compliance_mail()) == before_mail + 2  # the admin and the manager, once
    assert len(audit_actions("compliance.lost")) == before_audit + 1
    assert len(audit_actions("partner.tier_changed")) == 2  # up once, down once


def test_two_processes_recording_a_first_verdict_insert_one_row(app, world):
    other = make_product("beacon")
    partner = world.globex
    db.session.commit()
    partner_id, product_id = partner.id, other.id
    both_ready = threading.Barrier(2, timeout=20)
    outcomes, errors = [], []

    def process():
        try:
            with app.app_context():
                both_ready.wait()
                outcomes.append(
                    compliance_module._move_state(partner_id, product_id, False, first=True)
                )
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == [] and outcomes == [False, False]
    assert states(partner)[other.id] is False
