"""The notification outbox.

`enqueue_mail` adds a row to the current transaction, so a message exists exactly
when the change it announces is committed. `deliver_due` (run by
`flask --app app worker`) sends due messages over SMTP; a failure keeps the message
and schedules a retry with exponential backoff, until the attempts run out.
"""

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from sqlalchemy import select

from portal.extensions import db
from portal.models.base import utcnow
from portal.models.outbox import OutboxMessage


def enqueue_mail(recipient: str, subject: str, template: str, **context) -> OutboxMessage:
    """Render `template` (a text template under mail/) and queue it for `recipient`."""
    body = render_template(template, **context)
    # One line: a subject built from user input must not break (or inject) mail headers.
    subject = " ".join(subject.split())[:200]
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    return message


def backoff_delay(attempts: int) -> timedelta:
    """The wait before retry number `attempts`: base * 2^(attempts-1), capped."""
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF_BASE_S"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX_S"]))


def _email_for(message: OutboxMessage) -> EmailMessage:
    """The e-mail to send; ValueError when a header cannot be written (e.g. a line break)."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body)
    return email


def _smtp_send(email: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_S"]
    ) as smtp:
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def _due_messages(now: datetime, limit: int):
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        # Several workers may run: each claims different rows.
        stmt = stmt.with_for_update(skip_locked=True)
    return db.session.scalars(stmt).all()


def deliver_due(limit: int = 50, now: datetime | None = None) -> dict[str, int]:
    """Try to send every due message once; commit the outcome. Returns counts."""
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    for message in _due_messages(now, limit):
        message.attempts += 1
        try:
            email = _email_for(message)
        except ValueError as exc:
            # It can never be sent; raising here would undo the whole batch, whose
            # messages already went out, and stop the worker on every run.
            message.last_error = f"Cannot build the e-mail: {exc}"[:500]
            message.status = "failed"
            counts["failed"] += 1
            continue
        try:
            _smtp_send(email)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if message.attempts >= max_attempts:
                message.status = "failed"
                counts["failed"] += 1
            else:
                message.next_attempt_at = now + backoff_delay(message.attempts)
                counts["retry"] += 1
        else:
            message.status = "sent"
            message.sent_at = utcnow()
            message.last_error = ""
            counts["sent"] += 1
    db.session.commit()
    return counts
