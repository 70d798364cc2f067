"""Reproduction environments: when one is current, and the services that change them."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from certification.counts import current_environments
from certification.currency import as_of, environment_state, last_verified_on, stale_on
from certification.environments import (
    EnvironmentInput,
    reattest_environment,
    register_environment,
    retire_environment,
    update_environment,
    verify_environment,
)
from certification.models import ReproductionEnvironment
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from tests.certification.compliance_support import (
    TODAY,
    at,
    certification,
    days_ago,
    environment,
)
from tests.support import row_counts


def counts_as_current(lab, today) -> bool:
    """What compliance reads (SQL), checked against the state shown (Python)."""
    with as_of(today):
        in_sql = (lab.partner_id, lab.product_id) in current_environments(
            [(lab.partner_id, lab.product_id)]
        )
    assert in_sql == (environment_state(lab, today) == "current")
    return in_sql


@pytest.mark.parametrize(
    ("days", "current"),
    [(0, True), (1, True), (179, True), (180, True), (181, False), (400, False)],
)
def test_an_attestation_counts_for_180_days(world, days, current):
    lab = environment(world.acme, world.product, attested=days_ago(days))
    assert counts_as_current(lab, TODAY) is current
    assert environment_state(lab, TODAY) == ("current" if current else "stale")


@pytest.mark.parametrize("moment", ["00:00:00", "23:59:59"])
def test_the_time_of_day_of_the_attestation_does_not_matter(world, moment):
    from datetime import UTC, datetime, time

    day = TODAY - timedelta(days=180)
    lab = environment(
        world.acme,
        world.product,
        attested=datetime.combine(day, time.fromisoformat(moment), tzinfo=UTC),
    )
    assert counts_as_current(lab, TODAY)
    assert not counts_as_current(lab, TODAY + timedelta(days=1))
    assert stale_on(lab) == TODAY + timedelta(days=1)


def test_the_period_comes_from_configuration(app, world):
    lab = environment(world.acme, world.product, attested=days_ago(31))
    app.config["ENVIRONMENT_ATTESTATION_DAYS"] = 30
    try:
        assert not counts_as_current(lab, TODAY)
        assert stale_on(lab) == TODAY
    finally:
        app.config["ENVIRONMENT_ATTESTATION_DAYS"] = 180


def test_a_vendor_verification_renews_a_stale_attestation(world):
    lab = environment(world.acme, world.product, attested=days_ago(300), verified_at=days_ago(3))
    assert counts_as_current(lab, TODAY)
    assert last_verified_on(lab) == TODAY - timedelta(days=3)


def test_an_environment_on_an_unsupported_release_never_counts(world):
    lab = environment(world.acme, world.product, attested=days_ago(1))
    lab.release.supported = False
    db.session.flush()
    assert not counts_as_current(lab, TODAY)
    assert environment_state(lab, TODAY) == "unsupported"


def test_a_retired_environment_never_counts(world):
    lab = environment(world.acme, world.product, attested=days_ago(1), retired_at=at(TODAY))
    assert not counts_as_current(lab, TODAY)
    assert environment_state(lab, TODAY) == "retired"


def test_the_batch_counter_answers_each_pair_for_itself(world):
    from tests.factories import make_product

    other = make_product("beacon")
    environment(world.acme, world.product)
    environment(world.globex, other)
    environment(world.globex, world.product, attested=days_ago(200))
    pairs = [
        (world.acme.id, world.product.id),
        (world.acme.id, other.id),
        (world.globex.id, world.product.id),
        (world.globex.id, other.id),
    ]
    with as_of(TODAY):
        assert current_environments(pairs) == {
            (world.acme.id, world.product.id),
            (world.globex.id, other.id),
        }


# --- Services ------------------------------------------------------------------------------


def lab_input(release, **overrides) -> EnvironmentInput:
    values = dict(
        release_id=release.id,
        name="Lab-2",
        operating_system="Debian 12",
        database="PostgreSQL 15",
        product_build="4.1.0+build.7",
        notes="VPN access on request",
        attested=True,
    )
    values.update(overrides)
    return EnvironmentInput(**values)


def test_registering_attests_audits_and_makes_the_partner_compliant(world):
    admin = world.user("acme_admin")
    certification(world.user("acme_tech"), world.product)
    release = world.product.releases[0]

    lab = register_environment(world.acme, lab_input(release), actor=admin, now=at(TODAY))

    assert (lab.product_id, lab.release_id, lab.attested_by_id) == (
        world.product.id,
        release.id,
        admin.id,
    )
    assert lab.attested_at == at(TODAY)
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "environment.registered")
    ).all()
    assert entry.partner_id == world.acme.id and entry.after["name"] == "Lab-2"
    assert world.acme.tier == "certified"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"attested": False}, "attested"),
        ({"release_id": None}, "release_id"),
        ({"release_id": 10**9}, "release_id"),
        ({"name": "   "}, "name"),
        ({"operating_system": ""}, "operating_system"),
        ({"product_build": ""}, "product_build"),
        ({"name": "x" * 121}, "name"),
        ({"notes": "x" * 2001}, "notes"),
    ],
)
def test_registering_refuses_bad_input_and_saves_nothing(world, overrides, field):
    db.session.commit()
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        register_environment(
            world.acme,
            lab_input(world.product.releases[0], **overrides),
            actor=world.user("acme_admin"),
        )
    assert field in refused.value.fields
    db.session.rollback()
    assert row_counts() == before


def test_an_unsupported_release_cannot_be_chosen(world):
    release = world.product.releases[0]
    release.supported = False
    with pytest.raises(DomainError) as refused:
        register_environment(world.acme, lab_input(release), actor=world.user("acme_admin"))
    assert "no longer supported" in refused.value.fields["release_id"]


def test_a_name_is_unique_among_the_partners_labs_in_use(world):
    admin = world.user("acme_admin")
    release = world.product.releases[0]
    first = register_environment(world.acme, lab_input(release), actor=admin)
    with pytest.raises(DomainError) as refused:
        register_environment(world.acme, lab_input(release, name="lab-2"), actor=admin)
    assert "already has" in refused.value.fields["name"]
    # Another partner may use the name, and a retired lab's name is free again.
    register_environment(world.globex, lab_input(release), actor=world.user("globex_admin"))
    retire_environment(first, actor=admin)
    register_environment(world.acme, lab_input(release), actor=admin)


def test_an_edit_attests_afresh_and_a_new_setup_needs_a_new_verification(world):
    lab = environment(world.acme, world.product, attested=days_ago(100), verified_at=days_ago(50))
    admin = world.user("acme_admin")
    release = lab.release

    update_environment(
        lab,
        lab_input(
            release,
            product_build=lab.product_build,
            name="Renamed",
            operating_system=lab.operating_system,
            database=lab.database,
        ),
        actor=admin,
        now=at(TODAY),
    )
    assert lab.attested_at == at(TODAY) and lab.verified_at is not None

    update_environment(lab, lab_input(release, product_build="4.1.1"), actor=admin, now=at(TODAY))
    assert lab.verified_at is None and lab.verified_by_id is None
    (entry,) = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "environment.updated")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).all()
    assert "no longer applies" in entry.summary


def test_reattesting_moves_the_attestation_and_makes_a_stale_lab_current(world):
    certification(world.user("acme_tech"), world.product)
    lab = environment(world.acme, world.product, attested=days_ago(200))
    admin = world.user("acme_admin")

    reattest_environment(lab, actor=admin, now=at(TODAY))

    assert lab.attested_at == at(TODAY) and lab.attested_by_id == admin.id
    assert counts_as_current(lab, TODAY)
    assert world.acme.tier == "certified"
    assert db.session.scalar(
        select(AuditEntry.action).where(AuditEntry.action == "environment.reattested")
    )


def test_verifying_records_who_and_when(world):
    lab = environment(world.acme, world.product, attested=days_ago(200))
    engineer = world.user("vendor_engineer")

    verify_environment(lab, actor=engineer, now=at(TODAY))

    assert (lab.verified_at, lab.verified_by_id) == (at(TODAY), engineer.id)
    assert counts_as_current(lab, TODAY)


@pytest.mark.parametrize("action", [reattest_environment, verify_environment])
def test_a_lab_on_an_unsupported_release_cannot_be_reattested_or_verified(world, action):
    lab = environment(world.acme, world.product)
    lab.release.supported = False
    with pytest.raises(DomainError) as refused:
        action(lab, actor=world.user("acme_admin"))
    assert refused.value.code == "release_not_supported" and refused.value.status == 409


@pytest.mark.parametrize(
    "action",
    [
        reattest_environment,
        verify_environment,
        retire_environment,
        lambda lab, actor: update_environment(lab, lab_input(lab.release), actor=actor),
    ],
)
def test_a_retired_lab_changes_no_more(world, action):
    lab = environment(world.acme, world.product, retired_at=at(TODAY))
    with pytest.raises(DomainError) as refused:
        action(lab, actor=world.user("acme_admin"))
    assert refused.value.code == "environment_retired" and refused.value.status == 409


def test_retiring_the_only_current_lab_takes_the_partner_out(world):
    certification(world.user("acme_tech"), world.product)
    lab = environment(world.acme, world.product)
    from certification.compliance import refresh_partner

    refresh_partner(world.acme, today=TODAY)
    assert world.acme.tier == "certified"

    retire_environment(lab, actor=world.user("acme_admin"), now=at(TODAY))

    assert lab.retired_at == at(TODAY)
    assert world.acme.tier == "registered"
    assert db.session.scalar(
        select(ReproductionEnvironment.retired_at).where(ReproductionEnvironment.id == lab.id)
    )
