"""Helpers for the compliance, environment and directory tests: certifications and
environments written as rows, dated where the test needs them."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import count

from certification.codes import new_code
from certification.models import Certification, ReproductionEnvironment
from portal.extensions import db
from portal.models import Release
from portal.models.base import utcnow

_seq = count(1)
#: The tests' today: the real one, since events sent by the portal (an agreement coming
#: into force, a technician leaving) recompute as of today; services given a day use it.
TODAY = utcnow().date()


def at(day: date) -> datetime:
    """Noon UTC on `day`."""
    return datetime.combine(day, time(12), tzinfo=UTC)


def days_ago(n: int, today: date = TODAY) -> datetime:
    return at(today - timedelta(days=n))


def supported_release(product) -> Release:
    return next(r for r in product.releases if r.supported)


def certification(user, product, *, issued_on=None, expires_on=None, lapses_on=None, release=None):
    """A certification row for `user` on `product` (valid for a year from `issued_on`)."""
    issued_on = issued_on or TODAY - timedelta(days=30)
    row = Certification(
        code=new_code(),
        user_id=user.id,
        partner_id=user.partner_id,
        product_id=product.id,
        release_id=(release or supported_release(product)).id,
        issued_on=issued_on,
        expires_on=expires_on or issued_on + timedelta(days=365),
        lapses_on=lapses_on,
    )
    db.session.add(row)
    db.session.flush()
    return row


def environment(partner, product, *, release=None, attested=None, name=None, **kwargs):
    """A reproduction environment row (attested 10 days before TODAY unless told)."""
    release = release or supported_release(product)
    row = ReproductionEnvironment(
        partner_id=partner.id,
        product_id=product.id,
        release_id=release.id,
        name=name or f"Lab {next(_seq)}",
        operating_system="Debian 12",
        database="PostgreSQL 15",
        product_build=release.version,
        attested_at=attested or days_ago(10),
        **kwargs,
    )
    db.session.add(row)
    db.session.flush()
    return row
