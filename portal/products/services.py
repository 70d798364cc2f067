"""Products and releases (vendor admin)."""

import re
from datetime import date

from sqlalchemy import select

from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Product, Release
from portal.signals import major_release_published, release_saved

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-+]{0,39}$")
RELEASE_FIELDS = ("version", "released_on", "major", "supported")


def save_product(
    name: str, slug: str, description: str = "", product: Product | None = None, *, actor=None
) -> Product:
    name, description = (name or "").strip(), (description or "").strip()
    fields = {}
    if not name:
        fields["name"] = "A name is required."
    if not SLUG_RE.match(slug or ""):
        fields["slug"] = "Lower-case letters, digits and single hyphens only."
    for column, value in (("name", name), ("slug", slug)):
        clash = db.session.scalar(select(Product).where(getattr(Product, column) == value))
        if clash is not None and clash is not product:
            fields.setdefault(column, f"Another product already has this {column}.")
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)
    before = snapshot(product, ("name", "slug", "description")) if product else None
    if product is None:
        product = Product()
        db.session.add(product)
    product.name, product.slug, product.description = name, slug, description
    db.session.flush()
    after = snapshot(product, ("name", "slug", "description"))
    if before != after:
        record_change(
            "product.created" if before is None else "product.updated",
            product,
            partner_id=None,
            actor=actor,
            before=before,
            after=after,
            summary=f"Product {product.name}",
        )
    return product


def save_release(
    product: Product,
    version: str,
    released_on: date,
    *,
    major: bool,
    supported: bool,
    release: Release | None = None,
    actor=None,
) -> Release:
    version = (version or "").strip()
    fields = {}
    if not VERSION_RE.match(version):
        fields["version"] = "A version such as 4.2.0."
    if released_on is None:
        fields["released_on"] = "A release date is required."
    clash = db.session.scalar(
        select(Release).where(Release.product_id == product.id, Release.version == version)
    )
    if clash is not None and clash is not release:
        fields["version"] = f"{product.name} already has a release {version}."
    if fields:
        raise DomainError("validation_error", "Some fields are not valid.", fields=fields)
    before = snapshot(release, RELEASE_FIELDS) if release else None
    if release is None:
        release = Release(product=product)
        db.session.add(release)
    release.version, release.released_on = version, released_on
    release.major, release.supported = major, supported
    db.session.flush()
    after = snapshot(release, RELEASE_FIELDS)
    if before != after:
        record_change(
            "release.created" if before is None else "release.updated",
            release,
            partner_id=None,
            actor=actor,
            before=before,
            after=after,
            summary=f"{product.name} {release.version}",
        )
    if before != after:
        release_saved.send(release, before=before, actor=actor)
    if release.major and not (before and before["major"]):
        major_release_published.send(release, actor=actor)
    return release
