"""Helpers for the certification lifecycle tests: products with dated releases, and
certifications issued through the real service."""

from datetime import date
from itertools import count

from certification.certifications import issue_certification
from portal.extensions import db
from portal.models import Product, Release
from portal.products.services import save_release

_seq = count(1)


def product_with_releases(*releases: tuple[str, date, bool], name: str | None = None) -> Product:
    """A product whose releases are (version, released_on, major)."""
    n = next(_seq)
    product = Product(slug=f"lifecycle-{n}", name=name or f"Lifecycle Product {n}")
    db.session.add(product)
    db.session.flush()
    for version, released_on, major in releases:
        save_release(product, version, released_on, major=major, supported=True)
    db.session.flush()
    return product


def release_of(product: Product, version: str) -> Release:
    return next(r for r in product.releases if r.version == version)


def certify(user, product: Product, version: str, today: date, **kwargs):
    return issue_certification(user, release_of(product, version), today=today, **kwargs)
