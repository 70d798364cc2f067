"""Planning training sessions: their details and their times in a chosen zone.

A session is planned in an IANA time zone: the planner types wall-clock times there,
they are stored in UTC, and pages show them back in that zone, labelled. Its materials
are in `training_materials`, its attendees in `training_attendance`.

Services flush and audit; the request commits.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certification.models import Attempt, Quiz, TrainingAttendee, TrainingSession
from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.mail import enqueue_mail
from portal.models import Release
from portal.time_zones import is_known_zone

TITLE_MIN, TITLE_MAX = 3, 200
DESCRIPTION_MAX = 5000
TRAINER_MAX = 120
LOCATION_MAX = 200
VIDEO_URL_MAX = 500
#: Longer than any real course: a session this long is a typo in a date.
LONGEST_SESSION = timedelta(days=14)

AUDITED_FIELDS = (
    "title",
    "release_id",
    "starts_at",
    "ends_at",
    "timezone",
    "trainer",
    "location",
    "video_url",
    "description",
)
#: A change to one of these is news for the attendees.
NOTIFIED_FIELDS = ("starts_at", "ends_at", "timezone", "location", "video_url")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --- Time zones (the names accepted: portal.time_zones) ----------------------------------


def wall_clock_to_utc(local: datetime, zone: ZoneInfo) -> datetime | None:
    """A wall-clock time in `zone` as UTC; None when the clocks skip it (a DST gap).

    A time that happens twice (clocks going back) is taken at its first occurrence.
    """
    aware = local.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def local_time(session: TrainingSession, moment: datetime | None = None) -> datetime:
    """`moment` (the start by default) on the session's clocks."""
    return (moment or session.starts_at).astimezone(ZoneInfo(session.timezone))


def session_state(session: TrainingSession, now: datetime) -> str:
    """'upcoming', 'in_progress' or 'past', as of `now`."""
    if now < session.starts_at:
        return "upcoming"
    return "in_progress" if now < session.ends_at else "past"


# --- Planning ----------------------------------------------------------------------------


@dataclass
class SessionInput:
    """What the planner typed. Times are wall-clock times in `timezone` (naive)."""

    release_id: int | None
    title: str
    starts_local: datetime | None
    ends_local: datetime | None
    timezone: str
    trainer: str
    location: str = ""
    video_url: str = ""
    description: str = ""


def is_web_url(value: str) -> bool:
    """An absolute http(s) URL with a host: nothing a link could run (javascript:, data:)."""
    if not value or any(ch.isspace() for ch in value) or _CONTROL.search(value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _check_text(errors: dict, name: str, value: str, *, maximum: int, minimum: int = 0) -> None:
    if len(value) > maximum:
        errors[name] = f"At most {maximum} characters."
    elif minimum and len(value) < minimum:
        errors[name] = "Required." if not value else f"At least {minimum} characters."


def _check_times(
    data: SessionInput, timezone: str, errors: dict
) -> tuple[datetime | None, datetime | None]:
    """The start and end in UTC, or the errors that keep them from being read."""
    if not is_known_zone(timezone):
        errors["timezone"] = "Unknown time zone: use an IANA name such as Europe/Paris."
        return None, None
    zone = ZoneInfo(timezone)
    starts = ends = None
    for name, local in (("starts_local", data.starts_local), ("ends_local", data.ends_local)):
        if local is None:
            errors[name] = "Required."
            continue
        local = local.replace(second=0, microsecond=0)  # planned to the minute
        utc = wall_clock_to_utc(local, zone)
        if utc is None:
            errors[name] = (
                f"{local:%Y-%m-%d %H:%M} does not exist in {timezone}: the clocks "
                "go forward then. Choose another time."
            )
        elif name == "starts_local":
            starts = utc
        else:
            ends = utc
    if starts is not None and ends is not None:
        if ends <= starts:
            errors["ends_local"] = "The session must end after it starts."
        elif ends - starts > LONGEST_SESSION:
            errors["ends_local"] = f"A session lasts at most {LONGEST_SESSION.days} days."
    return starts, ends


def _validate(data: SessionInput, session: TrainingSession | None) -> dict:
    """The values to store, or a DomainError naming each field that is wrong."""
    errors: dict[str, str] = {}
    values = {
        "title": _clean(data.title),
        "description": (data.description or "").strip(),
        "trainer": _clean(data.trainer),
        "location": _clean(data.location),
        "video_url": _clean(data.video_url),
        "timezone": _clean(data.timezone),
    }
    _check_text(errors, "title", values["title"], maximum=TITLE_MAX, minimum=TITLE_MIN)
    _check_text(errors, "description", values["description"], maximum=DESCRIPTION_MAX)
    _check_text(errors, "trainer", values["trainer"], maximum=TRAINER_MAX, minimum=1)
    _check_text(errors, "location", values["location"], maximum=LOCATION_MAX)
    if len(values["video_url"]) > VIDEO_URL_MAX:
        errors["video_url"] = f"At most {VIDEO_URL_MAX} characters."
    elif values["video_url"] and not is_web_url(values["video_url"]):
        errors["video_url"] = "A web address starting with https:// (or http://)."
    if not values["location"] and not values["video_url"] and "video_url" not in errors:
        errors["location"] = "Say where it happens: a place, a video link, or both."
    values["starts_at"], values["ends_at"] = _check_times(data, values["timezone"], errors)
    release = _check_release(data.release_id, session, errors)
    if errors:
        raise DomainError("validation_error", "Some fields are not valid.", fields=errors)
    values["release_id"] = release.id
    return values


def _check_release(release_id, session: TrainingSession | None, errors: dict) -> Release | None:
    release = db.session.get(Release, release_id) if release_id else None
    if release is None:
        errors["release_id"] = "Choose the release the training is for."
        return None
    if session is not None and release.id == session.release_id:
        return release  # unchanged: a release may stop being supported after the session
    if not release.supported:
        errors["release_id"] = (
            f"{release.label} is no longer supported: plan training for a supported release."
        )
    elif session is not None:
        problem = _release_change_problem(session, release)
        if problem:
            errors["release_id"] = problem
    return release


def _release_change_problem(session: TrainingSession, release: Release) -> str | None:
    if has_attempts(session):
        return (
            "Its quizzes have been taken for this release, and certifications may come from "
            "them: the release can no longer change. Plan a new session instead."
        )
    if release.product_id != session.release.product_id and (session.materials or session.quizzes):
        return (
            f"Its materials and quizzes are about {session.release.product.name}: plan a "
            "new session for another product."
        )
    return None


def create_session(data: SessionInput, *, actor) -> TrainingSession:
    values = _validate(data, None)
    session = TrainingSession(**values, created_by_id=actor.id)
    db.session.add(session)
    record_change(
        "training_session.created",
        session,
        partner_id=None,
        actor=actor,
        after=snapshot(session, AUDITED_FIELDS),
        summary=f"Training session “{session.title}”",
    )
    return session


def update_session(session: TrainingSession, data: SessionInput, *, actor, now: datetime) -> bool:
    """Save the changes; attendees hear of a new time or place. Returns whether any changed."""
    values = _validate(data, session)
    before = snapshot(session, AUDITED_FIELDS)
    for name, value in values.items():
        setattr(session, name, value)
    after = snapshot(session, AUDITED_FIELDS)
    changed = [name for name in AUDITED_FIELDS if before[name] != after[name]]
    if not changed:
        return False
    record_change(
        "training_session.updated",
        session,
        partner_id=None,
        actor=actor,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        summary=f"Training session “{session.title}”",
    )
    if set(changed) & set(NOTIFIED_FIELDS) and now < session.ends_at:
        _tell_attendees(session, "changed", "Training session changed")
    return True


def has_attempts(session: TrainingSession) -> bool:
    """Whether anyone has started one of the session's quizzes (attempts are kept)."""
    return bool(
        db.session.scalar(
            select(Attempt.id)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Quiz.session_id == session.id)
            .limit(1)
        )
    )


def delete_session(session: TrainingSession, *, actor, now: datetime) -> None:
    """Delete a session with its materials, attendees and untaken quizzes.

    :raises DomainError: (409) when a quiz of the session has attempts: they are kept
        for audit, and certifications may rest on them.
    """
    if has_attempts(session):
        raise DomainError(
            "session_has_attempts",
            f"“{session.title}” cannot be deleted: its quizzes have been taken, and attempts "
            "are kept for audit. Edit the session instead.",
            status=409,
        )
    if now < session.ends_at:
        _tell_attendees(session, "cancelled", "Training session cancelled")
    before = {
        **snapshot(session, AUDITED_FIELDS),
        "attendees": len(session.attendees),
        "materials": [m.article_id for m in session.materials],
        "quizzes": [q.title for q in session.quizzes],
    }
    record_change(
        "training_session.deleted",
        session,
        partner_id=None,
        actor=actor,
        before=before,
        summary=f"Training session “{session.title}”",
    )
    for quiz in list(session.quizzes):
        db.session.delete(quiz)
    db.session.delete(session)
    db.session.flush()


def _tell_attendees(session: TrainingSession, what: str, subject: str) -> None:
    attendees = db.session.scalars(
        select(TrainingAttendee)
        .where(TrainingAttendee.session_id == session.id)
        .options(joinedload(TrainingAttendee.user))
    ).all()
    for attendee in attendees:
        if attendee.user.status != "active":
            continue
        enqueue_mail(
            attendee.user.email,
            f"{subject}: {session.title}",
            f"certification/training/mail/{what}.txt",
            user=attendee.user,
            session=session,
            starts=local_time(session),
            ends=local_time(session, session.ends_at),
        )
