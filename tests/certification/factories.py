"""Certification test objects, made through the real services so they hold what production
rows hold (codes, validity from the agreement, lapse dates, audit)."""

from datetime import date

from certification.certifications import issue_certification
from certification.models import Certification
from portal.extensions import db
from portal.models import Product, Release


def release_of(product: Product, version: str | None = None) -> Release:
    """`product`'s release `version` (its latest when None)."""
    releases = sorted(product.releases, key=lambda r: r.released_on)
    if version is None:
        return releases[-1]
    return next(r for r in releases if r.version == version)


def make_certification(user, release: Release, *, issued_on: date, **kwargs) -> Certification:
    """`user` certified on `release` as of `issued_on`, committed."""
    certification = issue_certification(user, release, today=issued_on, **kwargs)
    db.session.commit()
    return certification
