"""Fee report services on both databases: the workflow, frozen figures, the suggestion to
readjust, refusals that change nothing, and who may do what in which state."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.errors import DomainError
from portal.extensions import db
from portal.management import fee_reports
from portal.management.fee_reports import (
    approve_report,
    declare_fees,
    edit_fees,
    fee_view,
    send_back_report,
    submit_report,
)
from portal.models import AuditEntry, EscalationRollup
from portal.models.base import utcnow
from portal.models.fees import FeeReport
from portal.partners.discounts import set_tier_discounts
from tests.factories import make_agreement
from tests.management.rollup_support import placed
from tests.support import row_counts

TODAY = date(2026, 11, 15)  # in Q4 2026: Q3 2026 is finished, Q4 is current
Q3 = date(2026, 7, 1)


def escalations_in(world, partner, month: date, submitted: int) -> None:
    """The roll-up of `submitted` escalations of `partner` in `month`."""
    db.session.add(
        EscalationRollup(
            partner_id=partner.id, product_id=world.product.id, month=month, submitted=submitted
        )
    )
    db.session.flush()


def declared(world, amount="12345.67", period=Q3, partner="acme"):
    report = declare_fees(
        getattr(world, partner),
        period,
        amount,
        actor=world.user(f"{partner}_admin"),
        today=TODAY,
    )
    db.session.commit()
    return report


def test_a_declared_draft_previews_the_vendor_share_under_the_terms_in_force(world):
    escalations_in(world, world.acme, date(2026, 7, 1), 3)
    escalations_in(world, world.acme, date(2026, 9, 1), 4)
    escalations_in(world, world.acme, date(2026, 10, 1), 50)  # Q4: not this report's
    escalations_in(world, world.globex, date(2026, 8, 1), 9)  # another partner's
    report = declared(world)
    view = fee_view(report)
    assert report.status == "draft" and view.live
    assert (report.period_start, report.period_end) == (Q3, date(2026, 9, 30))
    # 20 % of 12,345.67 = 2,469.134 -> 2,469.13; registered: no discount; / 7 = 352.7328
    assert view.figures.vendor_share == D("2469.13")
    assert view.figures.amount_due == D("2469.13")
    assert view.figures.escalations == 7
    assert view.figures.cost_per_escalation == D("352.73")
    assert view.terms.currency == "EUR"


def test_the_volume_counts_the_escalations_submitted_in_the_period(world, esc):
    for day in (date(2026, 7, 3), date(2026, 9, 30), date(2026, 10, 1), date(2026, 6, 30)):
        placed(esc, datetime(day.year, day.month, day.day, 12, tzinfo=utcnow().tzinfo))
    placed(esc, datetime(2026, 8, 1, 12, tzinfo=utcnow().tzinfo), partner="globex")
    db.session.commit()
    assert fee_view(declared(world)).figures.escalations == 2


@pytest.mark.parametrize(
    ("tier", "discount", "due"),
    [
        ("registered", "0.00", "4500.00"),
        ("certified", "225.00", "4275.00"),
        ("premier", "562.50", "3937.50"),
    ],
)
def test_the_fixed_fee_less_the_tier_discount_is_due(world, tier, discount, due):
    set_tier_discounts(
        {"registered": "0", "certified": "5", "premier": "12.5"},
        actor=world.user("vendor_admin"),
    )
    make_agreement(
        world.globex,
        world.user("vendor_admin"),
        world.user("globex_admin"),
        fee_model="fixed",
        fixed_fee=D("4500"),
        currency="USD",
    )
    world.globex.tier = tier
    escalations_in(world, world.globex, date(2026, 8, 1), 3)
    report = declared(world, "98765.43", partner="globex")
    submit_report(report, actor=world.user("globex_admin"))
    db.session.commit()
    assert (report.fee_model, report.fixed_fee, report.currency) == ("fixed", D("4500"), "USD")
    assert (report.tier, report.vendor_share) == (tier, D("4500.00"))
    assert (report.discount_amount, report.amount_due) == (D(discount), D(due))
    assert report.cost_per_escalation == (D(due) / 3).quantize(D("0.01"))


def test_submitting_freezes_the_terms_and_figures(world):
    escalations_in(world, world.acme, date(2026, 8, 1), 4)
    report = declared(world, "1000.00")
    submit_report(report, actor=world.user("acme_admin"))
    db.session.commit()
    assert (report.status, report.vendor_share, report.escalations) == ("submitted", D("200.00"), 4)
    # Later changes of the tier's discount, the terms and the volume leave it as submitted.
    set_tier_discounts({"registered": "50"}, actor=world.user("vendor_admin"))
    make_agreement(
        world.acme, world.user("vendor_admin"), world.user("acme_admin"), fee_percentage=D("30")
    )
    escalations_in(world, world.acme, date(2026, 9, 1), 6)
    db.session.commit()
    view = fee_view(db.session.get(FeeReport, report.id))
    assert not view.live
    assert (view.terms.fee_percentage, view.terms.discount_percent) == (D("20.00"), D("0.00"))
    assert (view.figures.amount_due, view.figures.escalations) == (D("200.00"), 4)
    assert view.figures.cost_per_escalation == D("50.00")


def test_the_whole_workflow_is_audited_with_the_partner(world):
    report = declared(world, "100")
    edit_fees(report, "150.00", actor=world.user("acme_admin"))
    submit_report(report, actor=world.user("acme_admin"))
    send_back_report(
        report, "  Include the October invoices. ", actor=world.user("support_manager")
    )
    db.session.commit()
    assert (report.status, report.decision_note) == ("sent_back", "Include the October invoices.")
    edit_fees(report, "175.00", actor=world.user("acme_admin"))
    submit_report(report, actor=world.user("acme_admin"))
    approve_report(report, actor=world.user("support_manager"))
    db.session.commit()
    assert (report.status, report.amount_due, report.decided_by_id) == (
        "approved",
        D("35.00"),
        world.user("support_manager").id,
    )
    entries = fee_reports.report_history(report)
    assert [e.action for e in entries] == [
        "fee_report.declared",
        "fee_report.updated",
        "fee_report.submitted",
        "fee_report.sent_back",
        "fee_report.updated",
        "fee_report.resubmitted",
        "fee_report.approved",
    ]
    assert {e.partner_id for e in entries} == {world.acme.id}
    assert entries[3].after == {"status": "sent_back", "note": "Include the October invoices."}
    assert entries[1].before == {"declared_fees": "100.00"}
    assert entries[5].after["amount_due"] == "35.00"


def test_sending_back_needs_a_note(world):
    report = declared(world)
    submit_report(report, actor=world.user("acme_admin"))
    db.session.commit()
    for note in ("", "   ", None):
        with pytest.raises(DomainError) as refused:
            send_back_report(report, note, actor=world.user("support_manager"))
        assert refused.value.code == "note_required"
    db.session.rollback()
    assert db.session.get(FeeReport, report.id).status == "submitted"


def test_one_report_per_partner_and_period(world):
    declared(world)
    with pytest.raises(DomainError) as refused:
        declared(world, "5")
    assert (refused.value.code, refused.value.status) == ("report_exists", 409)
    db.session.rollback()
    declared(world, "5", partner="globex")  # the other partner's Q3 is its own
    # The database holds the rule under concurrency too.
    first = db.session.scalar(select(FeeReport).where(FeeReport.partner_id == world.acme.id))
    twin = FeeReport(
        **{
            c.key: getattr(first, c.key)
            for c in FeeReport.__table__.columns
            if c.key not in ("id", "created_at")
        }
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "amount",
    ["-1", "abc", "10.005", "1e3", "NaN", "99999999999", "", "1\x00", "1" * 5000],
)
def test_bad_amounts_are_refused_and_nothing_is_written(world, amount):
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        declared(world, amount)
    db.session.rollback()
    assert refused.value.code == "validation_error"
    assert "declared_fees" in refused.value.fields
    assert row_counts() == before


def test_a_bad_correction_leaves_the_report_as_it_was(world):
    report = declared(world, "100")
    before = row_counts()
    with pytest.raises(DomainError):
        edit_fees(report, "100.001", actor=world.user("acme_admin"))
    db.session.rollback()
    assert row_counts() == before
    assert db.session.get(FeeReport, report.id).declared_fees == D("100.00")


@pytest.mark.parametrize(
    "period",
    [
        date(2026, 8, 1),  # not the start of a quarter
        date(2027, 1, 1),  # has not started
        date(2024, 7, 1),  # more than eight quarters back
        "2026-13-01",
        "yesterday",
        None,
    ],
)
def test_only_started_periods_of_the_agreement_may_be_declared(world, period):
    with pytest.raises(DomainError) as refused:
        declared(world, period=period)
    db.session.rollback()
    assert "period" in refused.value.fields
    assert db.session.scalar(select(FeeReport.id)) is None


def test_the_periods_offered_follow_the_fee_period_and_skip_declared_ones(world):
    declared(world)
    periods = fee_reports.open_periods(world.acme, TODAY)
    assert [p.label for p in periods[:3]] == ["Q4 2026", "Q2 2026", "Q1 2026"]
    make_agreement(
        world.acme, world.user("vendor_admin"), world.user("acme_admin"), fee_period="month"
    )
    db.session.commit()
    assert fee_reports.open_periods(world.acme, TODAY)[0].label == "November 2026"


def _submitted_report(world, period: date, volume: int) -> None:
    escalations_in(world, world.acme, period, volume)
    report = declared(world, "100", period=period)
    submit_report(report, actor=world.user("acme_admin"))
    db.session.commit()


def test_the_suggestion_to_readjust_compares_with_the_previous_reports(world):
    _submitted_report(world, date(2026, 1, 1), 10)
    _submitted_report(world, date(2026, 4, 1), 10)
    escalations_in(world, world.acme, Q3, 15)
    report = declared(world)
    assert fee_view(report).readjustment is None  # 15 is 1.5 × 10, not above
    escalations_in(world, world.acme, date(2026, 8, 1), 1)
    suggestion = fee_view(report).readjustment
    assert (suggestion.volume, suggestion.previous, suggestion.average) == (16, (10, 10), 10)
    # An earlier report's own view compares only with the reports before it.
    earlier = db.session.scalar(select(FeeReport).where(FeeReport.period_start == date(2026, 4, 1)))
    assert fee_view(earlier).readjustment is None


def test_drafts_and_other_partners_do_not_count_as_previous_reports(world):
    _submitted_report(world, date(2026, 1, 1), 10)
    declared(world, period=date(2026, 4, 1))  # a draft: not yet a volume anyone vouched for
    for period in (date(2026, 1, 1), date(2026, 4, 1)):
        escalations_in(world, world.globex, period, 1)
        report = declared(world, "1", period=period, partner="globex")
        submit_report(report, actor=world.user("globex_admin"))
    escalations_in(world, world.acme, Q3, 100)
    assert fee_view(declared(world)).readjustment is None


# --- Who may do what, in which state --------------------------------------------------------

ACTORS = (
    "vendor_admin",
    "support_manager",
    "vendor_engineer",
    "acme_admin",
    "acme_tech",
    "globex_admin",
)
# action x report state -> the outcome for each actor above ("ok" or the refusal's code).
# "move" = invalid_transition (409); "no" = forbidden (403).
TRUTH_TABLE = """
# action     state       v_adm s_mgr v_eng a_adm a_tec g_adm
  edit       draft       no    no    no    ok    no    no
  edit       submitted   no    no    no    move  no    no
  edit       sent_back   no    no    no    ok    no    no
  edit       approved    no    no    no    move  no    no
  submit     draft       no    no    no    ok    no    no
  submit     submitted   no    no    no    move  no    no
  submit     sent_back   no    no    no    ok    no    no
  submit     approved    no    no    no    move  no    no
  approve    draft       move  move  no    no    no    no
  approve    submitted   ok    ok    no    no    no    no
  approve    sent_back   move  move  no    no    no    no
  approve    approved    move  move  no    no    no    no
  send_back  draft       move  move  no    no    no    no
  send_back  submitted   ok    ok    no    no    no    no
  send_back  sent_back   move  move  no    no    no    no
  send_back  approved    move  move  no    no    no    no
"""
CODES = {"ok": None, "move": "invalid_transition", "no": "forbidden"}
CASES = [
    (action, state, actor, CODES[cell])
    for action, state, *cells in (
        line.split()
        for line in TRUTH_TABLE.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    for actor, cell in zip(ACTORS, cells, strict=True)
]


def _report_in(world, state: str) -> FeeReport:
    report = declared(world)
    if state != "draft":
        submit_report(report, actor=world.user("acme_admin"))
    if state == "approved":
        approve_report(report, actor=world.user("support_manager"))
    if state == "sent_back":
        send_back_report(report, "Check it.", actor=world.user("support_manager"))
    db.session.commit()
    return report


def _do(action: str, report: FeeReport, actor) -> None:
    if action == "edit":
        edit_fees(report, "999.99", actor=actor)
    elif action == "submit":
        submit_report(report, actor=actor)
    elif action == "approve":
        approve_report(report, actor=actor)
    else:
        send_back_report(report, "Please correct.", actor=actor)


@pytest.mark.parametrize(
    ("action", "state", "actor", "refusal"),
    CASES,
    ids=[f"{a}-{s}-{u}" for a, s, u, _ in CASES],
)
def test_who_may_move_a_report_in_which_state(world, action, state, actor, refusal):
    report = _report_in(world, state)
    before = row_counts()
    if refusal is None:
        _do(action, report, world.user(actor))
        db.session.commit()
        assert row_counts()["audit_entries"] == before["audit_entries"] + 1
        return
    with pytest.raises(DomainError) as refused:
        _do(action, report, world.user(actor))
    assert refused.value.code == refusal
    db.session.rollback()
    assert row_counts() == before
    assert db.session.get(FeeReport, report.id).status == state


def test_only_the_partners_own_admin_declares(world):
    for actor in ("globex_admin", "acme_tech", "support_manager"):
        with pytest.raises(DomainError) as refused:
            declare_fees(world.acme, Q3, "1", actor=world.user(actor), today=TODAY)
        assert refused.value.code == "forbidden"
    db.session.rollback()
    assert db.session.scalar(select(FeeReport.id)) is None


def test_a_decision_taken_meanwhile_is_not_overwritten(world):
    """The state is checked in the UPDATE itself: a report another request approved after
    this one loaded it cannot be sent back."""
    report = _report_in(world, "submitted")
    assert report.status == "submitted"  # loaded by this session
    with db.engine.begin() as other:  # another transaction approves and commits
        other.execute(update(FeeReport).where(FeeReport.id == report.id).values(status="approved"))
    with pytest.raises(DomainError) as refused:
        send_back_report(report, "Too late.", actor=world.user("support_manager"))
    assert refused.value.code == "invalid_transition"
    db.session.rollback()
    assert db.session.get(FeeReport, report.id).status == "approved"
    assert not db.session.scalar(select(AuditEntry.id).where(AuditEntry.action.like("%sent_back")))


def test_submitted_and_decided_at_are_the_moments_given(world):
    report = declared(world)
    moment = datetime(2026, 10, 5, 9, 30, tzinfo=utcnow().tzinfo)
    submit_report(report, actor=world.user("acme_admin"), now=moment)
    approve_report(report, actor=world.user("support_manager"), now=moment + timedelta(days=2))
    db.session.commit()
    assert report.submitted_at == moment
    assert report.decided_at == moment + timedelta(days=2)
