"""A training session as an iCalendar file (RFC 5545), for attendees' calendars.

The event keeps one UID per session, so importing the file again after a change
updates the event rather than adding a second one; its SEQUENCE counts the audited
changes to the session. Times are written in the session's zone with its VTIMEZONE
(or in UTC for a session planned in UTC), so calendars show the right local time
whatever zone they are in.
"""

from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText, vUri
from sqlalchemy import func, select

from certification.models import TrainingSession
from portal.extensions import db
from portal.models import AuditEntry

PRODUCT_ID = "-//Partner Support Portal//Training sessions//EN"


def session_uid(session: TrainingSession) -> str:
    """Stable for the session's life: its id at this portal's public host name."""
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    return f"training-session-{session.id}@{host}"


def session_url(session: TrainingSession) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/training/{session.id}"


def _revision(session: TrainingSession) -> int:
    """How many times the session was changed since it was planned (iCalendar's SEQUENCE)."""
    return db.session.scalar(
        select(func.count()).where(
            AuditEntry.object_type == "TrainingSession",
            AuditEntry.object_id == session.id,
            AuditEntry.action == "training_session.updated",
        )
    )


def _description(session: TrainingSession, materials: list) -> str:
    lines = [session.description.strip()] if session.description.strip() else []
    lines.append(f"Release: {session.release.label}")
    lines.append(f"Trainer: {session.trainer}")
    if session.video_url:
        lines.append(f"Video link: {session.video_url}")
    if materials:
        lines.append("Materials: " + "; ".join(article.title for article in materials))
    lines.append(f"Session page: {session_url(session)}")
    return "\n".join(lines)


def _organizer(session: TrainingSession) -> vCalAddress:
    """The trainer, as iCalendar's organiser: their name at the portal's sender address."""
    _, address = parseaddr(current_app.config["MAIL_SENDER"])
    organizer = vCalAddress(f"mailto:{address or 'portal@localhost'}")
    organizer.params["CN"] = vText(session.trainer)
    return organizer


def session_calendar(
    session: TrainingSession, *, materials=(), now: datetime | None = None
) -> bytes:
    """The .ics file of `session`; `materials` are the articles the reader may open."""
    zone = ZoneInfo(session.timezone) if session.timezone != "UTC" else UTC
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")

    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("sequence", _revision(session))
    event.add("created", session.created_at.astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", session.title)
    event.add("description", _description(session, list(materials)))
    event.add("location", session.location or session.video_url)
    event.add("url", vUri(session.video_url or session_url(session)))
    if session.video_url:
        event.add(
            "conference", vUri(session.video_url), parameters={"VALUE": "URI", "FEATURE": "VIDEO"}
        )
    event.add("organizer", _organizer(session))
    event.add("status", "CONFIRMED")
    event.add("categories", ["Training", session.release.product.name])
    calendar.add_component(event)
    if zone is not UTC:
        calendar.add_missing_timezones()
    return calendar.to_ical()
