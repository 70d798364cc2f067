"""Deliveries reach a real HTTP server on loopback, signed so the library verifies them;
retries after an outage arrive once; refused addresses, other partners and internal notes
get nothing; repeated failure disables the endpoint and tells the partner's admins."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from standardwebhooks import Webhook, WebhookVerificationError

from escalations import services
from portal.extensions import db
from portal.models.audit import AuditEntry
from portal.models.base import utcnow
from portal.models.outbox import OutboxMessage
from portal.webhooks.delivery import deliver_due
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.escalations.support import service_input
from tests.webhooks.support import endpoint_for


def deliveries(endpoint=None):
    db.session.expire_all()
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if endpoint is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint.id)
    return db.session.scalars(stmt).all()


def run_worker(now=None) -> int:
    done = deliver_due(now=now)
    db.session.commit()
    return done


def submit(esc, partner="acme"):
    escalation = services.submit_escalation(
        esc.user(f"{partner}_tech"), service_input(esc, partner)
    )
    db.session.commit()
    return escalation


def test_a_delivery_verifies_with_the_library_and_carries_the_partner_visible_fields(esc, receiver):
    endpoint, secret = endpoint_for(esc, "acme", receiver.url("/tickets/in"))
    escalation = submit(esc)

    assert run_worker() == 1

    [request] = receiver.received
    assert request.path == "/tickets/in"
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "escalation.created"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"]["escalation"] == {
        "id": escalation.id,
        "title": escalation.title,
        "status": "submitted",
        "severity": "S2",
        "product": esc.world.product.slug,
        "release": esc.release.version,
        "customer_id": esc.world.acme_customer.id,
        "updated_at": payload["data"]["escalation"]["updated_at"],
    }
    [delivery] = deliveries(endpoint)
    assert request.headers["webhook-id"] == delivery.message_id
    assert request.headers["Content-Type"] == "application/json"
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 204)


def test_an_altered_body_or_another_secret_fails_verification(esc, receiver):
    _, secret = endpoint_for(esc, "acme", receiver.url())
    submit(esc)
    run_worker()
    [request] = receiver.received

    altered = request.body.replace(b'"S2"', b'"S1"')
    assert altered != request.body
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(altered, request.headers)
    _, other_secret = endpoint_for(esc, "globex", receiver.url("/other"))
    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(request.body, request.headers)


def test_each_event_of_the_escalation_is_delivered_in_order(esc, receiver):
    _, secret = endpoint_for(esc, "acme", receiver.url())
    escalation = submit(esc)
    engineer = esc.user("vendor_engineer")
    services.transition(escalation, engineer, "accept")
    services.add_comment(escalation, engineer, "We can reproduce it.")
    services.add_attachment(escalation, esc.user("acme_tech"), "log.txt", b"line one\n")
    db.session.commit()

    run_worker()

    payloads = [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]
    assert [p["type"] for p in payloads] == [
        "escalation.created",
        "escalation.status_changed",
        "escalation.comment_added",
        "escalation.attachment_added",
    ]
    assert payloads[1]["data"]["previous_status"] == "submitted"
    assert payloads[1]["data"]["escalation"]["status"] == "accepted"
    assert payloads[2]["data"]["comment"]["body"] == "We can reproduce it."
    assert payloads[3]["data"]["attachment"]["file_name"] == "log.txt"


def test_internal_notes_produce_no_event_and_never_reach_the_partner(esc, receiver):
    endpoint_for(esc, "acme", receiver.url())
    escalation = submit(esc)
    run_worker()
    receiver.received.clear()

    services.add_comment(escalation, esc.user("vendor_engineer"), "SECRET-NOTE", internal=True)
    db.session.commit()

    assert len(deliveries()) == 1  # the submission only
    assert run_worker() == 0
    assert receiver.received == []
    assert all("SECRET-NOTE" not in d.payload for d in deliveries())


def test_a_partners_endpoint_receives_only_its_own_escalations(esc, receiver):
    acme_endpoint, _ = endpoint_for(esc, "acme", receiver.url("/acme"))
    globex_endpoint, globex_secret = endpoint_for(esc, "globex", receiver.url("/globex"))

    acme_escalation = submit(esc, "acme")
    services.add_comment(acme_escalation, esc.user("vendor_engineer"), "For acme only.")
    globex_escalation = submit(esc, "globex")
    db.session.commit()
    run_worker()

    to_globex = [r for r in receiver.received if r.path == "/globex"]
    assert len(to_globex) == 1
    payload = Webhook(globex_secret).verify(to_globex[0].body, to_globex[0].headers)
    assert payload["data"]["escalation"]["id"] == globex_escalation.id
    assert {d.escalation_id for d in deliveries(globex_endpoint)} == {globex_escalation.id}
    assert {d.escalation_id for d in deliveries(acme_endpoint)} == {acme_escalation.id}


def test_only_the_subscribed_events_of_enabled_endpoints_are_queued(esc, receiver):
    created_only, _ = endpoint_for(esc, "acme", receiver.url("/a"), ["escalation.created"])
    comments_only, _ = endpoint_for(esc, "acme", receiver.url("/b"), ["escalation.comment_added"])
    disabled, _ = endpoint_for(esc, "acme", receiver.url("/c"))
    disabled.enabled = False
    db.session.commit()

    escalation = submit(esc)
    services.add_comment(escalation, esc.user("vendor_engineer"), "Looking.")
    db.session.commit()

    assert [d.event_type for d in deliveries(created_only)] == ["escalation.created"]
    assert [d.event_type for d in deliveries(comments_only)] == ["escalation.comment_added"]
    assert deliveries(disabled) == []


def test_a_draft_has_no_events(esc, receiver):
    endpoint_for(esc, "acme", receiver.url())
    draft = services.save_draft(esc.user("acme_tech"), service_input(esc))
    services.add_comment(draft, esc.user("acme_tech"), "Note to self.")
    db.session.commit()
    assert deliveries() == []


def test_a_receiver_that_is_down_gets_the_event_once_after_it_returns(esc, receiver):
    endpoint, secret = endpoint_for(esc, "acme", receiver.url())
    receiver.stop()
    submit(esc)
    start = utcnow()

    assert run_worker(start) == 1
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error and delivery.response_status is None
    first_retry = delivery.next_attempt_at
    assert first_retry > start
    assert run_worker(start + timedelta(seconds=1)) == 0  # not due yet: the backoff holds

    receiver.start()  # the same port, back up
    assert run_worker(first_retry + timedelta(seconds=1)) == 1
    assert run_worker(first_retry + timedelta(days=1)) == 0

    [request] = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "escalation.created"
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 2, "")
    db.session.refresh(endpoint)
    assert endpoint.consecutive_failures == 0


def test_backoff_grows_between_attempts(esc, receiver, app):
    endpoint_for(esc, "acme", receiver.url())
    receiver.status = 500
    submit(esc)
    now = utcnow()
    waits = []
    for _ in range(3):
        run_worker(now)
        [delivery] = deliveries()
        waits.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
    base = app.config["OUTBOX_BACKOFF_BASE_S"]
    assert [w.total_seconds() for w in waits] == [base, 2 * base, 4 * base]
    assert deliveries()[0].response_status == 500


def test_repeated_failure_disables_the_endpoint_and_mails_the_partner_admins(
    esc, receiver, app, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOKS_DISABLE_AFTER_FAILURES", 3)
    endpoint, _ = endpoint_for(esc, "acme", receiver.url())
    receiver.status = 503
    submit(esc)
    now = utcnow()
    for attempt in range(3):
        db.session.refresh(endpoint)
        assert endpoint.enabled, f"disabled too early, after {attempt} failures"
        run_worker(now)
        now = deliveries()[0].next_attempt_at

    db.session.refresh(endpoint)
    assert not endpoint.enabled
    assert "3 failed attempts" in endpoint.disabled_reason
    mails = db.session.scalars(select(OutboxMessage)).all()
    disabled_mails = [m for m in mails if "webhook" in m.subject.lower()]
    assert [m.recipient for m in disabled_mails] == ["admin@acme.example"]
    assert endpoint.url in disabled_mails[0].body
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "webhook_endpoint.disabled")
    ).all()
    assert [(a.partner_id, a.actor_label) for a in audit] == [(esc.world.acme.id, "system")]

    # Disabled: nothing more is attempted, and the event waits for the endpoint.
    receiver.status = 204
    assert run_worker(now + timedelta(days=1)) == 0
    assert deliveries()[0].status == "pending"
    assert len(receiver.received) == 3


def test_a_redirect_is_not_followed(esc, receiver):
    endpoint_for(esc, "acme", receiver.url("/old"))
    receiver.status = 307
    receiver.location = receiver.url("/new")
    submit(esc)
    run_worker()
    assert [r.path for r in receiver.received] == ["/old"]
    [delivery] = deliveries()
    assert (delivery.status, delivery.response_status) == ("pending", 307)
    assert "307" in delivery.last_error


def test_the_connection_goes_to_the_checked_address_with_the_hosts_name(
    esc, receiver, app, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOKS_HOSTS", {"hooks.acme.test": ["127.0.0.1"]})
    _, secret = endpoint_for(esc, "acme", receiver.url(host="hooks.acme.test"))
    submit(esc)
    run_worker()
    [request] = receiver.received
    assert request.headers["Host"] == f"hooks.acme.test:{receiver.port}"
    Webhook(secret).verify(request.body, request.headers)


def test_a_name_resolving_to_a_private_address_at_send_time_is_refused(
    esc, receiver, app, monkeypatch
):
    hosts = {"hooks.acme.test": ["127.0.0.1"]}
    monkeypatch.setitem(app.config, "WEBHOOKS_HOSTS", hosts)
    endpoint_for(esc, "acme", receiver.url(host="hooks.acme.test"))  # accepted when saved
    hosts["hooks.acme.test"] = ["10.0.0.7"]  # then the name moves to a private address
    submit(esc)

    run_worker()

    assert receiver.received == []
    [delivery] = deliveries()
    assert delivery.status == "pending" and delivery.response_status is None
    assert "10.0.0.7" in delivery.last_error and "private" in delivery.last_error


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://localhost/hooks",
        "https://169.254.169.254/latest",
    ],
)
def test_loopback_is_refused_at_send_time_where_the_configuration_does_not_allow_it(
    esc, app, monkeypatch, url
):
    endpoint, _ = endpoint_for(esc, "acme", "https://93.184.216.34/hooks")
    endpoint.url = url  # as if saved while allowed, or written around the service
    db.session.commit()
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", False)
    submit(esc)

    run_worker()

    [delivery] = deliveries()
    assert delivery.attempts == 1 and delivery.response_status is None
    assert delivery.last_error.startswith("Refused:")


def test_send_again_delivers_the_same_message_once_more(esc, receiver):
    from portal.webhooks.services import send_again

    _, secret = endpoint_for(esc, "acme", receiver.url())
    submit(esc)
    run_worker()
    [delivery] = deliveries()

    send_again(delivery, esc.user("acme_admin"))
    db.session.commit()
    run_worker()

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    assert first.body == second.body
    Webhook(secret).verify(second.body, second.headers)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "webhook_delivery.sent_again")
    ).all()
    assert [(a.partner_id, a.actor_label) for a in audit] == [
        (esc.world.acme.id, "admin@acme.example")
    ]


def test_deleting_an_endpoint_drops_its_queue(esc, receiver):
    from portal.webhooks.services import delete_endpoint

    endpoint, _ = endpoint_for(esc, "acme", receiver.url())
    receiver.stop()
    submit(esc)
    delete_endpoint(endpoint, esc.user("acme_admin"))
    db.session.commit()
    assert deliveries() == []
    assert db.session.get(WebhookEndpoint, endpoint.id) is None


def test_the_worker_poll_delivers_them(esc, receiver):
    """`flask --app app worker` runs the registered periodic checks: deliveries are one."""
    from portal.periodic import registered, run_checks

    assert "webhooks.deliver_due" in registered()
    _, secret = endpoint_for(esc, "acme", receiver.url())
    submit(esc)

    assert run_checks()["webhooks.deliver_due"] == 1

    [request] = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "escalation.created"
    assert deliveries()[0].status == "delivered"


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="several workers at once need PostgreSQL's row locks (SQLite has one writer)",
)
def test_a_delivery_another_worker_holds_is_skipped_not_sent_twice(esc, receiver):
    endpoint_for(esc, "acme", receiver.url())
    submit(esc)
    with db.engine.connect() as other_worker:
        other_worker.execute(text("SELECT id FROM webhook_deliveries FOR UPDATE"))
        db.session.execute(text("SET LOCAL lock_timeout = '3s'"))  # fail rather than hang
        assert run_worker() == 0  # claimed elsewhere: skipped, not waited for
        other_worker.rollback()
    assert run_worker() == 1
    assert len(receiver.received) == 1


def test_a_worker_crash_mid_batch_keeps_what_was_already_sent(esc, receiver, monkeypatch):
    from portal.webhooks import delivery as sending

    endpoint_for(esc, "acme", receiver.url())
    escalation = submit(esc)
    services.add_comment(escalation, esc.user("vendor_engineer"), "Looking into it.")
    db.session.commit()
    real_post, posted = sending.post, []

    def post_then_crash(endpoint, delivery):
        if posted:
            raise RuntimeError("the worker dies")
        posted.append(delivery.id)
        return real_post(endpoint, delivery)

    monkeypatch.setattr(sending, "post", post_then_crash)
    with pytest.raises(RuntimeError):
        deliver_due()
    db.session.rollback()
    assert [d.status for d in deliveries()] == ["delivered", "pending"]

    monkeypatch.undo()
    assert run_worker() == 1
    assert [d.status for d in deliveries()] == ["delivered", "delivered"]
    assert len(receiver.received) == 2  # each message once
