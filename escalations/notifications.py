"""Who hears about an escalation, through the outbox (in the change's own transaction).

- the partner (the submitter, the drafter, the partner admins) on every status change and
  every partner-visible vendor comment;
- the vendor's engineers on a new S1 or S2;
- the vendor's on-call address (VENDOR_ONCALL_EMAIL) only for an S1 under a 24x7
  agreement: the valid reason to wake someone; never otherwise.
"""

from flask import current_app
from sqlalchemy import select
from werkzeug.routing import BuildError

from escalations.models import Comment, Escalation
from portal.extensions import db
from portal.mail import enqueue_mail
from portal.models import User
from portal.roles import PARTNER_ADMIN, VENDOR_ENGINEER


def escalation_link(escalation: Escalation) -> str:
    """The escalation's page under PUBLIC_BASE_URL, built without a request (the worker
    and the CLI send mail too); its API URL while there is no page."""
    urls = current_app.url_map.bind("")
    try:
        path = urls.build("escalations.detail", {"escalation_id": escalation.id})
    except BuildError:
        path = urls.build("escalations_api.get_escalation", {"escalation_id": escalation.id})
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def partner_recipients(escalation: Escalation) -> list[str]:
    """The partner's people who follow the escalation: its authors and the partner admins."""
    admins = db.session.scalars(
        select(User.email).where(
            User.partner_id == escalation.partner_id,
            User.role == PARTNER_ADMIN,
            User.status == "active",
        )
    ).all()
    authors = [
        user.email
        for user in (escalation.submitter, escalation.drafted_by)
        if user is not None and user.status == "active"
    ]
    return list(dict.fromkeys([*authors, *admins]))


def _subject(escalation: Escalation, what: str) -> str:
    return f"Escalation #{escalation.id} {what}: {escalation.title}"


def status_changed(
    escalation: Escalation, previous: str | None, note: str = "", rating_link: str | None = None
) -> None:
    """`rating_link`: the customer's rating link, for the partner to pass on (its agreement
    keeps the vendor from contacting its customers)."""
    for recipient in partner_recipients(escalation):
        enqueue_mail(
            recipient,
            _subject(escalation, escalation.status.replace("_", " ")),
            "escalations/mail/status_changed.txt",
            escalation=escalation,
            previous=previous,
            note=note,
            link=escalation_link(escalation),
            rating_link=rating_link,
        )


def vendor_commented(escalation: Escalation, comment: Comment, author) -> None:
    for recipient in partner_recipients(escalation):
        enqueue_mail(
            recipient,
            _subject(escalation, "new comment"),
            "escalations/mail/vendor_comment.txt",
            escalation=escalation,
            comment=comment,
            author=author.name,
            link=escalation_link(escalation),
        )


def submitted(escalation: Escalation, agreement) -> None:
    """A new escalation: engineers for S1/S2, the on-call page for an S1 under 24x7."""
    link = escalation_link(escalation)
    if escalation.severity in ("S1", "S2"):
        engineers = db.session.scalars(
            select(User.email).where(User.role == VENDOR_ENGINEER, User.status == "active")
        ).all()
        for recipient in engineers:
            enqueue_mail(
                recipient,
                f"New {escalation.severity} from {escalation.partner.name}: {escalation.title}",
                "escalations/mail/new_escalation.txt",
                escalation=escalation,
                link=link,
            )
    oncall = current_app.config.get("VENDOR_ONCALL_EMAIL")
    if (
        escalation.severity == "S1"
        and agreement is not None
        and agreement.coverage == "24x7"
        and oncall
    ):
        enqueue_mail(
            oncall,
            f"PAGE S1 {escalation.partner.name}: {escalation.title}",
            "escalations/mail/oncall_page.txt",
            escalation=escalation,
            link=link,
        )
