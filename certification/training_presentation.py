"""How a training session's time reads on pages: in its own zone, labelled, and in UTC."""

from datetime import UTC, datetime

from flask import current_app, url_for

from certification.training import local_time
from portal.navigation import can_use

STATE_LABELS = {"upcoming": "Upcoming", "in_progress": "Under way", "past": "Past"}


def _day(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def _span(starts: datetime, ends: datetime) -> str:
    if starts.date() == ends.date():
        return f"{_day(starts)}, {starts:%H:%M}–{ends:%H:%M}"
    return f"{_day(starts)}, {starts:%H:%M} – {_day(ends)}, {ends:%H:%M}"


def when_text(session) -> str:
    """'Tue 15 Dec 2026, 09:00–12:00' on the session's clocks."""
    return _span(local_time(session), local_time(session, session.ends_at))


def zone_label(session) -> str:
    """'Europe/Berlin (UTC+01:00)': the zone's name and its offset at the start."""
    if session.timezone == "UTC":
        return "UTC"
    offset = local_time(session).strftime("%z")
    return f"{session.timezone} (UTC{offset[:3]}:{offset[3:]})"


def utc_text(session) -> str:
    return _span(session.starts_at.astimezone(UTC), session.ends_at.astimezone(UTC)) + " UTC"


def link_if_usable(endpoint: str, **values) -> str | None:
    """The URL of `endpoint` when the app serves it and the reader's role may use it.

    The quiz pages live in their own module; the training pages link to them this way.
    """
    if endpoint not in current_app.view_functions or not can_use(endpoint):
        return None
    return url_for(endpoint, **values)


def quiz_url(quiz) -> str | None:
    return link_if_usable("certification.quiz", quiz_id=quiz.id)
