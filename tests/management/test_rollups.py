"""The roll-ups stay equal to a recomputation from the escalations, whatever happens."""

from contextlib import suppress
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from escalations import services
from escalations.models import REJECTION_REASONS, Escalation
from portal.cli import rollups_command
from portal.errors import DomainError
from portal.extensions import db
from portal.management import rollups
from portal.models.base import utcnow
from portal.models.rollups import EscalationRollup, EscalationRollupCount
from tests.escalations.support import service_input
from tests.management.rollup_support import placed

VENDOR_ACTIONS = ("accept", "request_info", "reject", "resolve")
PARTNER_ACTIONS = ("respond", "reopen", "close", "withdraw")

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("submit"),
            st.sampled_from(["acme", "globex"]),
            st.integers(min_value=0, max_value=8),  # days ago (spans two months)
        ),
        st.tuples(
            st.just("act"),
            st.integers(min_value=0, max_value=5),  # which escalation
            st.sampled_from(VENDOR_ACTIONS + PARTNER_ACTIONS),
            st.sampled_from(REJECTION_REASONS),
            st.integers(min_value=0, max_value=400),  # minutes later
        ),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=5)),
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_after_any_operations_the_rollups_equal_a_recomputation(app, esc, steps):
    savepoint = db.session.begin_nested()
    try:
        escalations, clock = [], {}
        now = utcnow()
        for step in steps:
            if step[0] == "submit":
                _, partner, days_ago = step
                moment = now - timedelta(days=days_ago)
                escalation = services.submit_escalation(
                    esc.user(f"{partner}_tech"), service_input(esc, partner), now=moment
                )
                escalations.append((escalation, partner))
                clock[escalation.id] = moment
            elif step[0] == "act" and escalations:
                _, index, action, reason, minutes = step
                escalation, partner = escalations[index % len(escalations)]
                if escalation not in db.session:
                    continue
                clock[escalation.id] += timedelta(minutes=minutes)
                actor = esc.user(
                    "vendor_engineer" if action in VENDOR_ACTIONS else f"{partner}_tech"
                )
                with suppress(DomainError):  # a refusal changes nothing, roll-ups included
                    services.transition(
                        escalation,
                        actor,
                        action,
                        reason=reason if action == "reject" else None,
                        note="done" if action == "resolve" else None,
                        article_slug=None,
                        now=clock[escalation.id],
                    )
            elif step[0] == "delete" and escalations:
                escalation, _ = escalations[step[1] % len(escalations)]
                if escalation in db.session:
                    db.session.delete(escalation)
            db.session.flush()
        assert rollups.check() == []
    finally:
        savepoint.rollback()


def test_a_rejection_weeks_later_counts_in_the_submission_month(esc):
    submitted = utcnow() - timedelta(days=70)
    escalation = placed(esc, submitted, triage_hours=3)
    db.session.commit()
    escalation.status = "rejected"
    escalation.rejection_reason = "customization"
    db.session.commit()
    rows = db.session.scalars(select(EscalationRollup)).all()
    assert [(r.month, r.submitted, r.rejected, r.triaged, r.triage_seconds) for r in rows] == [
        (submitted.date().replace(day=1), 1, 1, 1, 3 * 3600)
    ]
    reasons = db.session.scalars(
        select(EscalationRollupCount).where(EscalationRollupCount.kind == "reason")
    ).all()
    assert [(r.key, r.count) for r in reasons] == [("customization", 1)]
    assert rollups.check() == []


def test_a_rolled_back_change_takes_its_rollup_change_with_it(esc):
    escalation = placed(esc, utcnow() - timedelta(days=3))
    db.session.commit()
    escalation.status = "rejected"
    escalation.rejection_reason = "duplicate"
    db.session.flush()
    assert db.session.scalar(select(EscalationRollup.rejected)) == 1
    db.session.rollback()
    assert db.session.scalar(select(EscalationRollup.rejected)) == 0
    assert rollups.check() == []


def test_check_names_a_difference_and_rebuild_repairs_it(app, esc):
    placed(esc, utcnow() - timedelta(days=40), "rejected", reason="duplicate", triage_hours=1)
    placed(
        esc, utcnow() - timedelta(days=2), "resolved", "globex", triage_hours=2, resolve_hours=30
    )
    db.session.commit()
    # A change made behind the ORM's back (a bulk UPDATE) is what the check is for.
    db.session.execute(
        update(Escalation)
        .values(rejection_reason="out_of_scope")
        .where(Escalation.status == "rejected")
    )
    db.session.commit()
    differences = rollups.check()
    assert {d.field for d in differences} == {"reason:duplicate", "reason:out_of_scope"}

    runner = app.test_cli_runner()
    result = runner.invoke(rollups_command, ["check"])
    assert result.exit_code == 1
    assert "reason:duplicate is 1, the escalations say 0" in result.output

    result = runner.invoke(rollups_command, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert "2 figure(s) were different" in result.output
    db.session.expire_all()
    assert rollups.check() == []
    result = runner.invoke(rollups_command, ["check"])
    assert result.exit_code == 0
    assert "agree" in result.output


def test_drafts_count_nowhere(esc):
    services.save_draft(esc.user("acme_tech"), service_input(esc))
    db.session.commit()
    assert db.session.scalars(select(EscalationRollup)).all() == []
