"""The demo world's escalations: every state and rejection reason over several months, a
newcomer's draft, an S1 under Acme's 24x7 agreement with its evidence, each one passing the
gate on the day it was submitted, and each partner seeing only its own."""

from datetime import timedelta

from sqlalchemy import select

from certification.currency import environment_state
from escalations import clock
from escalations.gate import EscalationInput, check_submission, is_certified
from escalations.models import (
    REJECTION_REASONS,
    STATUSES,
    Attachment,
    DeflectionEntry,
    Escalation,
    EscalationEvent,
)
from escalations.storage import storage
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage, User
from portal.models.base import utcnow
from tests.factories import Browser, bearer


def _escalations() -> list[Escalation]:
    return db.session.scalars(select(Escalation).order_by(Escalation.id)).all()


def _timeline(escalation: Escalation) -> list[EscalationEvent]:
    return db.session.scalars(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(EscalationEvent.at, EscalationEvent.id)
    ).all()


def _as_submitted(escalation: Escalation) -> EscalationInput:
    """What its submitter filled in, read back from the record."""
    return EscalationInput(
        title=escalation.title,
        severity=escalation.severity,
        product=escalation.product.slug,
        release=escalation.release.version,
        customer_id=escalation.customer_id,
        environment_id=escalation.environment_id,
        business_impact=escalation.business_impact,
        steps=escalation.steps_to_reproduce,
        expected=escalation.expected_result,
        actual=escalation.actual_result,
        reproduced_on_vanilla=escalation.attested_vanilla,
        customization_involved=not escalation.attested_no_customization,
    )


def test_demo_has_every_state_reason_a_newcomers_draft_and_an_s1_with_evidence(app):
    seed_demo()
    escalations = _escalations()
    for slug in ("acme", "globex"):
        assert {e.status for e in escalations if e.partner.slug == slug} == set(STATUSES), slug
    rejected = [e for e in escalations if e.status == "rejected"]
    assert {e.rejection_reason for e in rejected} == set(REJECTION_REASONS)
    submitted = [e.submitted_at for e in escalations if e.submitted_at]
    assert max(submitted) - min(submitted) > timedelta(days=150)  # several months

    # documented_in_kb names a KB article the partner can read, and its submitter had been
    # shown it (but did not open it): what the deflection log is there to tell.
    documented = next(e for e in rejected if e.rejection_reason == "documented_in_kb")
    article = documented.rejection_article
    assert article is not None and article.visibility != "internal"
    entry = db.session.scalar(
        select(DeflectionEntry).where(
            DeflectionEntry.escalation_id == documented.id,
            DeflectionEntry.article_id == article.id,
        )
    )
    assert entry is not None and entry.suggested and not entry.opened
    assert db.session.scalar(
        select(db.func.count()).select_from(DeflectionEntry).where(DeflectionEntry.opened)
    )

    # Each partner's newcomer has a draft its certified technician can review and submit.
    for slug in ("acme", "globex"):
        draft = next(e for e in escalations if e.partner.slug == slug and e.is_draft)
        newbie, colleague = (User.by_email(f"{who}@{slug}.example") for who in ("newbie", "tech"))
        assert draft.drafted_by_id == newbie.id and draft.submitter_id is None
        today = utcnow().date()
        assert not is_certified(newbie, draft.product_id, today)
        assert is_certified(colleague, draft.product_id, today)

    # An S1 under Acme's 24x7 agreement, accepted and assigned, with a log and a screenshot,
    # a comment for the partner and a vendor-internal note.
    s1 = next(e for e in escalations if e.severity == "S1")
    assert s1.partner.slug == "acme" and s1.partner.agreement_in_force.coverage == "24x7"
    assert s1.business_impact and s1.status == "accepted"
    assert s1.assignee.email == "engineer@vendor.example"
    files = {a.content_type: a for a in _attachments(s1)}
    assert set(files) == {"text/plain", "image/png"}
    assert storage().get(files["image/png"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert b"502" in storage().get(files["text/plain"])
    vendor_comments = [
        e for e in _timeline(s1) if e.kind == "comment" and e.actor.email.endswith("vendor.example")
    ]
    assert {e.internal for e in vendor_comments} == {True, False}

    # The demo's history is past: none of its mail waits in the outbox.
    subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    assert subjects and not [s for s in subjects if "Escalation #" in s or " S1 " in s]


def _attachments(escalation: Escalation) -> list[Attachment]:
    return db.session.scalars(
        select(Attachment).where(Attachment.escalation_id == escalation.id)
    ).all()


def test_each_demo_escalation_passed_the_gate_on_its_day_with_a_timeline_that_agrees(app):
    seed_demo()
    now = utcnow()
    for escalation in _escalations():
        events = _timeline(escalation)
        assert events[0].at == escalation.created_at <= now
        assert all(e.at <= now for e in events)
        audited = db.session.scalars(
            select(AuditEntry.created_at).where(
                AuditEntry.object_type == "Escalation", AuditEntry.object_id == escalation.id
            )
        ).all()
        assert min(audited) == escalation.created_at and max(audited) <= now
        # Each transition leaves from where the previous one arrived; the last is the state.
        moves = [e for e in events if e.kind in ("created", "transition")]
        for before, after in zip(moves, moves[1:], strict=False):
            assert after.from_status in (before.to_status, None), escalation
        assert moves[-1].to_status == escalation.status
        if escalation.is_draft:
            continue

        # The gate, run again as of the submission, lets it through, on the lab its
        # partner had registered by then and kept current.
        day = escalation.submitted_at
        passed = check_submission(escalation.submitter, _as_submitted(escalation), now=day)
        assert passed.environment.id == escalation.environment_id
        assert passed.environment.created_at <= day
        assert environment_state(passed.environment, day.date()) == "current"

        # The clocks come from the agreement in force; a pause moves them later.
        agreement = escalation.partner.agreement_in_force
        target = agreement.sla_for(escalation.severity)
        first = clock.due_after(agreement, day, target.first_response_minutes)
        resolution = clock.due_after(agreement, day, target.resolution_minutes)
        paused = any(e.action == "request_info" for e in events)
        if paused:
            assert escalation.resolution_due >= resolution
        else:
            assert (escalation.first_response_due, escalation.resolution_due) == (
                first,
                resolution,
            )
        ending = (("resolve",), ("close", "reject", "withdraw"))
        for actions, column in zip(ending, ("resolved_at", "closed_at"), strict=True):
            done = [e.at for e in events if e.action in actions]
            assert getattr(escalation, column) == (done[-1] if done else None)


def test_a_demo_technician_sees_only_their_own_partners_escalations(app):
    world = seed_demo()
    escalations = _escalations()
    by_partner = {
        slug: [e for e in escalations if e.partner.slug == slug] for slug in ("acme", "globex")
    }
    # One by one, the stories' escalations: the year of history behind them is of the
    # same kind (without files), and the lists below hold it too.
    stories = {e.id for key, e in world["escalations"].items() if "-history-" not in key}
    # (user, whose escalations) -> visible
    visible = {
        ("tech@acme.example", "acme"): True,
        ("tech@acme.example", "globex"): False,
        ("tech@globex.example", "globex"): True,
        ("tech@globex.example", "acme"): False,
        ("admin@globex.example", "acme"): False,
    }
    for (email, owner), allowed in visible.items():
        user = User.by_email(email)
        client, headers = app.test_client(), bearer(user)
        listed = client.get("/api/v1/escalations?per_page=200", headers=headers)
        own = {e.id for e in by_partner[user.partner.slug]}
        assert {item["id"] for item in listed.get_json()["items"]} == own, email
        assert Browser(client).login(email, DEMO_PASSWORD).status_code == 302
        expected = 200 if allowed else 404
        for escalation in (e for e in by_partner[owner] if e.id in stories):
            api = client.get(f"/api/v1/escalations/{escalation.id}", headers=headers)
            assert api.status_code == expected, (email, escalation.title)
            for attachment in _attachments(escalation):
                path = f"/escalations/{escalation.id}/attachments/{attachment.id}"
                assert client.get(path).status_code == expected, (email, path)
        # The pages: one with files for the owner's people; every one is a 404 otherwise.
        owned = [e for e in by_partner[owner] if e.id in stories]
        shown = owned if not allowed else [_with_files(owned)]
        for escalation in shown:
            assert client.get(f"/escalations/{escalation.id}").status_code == expected

    # Nor does a search find the other partner's: "backup" is in two of globex's titles.
    for email, hits in (("tech@acme.example", 0), ("tech@globex.example", 2)):
        found = app.test_client().get(
            "/api/v1/escalations?q=backup", headers=bearer(User.by_email(email))
        )
        assert len(found.get_json()["items"]) == hits, email


def _with_files(escalations: list[Escalation]) -> Escalation:
    return next(e for e in escalations if _attachments(e))
