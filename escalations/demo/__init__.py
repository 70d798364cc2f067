"""Demo: escalations in every state, over the last six months, for both demo partners.

Called by `seed-demo` after the certification demo (it needs the certified technicians
and the reproduction labs). Every escalation goes through the services (drafts,
submission past the gate, workflow transitions, comments, files) with the moment it
happened passed in, so that its timeline, SLA clocks (from the agreement in force, through
`escalations.clock`), audit entries and deflection log agree with each other:

- acme (24x7, Europe/Berlin): two closed, one resolved (reopenable), an S1 accepted a few
  hours ago with a log, a screenshot, a comment for the partner and a vendor-internal
  note, one waiting on the partner, one just submitted, one withdrawn, and rejections as
  `documented_in_kb` (naming the KB article its submitter had been shown), `customization`
  and `out_of_scope`; `newbie@acme.example`'s draft waits for a certified colleague;
- globex (business hours, America/New_York): the same states, with rejections as
  `not_reproducible_on_vanilla`, `configuration_or_user_error` and `duplicate`, and
  `newbie@globex.example`'s draft.

Each escalation uses the lab its partner had on that day: acme's before the last 20 days
the "Acme Old Lab" (4.1.0, current until then), after it the "Acme Server Lab" (4.2.0);
globex's "Globex Lab" (4.1.0, last attested 60 days ago).

Before them, `escalations.demo.history` adds a year of finished escalations for both
partners (the dashboard's trends and flags); stories and history are replayed together in
the order they were submitted.

The mail the services queue is dropped: it would tell people today of what happened
weeks ago.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from certification.models import ReproductionEnvironment
from escalations import services
from escalations.demo import history
from escalations.demo.files import demo_file
from escalations.demo.stories import DEMO_ESCALATIONS, ENGINEER, DemoEscalation, Step
from escalations.gate import EscalationInput
from escalations.models import Attachment, Comment, DeflectionEntry, Escalation
from portal import demo_dates
from portal.extensions import db
from portal.models import AuditEntry, Customer, OutboxMessage
from portal.models.base import utcnow

#: The rows whose `created_at` is the moment of the demo step that writes them.
DATED = (Escalation, Comment, Attachment, DeflectionEntry, AuditEntry)


def dated(moment: datetime):
    """Rows first written inside the block are created at `moment` (not the seeding's now)."""
    return demo_dates.dated(moment, *DATED)


def _lab(name: str) -> ReproductionEnvironment:
    return db.session.scalar(
        select(ReproductionEnvironment).where(ReproductionEnvironment.name == name)
    )


def _customer(partner, name: str) -> Customer:
    return db.session.scalar(
        select(Customer).where(Customer.partner_id == partner.id, Customer.name == name)
    )


def _input(world, demo: DemoEscalation) -> EscalationInput:
    partner = world["partners"][demo.partner]
    articles = world["kb_articles"]

    def slugs(titles):
        return [articles[t].slug for t in titles]

    return EscalationInput(
        title=demo.title,
        severity=demo.severity,
        product=demo.product,
        release=demo.release,
        customer_id=_customer(partner, demo.customer).id,
        environment_id=_lab(demo.lab).id,
        business_impact=demo.business_impact,
        steps=demo.steps,
        expected=demo.expected,
        actual=demo.actual,
        reproduced_on_vanilla=demo.drafted_by is None,
        customization_involved=False,
        kb_articles_suggested=slugs(demo.shown),
        kb_articles_opened=slugs(demo.opened),
        kb_articles_reviewed=slugs(demo.reviewed),
    )


def _take(world, escalation: Escalation, step: Step, at: datetime) -> None:
    users = world["users"]
    actor = users[step.who]
    if step.what == "comment" or step.what == "note":
        services.add_comment(escalation, actor, step.text, internal=step.what == "note", now=at)
    elif step.what == "attach":
        services.add_attachment(escalation, actor, step.text, demo_file(step.text, at), now=at)
    elif step.what == "assign":
        escalation.updated_at = at  # else the change would be stamped with today
        services.assign(escalation, actor, users[ENGINEER])
    else:
        article = world["kb_articles"][step.article] if step.article else None
        services.transition(
            escalation,
            actor,
            step.what,
            reason=step.reason,
            note=step.text,
            article_slug=article.slug if article else None,
            now=at,
        )


def submitted_at(demo: DemoEscalation, now: datetime) -> datetime:
    """`demo.ago` before `now`; one a day or more old at a working hour of that day (13:00
    to 18:59 UTC: afternoon in Berlin, morning in New York), so they do not all share
    the seeding's time of day."""
    start = (now - demo.ago).replace(second=0, microsecond=0)
    if demo.ago < timedelta(days=1):
        return start
    return start.replace(hour=13 + len(demo.title) % 6, minute=len(demo.steps) % 60)


def seed_escalation(world, demo: DemoEscalation, now: datetime) -> Escalation:
    start = submitted_at(demo, now)
    data = _input(world, demo)
    with dated(start):
        if demo.drafted_by is not None:
            escalation = services.save_draft(world["users"][demo.drafted_by], data, now=start)
        else:
            submitter = world["users"][f"tech@{demo.partner}.example"]
            escalation = services.submit_escalation(submitter, data, now=start)
    for step in demo.history:
        at = start + step.after
        with dated(at):
            _take(world, escalation, step, at)
    return escalation


def seed(world: dict) -> None:
    now = utcnow()
    queued_before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
    demos = (*DEMO_ESCALATIONS, *history.escalations(now.date()))
    world["escalations"] = {
        demo.key: seed_escalation(world, demo, now)
        for demo in sorted(demos, key=lambda d: submitted_at(d, now))
    }
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id > queued_before))
