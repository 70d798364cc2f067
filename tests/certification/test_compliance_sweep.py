"""What time changes: the worker's sweep finds partners that expiry, lapse or a stale lab
took out of compliance, announces each once, and reads a fixed number of queries per
batch of partners; the counters answer any number of pairs in one query each."""

from datetime import timedelta

from sqlalchemy import select

from certification.compliance import refresh_partner
from certification.compliance_events import sweep_compliance
from certification.counts import certified_counts, current_environments
from certification.currency import as_of
from certification.models import ComplianceState
from portal.extensions import db
from portal.models import OutboxMessage
from portal.periodic import run_checks
from tests.certification.compliance_support import TODAY, at, certification, days_ago, environment
from tests.factories import make_agreement, make_partner, make_product, make_user


def lost_mail() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains("out of compliance"))
    ).all()


def compliant_partner(world, n: int, *, expires_in=200, attested_days_ago=10):
    partner = make_partner(f"sweep-{n}")
    product = make_product(f"sweep-product-{n}", releases=(f"{n}.0.0",))
    make_agreement(
        partner,
        world.user("vendor_admin"),
        make_user("partner_admin", partner),
        minimums={product.id: 1},
    )
    certification(
        make_user("technician", partner),
        product,
        issued_on=TODAY - timedelta(days=100),
        expires_on=TODAY + timedelta(days=expires_in),
    )
    environment(partner, product, attested=days_ago(attested_days_ago))
    refresh_partner(partner, today=TODAY)
    assert partner.tier == "certified"
    return partner


def test_the_sweep_takes_out_only_the_partners_time_moved(world):
    expiring = compliant_partner(world, 1, expires_in=5)
    going_stale = compliant_partner(world, 2, attested_days_ago=178)
    steady = compliant_partner(world, 3)
    db.session.commit()

    assert sweep_compliance(at(TODAY)) == 0
    later = TODAY + timedelta(days=5)
    assert sweep_compliance(at(later)) == 2
    assert sweep_compliance(at(later)) == 0

    assert (expiring.tier, going_stale.tier, steady.tier) == (
        "registered",
        "registered",
        "certified",
    )
    assert len(lost_mail()) == 2  # each partner's admin, once


def test_the_worker_runs_the_sweep(app, world):
    compliant_partner(world, 1, expires_in=1)
    db.session.commit()
    done = run_checks(at(TODAY + timedelta(days=1)))
    assert done["certification.sweep_compliance"] == 1


def test_a_partner_bound_by_an_agreement_without_a_verdict_gets_one(world):
    db.session.execute(ComplianceState.__table__.delete())
    db.session.commit()
    sweep_compliance(at(TODAY))
    states = db.session.execute(select(ComplianceState.partner_id, ComplianceState.compliant)).all()
    assert sorted(states) == [(world.acme.id, False), (world.globex.id, False)]
    assert lost_mail() == []  # a first verdict is recorded quietly


def test_the_sweep_reads_the_same_queries_for_2_or_12_steady_partners(world, count_queries):
    for n in range(2):
        compliant_partner(world, n)
    db.session.commit()

    def queries() -> int:
        db.session.expire_all()
        with count_queries() as counter:
            assert sweep_compliance(at(TODAY)) == 0
        return counter.count

    two = queries()
    for n in range(2, 12):
        compliant_partner(world, n)
    db.session.commit()
    assert queries() == two


def test_the_counters_run_one_query_each_for_2_or_20_partners(world, count_queries):
    def pairs_of(n: int) -> list[tuple[int, int]]:
        pairs = []
        for i in range(n):
            partner = make_partner()
            product = make_product(releases=(f"{i}.9.0",))
            certification(make_user("technician", partner), product)
            environment(partner, product)
            pairs.append((partner.id, product.id))
        db.session.commit()
        return pairs

    for n in (2, 20):
        pairs = pairs_of(n)
        with count_queries() as counter, as_of(TODAY):
            counts = certified_counts(pairs)
            current = current_environments(pairs)
        assert counter.count == 2
        assert counts == dict.fromkeys(pairs, 1) and current == set(pairs)
