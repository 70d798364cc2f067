"""The outbox delivers through a real SMTP server, retries with backoff, and gives up."""

from datetime import timedelta
from email.utils import parseaddr
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.mail import backoff_delay, deliver_due, enqueue_mail
from portal.models import OutboxMessage
from portal.models.base import utcnow

NOTHING = {"sent": 0, "retry": 0, "failed": 0}


def _queue(recipient="ada@example.org") -> int:
    user = SimpleNamespace(name="Ada Lovelace", email=recipient)
    message = enqueue_mail(
        recipient,
        "Reset your Partner Support Portal password",
        "mail/password_reset.txt",
        user=user,
        link="http://portal.example/set-password/abc",
    )
    db.session.commit()
    return message.id


def _row(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_queued_message_is_delivered(app, smtp):
    smtp.start()
    message_id = _queue()
    assert deliver_due() == {**NOTHING, "sent": 1}
    (envelope,) = smtp.mailbox.envelopes
    assert envelope.rcpt_tos == ["ada@example.org"]
    assert envelope.mail_from == parseaddr(app.config["MAIL_SENDER"])[1]
    (mail,) = smtp.mailbox.messages
    assert mail["To"] == "ada@example.org"
    assert mail["Subject"] == "Reset your Partner Support Portal password"
    body = mail.get_content()
    assert "Hello Ada Lovelace," in body and "http://portal.example/set-password/abc" in body
    row = _row(message_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None
    assert deliver_due() == NOTHING  # sent once only
    assert len(smtp.mailbox.envelopes) == 1


def test_server_down_keeps_the_message_for_a_retry_with_backoff(app, smtp):
    message_id = _queue()
    now = utcnow()
    assert deliver_due(now=now) == {**NOTHING, "retry": 1}
    row = _row(message_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == now + timedelta(seconds=app.config["OUTBOX_BACKOFF_BASE_S"])
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()

    # The server is back, but the retry is not due yet.
    smtp.start()
    assert deliver_due(now=row.next_attempt_at - timedelta(seconds=1)) == NOTHING
    assert smtp.mailbox.envelopes == []

    assert deliver_due(now=row.next_attempt_at) == {**NOTHING, "sent": 1}
    assert [e.rcpt_tos for e in smtp.mailbox.envelopes] == [["ada@example.org"]]
    row = _row(message_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_message_fails_after_the_last_attempt(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    base = app.config["OUTBOX_BACKOFF_BASE_S"]
    message_id = _queue()
    now = utcnow()
    assert deliver_due(now=now) == {**NOTHING, "retry": 1}
    assert _row(message_id).next_attempt_at == now + timedelta(seconds=base)
    now = _row(message_id).next_attempt_at
    assert deliver_due(now=now) == {**NOTHING, "retry": 1}
    assert _row(message_id).next_attempt_at == now + timedelta(seconds=2 * base)
    now = _row(message_id).next_attempt_at
    assert deliver_due(now=now) == {**NOTHING, "failed": 1}
    row = _row(message_id)
    assert (row.status, row.attempts) == ("failed", 3) and row.last_error
    # A failed message is never tried again, even when the server is back.
    smtp.start()
    assert deliver_due(now=now + timedelta(days=30)) == NOTHING
    assert smtp.mailbox.envelopes == []


def test_backoff_doubles_up_to_its_cap(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_BACKOFF_BASE_S", 30)
    monkeypatch.setitem(app.config, "OUTBOX_BACKOFF_MAX_S", 3600)
    assert [backoff_delay(n).total_seconds() for n in (1, 2, 3, 4, 7, 8, 20)] == [
        30,
        60,
        120,
        240,
        1920,
        3600,
        3600,
    ]


def test_refused_recipient_is_retried_without_holding_back_the_others(app, smtp):
    smtp.start()
    smtp.mailbox.refused.add("gone@example.org")
    refused = _queue("gone@example.org")
    good = _queue("grace@example.org")
    assert deliver_due() == {**NOTHING, "sent": 1, "retry": 1}
    assert _row(good).status == "sent"
    row = _row(refused)
    assert row.status == "pending" and "550" in row.last_error


def test_subject_is_kept_on_one_line(app, smtp):
    smtp.start()
    user = SimpleNamespace(name="Ada", email="ada@example.org")
    enqueue_mail(
        "ada@example.org",
        "Escalation: export hangs\r\nBcc: spy@evil.example",
        "mail/password_reset.txt",
        user=user,
        link="x",
    )
    db.session.commit()
    assert deliver_due() == {**NOTHING, "sent": 1}
    (envelope,) = smtp.mailbox.envelopes
    assert envelope.rcpt_tos == ["ada@example.org"]
    assert smtp.mailbox.messages[0]["Subject"] == "Escalation: export hangs Bcc: spy@evil.example"


def test_message_that_cannot_be_built_fails_at_once_and_the_batch_goes_on(app, smtp):
    smtp.start()
    first = _queue("first@example.org")
    broken = OutboxMessage(
        recipient="x@example.org\nBcc: spy@evil.example", subject="Hi", body="Hello"
    )
    db.session.add(broken)
    db.session.commit()
    last = _queue("last@example.org")
    assert deliver_due() == {**NOTHING, "sent": 2, "failed": 1}
    assert _row(first).status == _row(last).status == "sent"
    row = _row(broken.id)
    assert (row.status, row.attempts) == ("failed", 1) and row.last_error
    assert sorted(e.rcpt_tos[0] for e in smtp.mailbox.envelopes) == [
        "first@example.org",
        "last@example.org",
    ]
    assert deliver_due() == NOTHING  # nothing is sent twice


def test_message_of_a_rolled_back_transaction_does_not_exist(app, smtp):
    smtp.start()
    enqueue_mail(
        "ada@example.org",
        "Never sent",
        "mail/password_reset.txt",
        user=SimpleNamespace(name="Ada", email="ada@example.org"),
        link="x",
    )
    db.session.flush()
    db.session.rollback()
    assert db.session.query(OutboxMessage).count() == 0
    assert deliver_due() == NOTHING
    assert smtp.mailbox.envelopes == []


def test_message_is_written_only_when_its_change_commits(app, client, smtp):
    """A failing request rolls back the mail it queued along with everything else."""
    smtp.start()
    _queue("first@example.org")
    with pytest.raises(RuntimeError):
        enqueue_mail(
            "second@example.org",
            "Half-done",
            "mail/password_reset.txt",
            user=SimpleNamespace(name="B", email="second@example.org"),
            link="x",
        )
        raise RuntimeError("the change this mail announces failed")
    db.session.rollback()
    assert deliver_due() == {**NOTHING, "sent": 1}
    assert [e.rcpt_tos for e in smtp.mailbox.envelopes] == [["first@example.org"]]


def test_worker_once_delivers_what_is_due(app, smtp):
    smtp.start()
    message_id = _queue()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "'sent': 1" in result.output
    assert [e.rcpt_tos for e in smtp.mailbox.envelopes] == [["ada@example.org"]]
    assert _row(message_id).status == "sent"


def test_worker_once_with_the_server_down_schedules_a_retry(app, smtp):
    message_id = _queue()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    row = _row(message_id)
    assert (row.status, row.attempts) == ("pending", 1) and row.last_error
