"""A technician's certifications as the partners API lists them.

`GET /api/v1/partners/{id}/technicians` gives each technician `certifications: [{product,
release, expires_on, status}]`: their standing certification per product (the newest;
the ones it renewed are history), issued for the partner they work for now. A page of
technicians is read in one query (`certifications_by_user`).
"""

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certification.models import Certification
from certification.status import ends_on, status_of
from portal.extensions import db
from portal.models.base import utcnow


def standing_certifications(users: list) -> dict[int, list]:
    """Each user's certifications that no renewal replaced, by product name."""
    partner_of = {user.id: user.partner_id for user in users}
    if not partner_of:
        return {}
    rows = db.session.scalars(
        select(Certification)
        .options(joinedload(Certification.product), joinedload(Certification.release))
        .where(
            Certification.user_id.in_(partner_of),
            Certification.superseded_by_id.is_(None),
        )
        .order_by(Certification.issued_on.desc(), Certification.id.desc())
    ).all()
    found = defaultdict(list)
    for row in rows:
        # A technician moved to another partner does not bring that partner's records.
        if row.partner_id == partner_of[row.user_id]:
            found[row.user_id].append(row)
    for certifications in found.values():
        certifications.sort(key=lambda c: c.product.name)
    return dict(found)


def as_api_dict(certification: Certification, today: date) -> dict:
    return {
        "product": certification.product.slug,
        "release": certification.release.version,
        # As the verification API says it: the first day it no longer counts.
        "expires_on": ends_on(certification),
        "status": status_of(certification, today),
    }


def certifications_by_user(users: list) -> dict[int, list[dict]]:
    today = utcnow().date()
    return {
        user_id: [as_api_dict(c, today) for c in rows]
        for user_id, rows in standing_certifications(users).items()
    }


def certifications_of(user) -> list[dict]:
    return certifications_by_user([user]).get(user.id, [])
