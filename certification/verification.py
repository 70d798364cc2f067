"""What anyone may learn about a certification from its code, and who may hold its certificate.

The public record (`public_record`) is what the verification page, the API and the PDF
show: the holder's name, partner, product, release, dates and status in words. It never
carries an e-mail address or a vendor admin's own words: a revocation is told by its
category (the holder left, was reassigned, or the vendor revoked it) and date.

The certificate itself (PDF, detail page) is for its holder, their partner's admin and the
vendor's staff (`holder_certification_or_404`); anyone else gets a 404, as for any object
they may not see.

Links printed or signed into a certificate start with `PUBLIC_BASE_URL`, never with the
address a request happened to use: a PDF or a credential outlives the request that made it.
"""

from dataclasses import dataclass
from datetime import date

from flask import abort, current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certification.codes import normalise_code
from certification.models import Certification
from certification.revocation import DEPARTURE_REASONS
from certification.status import ends_on, is_expiring_soon, status_of
from portal.access import current_principal, scoped
from portal.extensions import db
from portal.models.base import utcnow
from portal.roles import TECHNICIAN

STATUS_LABELS = {
    "valid": "Valid",
    "expired": "Expired",
    "lapsed": "Lapsed",
    "revoked": "Revoked",
}
_DEPARTURE_WORDS = {
    DEPARTURE_REASONS["left"]: "the holder left the partner",
    DEPARTURE_REASONS["reassigned"]: "the holder was reassigned",
}


def today() -> date:
    """Today in UTC: the date certification statuses are read at (tests replace it)."""
    return utcnow().date()


@dataclass(frozen=True)
class PublicRecord:
    code: str
    holder: str
    partner: str
    product: str
    product_slug: str
    release: str
    issued_on: date
    #: The first day it no longer counts, revocation aside (its validity end or lapse).
    expires_on: date
    status: str
    expiring_soon: bool
    revoked_on: date | None
    #: Why it was revoked, in public words; None unless revoked.
    revocation: str | None
    #: Replaced by a renewal (a later certification of the same holder and product).
    renewed: bool

    @property
    def status_label(self) -> str:
        if self.expiring_soon:
            return "Valid, expiring soon"
        return STATUS_LABELS[self.status]

    @property
    def achievement(self) -> str:
        """What the holder is, in words: `Orbit Server 4.2.0 Certified Technician`."""
        return f"{self.product} {self.release} Certified Technician"


def public_record(certification: Certification, day: date) -> PublicRecord:
    """The certification as the public may see it on `day`."""
    status = status_of(certification, day)
    revoked = status == "revoked"
    return PublicRecord(
        code=certification.code,
        holder=certification.user.name,
        partner=certification.partner.name,
        product=certification.product.name,
        product_slug=certification.product.slug,
        release=certification.release.version,
        issued_on=certification.issued_on,
        expires_on=ends_on(certification),
        status=status,
        expiring_soon=is_expiring_soon(certification, day),
        revoked_on=certification.revoked_at.date() if revoked else None,
        revocation=revocation_words(certification.revoked_reason) if revoked else None,
        renewed=certification.superseded_by_id is not None,
    )


def revocation_words(reason: str | None) -> str:
    """A revocation's public category: a vendor admin's own reason stays internal."""
    return _DEPARTURE_WORDS.get(reason or "", "withdrawn by the vendor")


def _with_parts():
    return (
        joinedload(Certification.user),
        joinedload(Certification.partner),
        joinedload(Certification.product),
        joinedload(Certification.release),
    )


def certification_by_code(code: str) -> Certification | None:
    """The certification a code names, typed in any case, with or without dashes."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return db.session.scalar(
        select(Certification).options(*_with_parts()).where(Certification.code == normalised)
    )


def certification_by_code_or_404(code: str) -> Certification:
    certification = certification_by_code(code)
    if certification is None:
        abort(404)
    return certification


def holder_certification_or_404(code: str, principal=None) -> Certification:
    """A certificate for its holder, their partner's admin or vendor staff; 404 otherwise.

    The tenant rule keeps other partners out; within the partner, a technician reaches only
    their own certificates.
    """
    principal = principal if principal is not None else current_principal()
    normalised = normalise_code(code)
    if normalised is None:
        abort(404)
    query = (
        scoped(Certification, principal)
        .options(*_with_parts())
        .where(Certification.code == normalised)
    )
    if principal.role == TECHNICIAN:
        query = query.where(Certification.user_id == principal.id)
    certification = db.session.scalar(query)
    if certification is None:
        abort(404)
    return certification


def public_url(endpoint: str, **values) -> str:
    """An absolute URL under `PUBLIC_BASE_URL`, built from the URL map (no request needed)."""
    path = current_app.url_map.bind("").build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def verify_url(code: str) -> str:
    return public_url("certification.verify", code=code)
