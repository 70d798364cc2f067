"""Training sessions for tests, planned through the real service.

`NOW` is the moment the tests call "now": services take it as an argument, so nothing
depends on the clock. Sessions are planned relative to it.
"""

from datetime import UTC, datetime, timedelta
from itertools import count

from certification.models import Attempt, Quiz, TrainingSession
from certification.training import SessionInput, create_session, local_time
from portal.extensions import db

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
_seq = count(1)


def session_input(release, **overrides) -> SessionInput:
    """A valid plan: a three-hour session in Berlin a week after NOW, with a place."""
    starts = overrides.pop("starts_local", datetime(2026, 6, 17, 9, 0))
    values = {
        "release_id": release.id,
        "title": f"Training number {next(_seq)}",
        "starts_local": starts,
        "ends_local": overrides.pop("ends_local", starts and starts + timedelta(hours=3)),
        "timezone": "Europe/Berlin",
        "trainer": "Tina Trainer",
        "location": "Room 4, Berlin",
        "video_url": "",
        "description": "",
    }
    values.update(overrides)
    return SessionInput(**values)


def make_session(release, actor, *, starts_at: datetime | None = None, hours: int = 3, **overrides):
    """A committed session; `starts_at` (aware) places it in UTC, e.g. NOW + a week."""
    if starts_at is not None:
        starts = starts_at.astimezone(UTC).replace(tzinfo=None)
        overrides.setdefault("timezone", "UTC")
        overrides.setdefault("starts_local", starts)
        overrides.setdefault("ends_local", starts + timedelta(hours=hours))
    session = create_session(session_input(release, **overrides), actor=actor)
    db.session.commit()
    return session


def in_days(days: float) -> datetime:
    """The real clock plus `days`: where page tests put sessions (pages read the clock)."""
    return datetime.now(UTC) + timedelta(days=days)


def add_quiz(session: TrainingSession, *, attempted_by=None) -> Quiz:
    """A quiz of the session, with one attempt by `attempted_by` if given."""
    quiz = Quiz(session_id=session.id, title=f"Quiz of {session.title}")
    db.session.add(quiz)
    db.session.flush()
    if attempted_by is not None:
        started = NOW - timedelta(days=1)
        db.session.add(
            Attempt(
                quiz_id=quiz.id,
                user_id=attempted_by.id,
                partner_id=attempted_by.partner_id,
                started_at=started,
                deadline=started + timedelta(minutes=20),
            )
        )
    db.session.commit()
    return quiz


__all__ = ["NOW", "add_quiz", "in_days", "local_time", "make_session", "session_input"]
