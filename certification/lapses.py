"""When the release cycle ends a certification.

A certification from a release lapses once the second major release after it (by
release date) has been out for the grace period (`CERTIFICATION_LAPSE_GRACE_DAYS`,
90 days by default). Until a second major release exists, `lapses_on` is None.

The date is stored on each certification (`lapses_on`) so that the status rule and the
certified counts read it in SQL; when a product's releases change, `recompute_lapses`
rewrites the product's dates in one statement, whatever the number of certifications.
"""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import Date, case, cast, literal, null, or_, select, update

from certification.models import Certification
from portal.extensions import db
from portal.models import Release
from portal.models.base import utcnow

DEFAULT_GRACE_DAYS = 90


def grace_days() -> int:
    return int(current_app.config.get("CERTIFICATION_LAPSE_GRACE_DAYS", DEFAULT_GRACE_DAYS))


def lapse_dates(releases: list[Release], grace: int) -> dict[int, date | None]:
    """Each release's lapse date (by release id), from every release of one product."""
    majors = sorted(r.released_on for r in releases if r.major)
    dates = {}
    for release in releases:
        later = [day for day in majors if day > release.released_on]
        dates[release.id] = later[1] + timedelta(days=grace) if len(later) >= 2 else None
    return dates


def _product_releases(product_id: int) -> list[Release]:
    return list(db.session.scalars(select(Release).where(Release.product_id == product_id)))


def lapse_date_for(release: Release) -> date | None:
    """The lapse date of a certification issued now for `release`."""
    return lapse_dates(_product_releases(release.product_id), grace_days())[release.id]


def recompute_lapses(product_id: int, *, today: date) -> set[int]:
    """Rewrite `lapses_on` of every certification of the product from its releases.

    One read of the product's releases, one of the partners affected today, and one
    UPDATE. Returns the partners whose certified technicians change today (a lapse date
    moved to or from the past), so their compliance can be refreshed; a lapse still to
    come is the periodic compliance check's.
    """
    dates = lapse_dates(_product_releases(product_id), grace_days())
    if not dates:
        return set()
    # Each date a typed parameter (SQLite's CAST(... AS DATE) would make a number of a date
    # string); only the NULLs are cast, so that PostgreSQL knows the CASE gives dates.
    no_date = cast(null(), Date)
    new_lapse = case(
        {
            release_id: no_date if day is None else literal(day, Date)
            for release_id, day in dates.items()
        },
        value=Certification.release_id,
        else_=no_date,
    )
    changed = (Certification.product_id == product_id) & Certification.lapses_on.is_distinct_from(
        new_lapse
    )
    partner_ids = set(
        db.session.scalars(
            select(Certification.partner_id)
            .distinct()
            .where(changed, or_(Certification.lapses_on <= today, new_lapse <= today))
        )
    )
    result = db.session.execute(
        update(Certification)
        .where(changed)
        .values(lapses_on=new_lapse)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        # Certifications already loaded in this session must not keep their old dates.
        for loaded in list(db.session.identity_map.values()):
            if isinstance(loaded, Certification):
                db.session.expire(loaded, ["lapses_on"])
    return partner_ids


def _recompute_and_refresh(release: Release, actor) -> None:
    from certification.certifications import refresh_compliance

    today = utcnow().date()
    refresh_compliance(recompute_lapses(release.product_id, today=today), actor=actor, today=today)


def on_major_release_published(release: Release, *, actor=None, **_) -> None:
    """`portal.signals.major_release_published`: a new major moves lapse dates."""
    _recompute_and_refresh(release, actor)


def on_release_saved(release: Release, *, before: dict | None, actor=None, **_) -> None:
    """`portal.signals.release_saved`: a release date or major flag changed.

    A release that has just become major is `on_major_release_published`'s; a new minor
    release moves no lapse date.
    """
    if before is None or (release.major and not before["major"]):
        return
    moved = before["released_on"] != release.released_on.isoformat()
    if moved or before["major"] != release.major:
        _recompute_and_refresh(release, actor)
