"""Time-driven notices about certifications, sent once each by the worker.

- `expiring`: 30 days (`status.EXPIRING_SOON_DAYS`) before a certification ends, by
  expiry or by lapse, its holder and their partner admins are told what to do to keep it;
- `expired` / `lapsed`: on the day it ends (or within `LATE_DAYS` after, should no worker
  have run), the same people are told it no longer counts.

Only certifications that still matter are noticed: not revoked, not superseded by a
renewal, held by an active technician of the certification's partner. Each notice is a
`CertificationNotice` row inserted before its mail is queued: its primary
key lets one worker claim it (`claims.insert_once`), so with two workers sweeping at
once each notice goes out once. The claim and the mail commit together.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload

from certification.claims import insert_once
from certification.counts import counting_technician_clause
from certification.models import Certification, CertificationNotice
from certification.status import EXPIRING_SOON_DAYS, current_clause, ends_on, status_of
from portal import periodic
from portal.extensions import db
from portal.mail import enqueue_mail
from portal.models import User
from portal.roles import PARTNER_ADMIN

#: Certifications noticed per run and kind; the rest wait for the next poll.
BATCH = 200
#: How late an "expired" or "lapsed" notice may still go out.
LATE_DAYS = 7


def send_certification_notices(now: datetime) -> int:
    """Send every notice that has come due; how many notices were sent."""
    today = now.date()
    sent = 0
    expiring = _claimed(_expiring(today), lambda certification: "expiring")
    sent += _mail(expiring, today)
    ended = _claimed(_ended(today), lambda certification: status_of(certification, today))
    sent += _mail(ended, today)
    return sent


def _noticed(kinds):
    return exists().where(
        CertificationNotice.certification_id == Certification.id,
        CertificationNotice.kind.in_(kinds),
    )


def _candidates():
    return (
        select(Certification)
        .join(User, counting_technician_clause())
        .options(
            joinedload(Certification.user),
            joinedload(Certification.partner),
            joinedload(Certification.product),
            joinedload(Certification.release),
        )
        .where(Certification.superseded_by_id.is_(None), Certification.revoked_at.is_(None))
        .order_by(Certification.id)
        .limit(BATCH)
    )


def _expiring(today: date) -> list[Certification]:
    horizon = today + timedelta(days=EXPIRING_SOON_DAYS)
    return db.session.scalars(
        _candidates().where(
            current_clause(today),
            or_(Certification.expires_on <= horizon, Certification.lapses_on <= horizon),
            ~_noticed(["expiring"]),
        )
    ).all()


def _ended(today: date) -> list[Certification]:
    since = today - timedelta(days=LATE_DAYS)
    return [
        certification
        for certification in db.session.scalars(
            _candidates().where(
                ~current_clause(today),
                or_(
                    and_(Certification.expires_on >= since, Certification.expires_on <= today),
                    and_(Certification.lapses_on >= since, Certification.lapses_on <= today),
                ),
                ~_noticed(["expired", "lapsed"]),
            )
        )
        if ends_on(certification) >= since
    ]


def _claimed(certifications, kind_of) -> list[tuple[Certification, str]]:
    """The certifications whose notice this worker claimed first, with the notice's kind."""
    claimed = []
    for certification in certifications:
        kind = kind_of(certification)
        if not insert_once(CertificationNotice, certification_id=certification.id, kind=kind):
            continue  # another worker sent it
        claimed.append((certification, kind))
    return claimed


def _mail(claimed: list[tuple[Certification, str]], today: date) -> int:
    if not claimed:
        return 0
    partner_ids = {certification.partner_id for certification, _ in claimed}
    admins = defaultdict(list)
    for admin in db.session.scalars(
        select(User)
        .where(
            User.partner_id.in_(partner_ids),
            User.role == PARTNER_ADMIN,
            User.status == "active",
        )
        .order_by(User.email)
    ):
        admins[admin.partner_id].append(admin)
    by_partner = defaultdict(list)
    for certification, kind in claimed:
        by_partner[certification.partner_id].append((certification, kind))
        enqueue_mail(
            certification.user.email,
            _subject(certification, kind),
            "certification/mail/notice_holder.txt",
            user=certification.user,
            certification=certification,
            kind=kind,
            ends=ends_on(certification),
            today=today,
        )
    for partner_id, notices in by_partner.items():
        partner = notices[0][0].partner
        for admin in admins[partner_id]:
            enqueue_mail(
                admin.email,
                _admin_subject(partner, notices),
                "certification/mail/notice_admin.txt",
                user=admin,
                partner=partner,
                notices=[
                    {"certification": c, "kind": kind, "ends": ends_on(c)} for c, kind in notices
                ],
            )
    return len(claimed)


def _subject(certification: Certification, kind: str) -> str:
    product = certification.product.name
    ends = ends_on(certification)
    if kind == "expiring":
        reason = "lapses" if ends == certification.lapses_on else "expires"
        return f"Your {product} certification {reason} on {ends:%Y-%m-%d}"
    return f"Your {product} certification has {kind}"


def _admin_subject(partner, notices) -> str:
    if len(notices) == 1:
        certification, kind = notices[0]
        verb = "is ending soon" if kind == "expiring" else f"has {kind}"
        product = certification.product.name
        return f"{partner.name}: {certification.user.name}'s {product} certification {verb}"
    return f"{partner.name}: {len(notices)} certifications need attention"


def register() -> None:
    periodic.register("certification.send_certification_notices", send_certification_notices)
