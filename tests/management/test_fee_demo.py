"""The demo's fee reports: a year of quarters for both partners under both fee models,
approved ones, one sent back and one awaiting a decision, dated as they happened."""

from datetime import UTC, datetime
from decimal import Decimal as D

from sqlalchemy import select

from portal.extensions import db
from portal.management.demo_fees import seed_fee_reports
from portal.management.fee_reports import awaiting_decision, report_history
from portal.management.fees import period_containing
from portal.models.fees import FeeReport
from portal.partners.discounts import tier_discounts
from tests.factories import make_agreement

NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)


def test_the_demo_declares_a_year_of_quarters_under_both_models(world):
    # The demo's terms: acme 18 % of its fees, globex a fixed 4,500.00 a quarter.
    admin = world.user("vendor_admin")
    make_agreement(world.acme, admin, world.user("acme_admin"), fee_percentage=D("18"))
    make_agreement(
        world.globex,
        admin,
        world.user("globex_admin"),
        fee_model="fixed",
        fixed_fee=D("4500"),
        currency="USD",
    )
    world.acme.tier = "certified"
    seed_fee_reports(NOW)
    db.session.commit()

    reports = db.session.scalars(select(FeeReport).order_by(FeeReport.period_start)).all()
    quarters = sorted({r.period_start for r in reports})
    assert (
        len(quarters) == 4
        and quarters[-1] == period_containing(NOW.date(), "quarter").previous().start
    )
    by_partner = {
        slug: [r for r in reports if r.partner.slug == slug] for slug in ("acme", "globex")
    }
    assert [r.status for r in by_partner["acme"]] == ["approved"] * 3 + ["submitted"]
    assert [r.status for r in by_partner["globex"]] == ["approved"] * 3 + ["sent_back"]
    assert awaiting_decision() == [by_partner["acme"][-1]]
    # acme: 18 % of 52,400.00 = 9,432.00, less the certified tier's 5 % (471.60).
    first = by_partner["acme"][0]
    assert (first.fee_model, first.vendor_share, first.discount_amount, first.amount_due) == (
        "percentage",
        D("9432.00"),
        D("471.60"),
        D("8960.40"),
    )
    assert tier_discounts()["certified"] == D("5.00")
    globex = by_partner["globex"][0]
    assert (globex.fee_model, globex.currency, globex.amount_due) == ("fixed", "USD", D("4500.00"))
    assert "Umbrella Health" in by_partner["globex"][-1].decision_note
    # Dated as it happened: submitted ten days after the quarter, decided days later.
    for report in reports:
        history = report_history(report)
        assert history[0].created_at.date() > report.period_end
        assert history[0].created_at <= report.submitted_at
        assert all(e.created_at < NOW for e in history)
        assert report.created_at < NOW
