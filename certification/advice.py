"""What a holder must do to keep (or get back) a certification, in words and with a link.

`advise` reads one certification against its product's releases: which status it has
and why, the date that matters, and the quiz to take (the newest supported release that
has an open quiz, else the newest supported release). The technician's page and the home
page's next steps both say it this way.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import or_, select
from werkzeug.routing import BuildError

from certification.lapses import grace_days
from certification.models import Certification, Quiz, TrainingSession
from certification.status import ends_on, is_expiring_soon, status_of
from portal.extensions import db
from portal.models import Release


@dataclass(frozen=True)
class Advice:
    certification: Certification
    status: str
    expiring_soon: bool
    #: The first day the certification no longer counts (revocation aside).
    ends_on: date
    #: Why it is in this state ("Lapsed on 2026-11-30: 6.0.0 had been out 90 days.").
    explanation: str
    #: What to do, or "" when nothing is to be done (a renewed certification).
    action: str
    quiz_release: Release | None = None
    quiz_url: str | None = None

    @property
    def needs_action(self) -> bool:
        return bool(self.action) and (self.status != "valid" or self.expiring_soon)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def unbroken_dates(text: str) -> Markup:
    """`text`, escaped, with its ISO dates kept on one line (a template filter)."""
    return Markup(
        _ISO_DATE.sub(lambda m: f'<span class="text-nowrap">{m.group(0)}</span>', str(escape(text)))
    )


def open_quizzes(release_ids, now: datetime) -> dict[int, int]:
    """The newest open quiz of each release, by release id (one query)."""
    if not release_ids:
        return {}
    rows = db.session.execute(
        select(TrainingSession.release_id, Quiz.id)
        .join(Quiz, Quiz.session_id == TrainingSession.id)
        .where(
            TrainingSession.release_id.in_(set(release_ids)),
            or_(Quiz.opens_at.is_(None), Quiz.opens_at <= now),
            or_(Quiz.closes_at.is_(None), Quiz.closes_at > now),
        )
        .order_by(Quiz.id)
    ).all()
    return dict(rows)  # the last (newest) quiz of a release wins


def quiz_url(quiz_id: int | None) -> str | None:
    """The quiz page, once the quiz pages exist."""
    if quiz_id is None:
        return None
    try:
        return url_for("certification.quiz", quiz_id=quiz_id)
    except BuildError:
        return None


def release_to_take(releases: list[Release], quizzes: dict[int, int]) -> Release | None:
    supported = sorted(
        (r for r in releases if r.supported), key=lambda r: (r.released_on, r.id), reverse=True
    )
    with_quiz = [r for r in supported if r.id in quizzes]
    return (with_quiz or supported or [None])[0]


def second_major_after(certification: Certification, releases: list[Release]) -> Release | None:
    certified_on = certification.release.released_on
    later = sorted(
        (r for r in releases if r.major and r.released_on > certified_on),
        key=lambda r: r.released_on,
    )
    return later[1] if len(later) >= 2 else None


def advise(
    certification: Certification,
    today: date,
    releases: list[Release],
    quizzes: dict[int, int],
) -> Advice:
    """`releases`: every release of the certification's product; `quizzes`: `open_quizzes`."""
    status = status_of(certification, today)
    end = ends_on(certification)
    target = release_to_take(releases, quizzes)
    product = certification.product.name
    take = f"take the {product} {target.version} quiz" if target else "take the next quiz"
    again = f"{take[0].upper()}{take[1:]} to be certified again."
    lapse_first = certification.lapses_on is not None and certification.lapses_on <= (
        certification.expires_on
    )
    if status == "revoked":
        explanation = (
            f"Revoked on {certification.revoked_at:%Y-%m-%d}: {certification.revoked_reason}. "
            "A revoked certification stays revoked, even if you become active again."
        )
        action = again
    elif certification.superseded_by_id is not None:
        explanation = f"Replaced by a newer certification; this one ended on {end:%Y-%m-%d}."
        action = ""
    elif status == "lapsed":
        major = second_major_after(certification, releases)
        cause = f", when {major.version} had been out {grace_days()} days" if major else ""
        explanation = f"Lapsed on {certification.lapses_on:%Y-%m-%d}{cause}."
        action = (
            f"Take the quiz of the newest release ({product} {target.version}) to be "
            "certified again."
            if target
            else again
        )
    elif status == "expired":
        explanation = f"Expired on {certification.expires_on:%Y-%m-%d}."
        action = again
    elif lapse_first:
        major = second_major_after(certification, releases)
        cause = f", {grace_days()} days after {major.version} came out" if major else ""
        explanation = f"Lapses on {end:%Y-%m-%d}{cause}."
        action = f"{take[0].upper()}{take[1:]} before {end:%Y-%m-%d} to keep it."
    else:
        explanation = f"Expires on {end:%Y-%m-%d}."
        action = f"{take[0].upper()}{take[1:]} before {end:%Y-%m-%d} to keep it."
    if certification.superseded_by_id is not None:
        action = ""  # the newer certification says what to do
    return Advice(
        certification=certification,
        status=status,
        expiring_soon=is_expiring_soon(certification, today),
        ends_on=end,
        explanation=explanation,
        action=action,
        quiz_release=target if action else None,
        quiz_url=quiz_url(quizzes.get(target.id)) if (action and target) else None,
    )
