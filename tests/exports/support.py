"""Partners full of data with canaries planted, and helpers to build and open an archive.

`plant_data` gives each partner of the world one of everything an export holds (made
through the real services), writes canary strings into globex's data and into acme's
vendor-internal notes, and returns the canaries an acme archive must never contain: among
them acme's own rating links (nonce and signed token), which no archive holds.
"""

import io
import zipfile
from datetime import timedelta

from sqlalchemy import select

from escalations import services as escalation_services
from escalations.ratings.models import RatingRequest
from escalations.ratings.services import record_rating, token_for
from portal.audit import record_change
from portal.exports import services
from portal.exports.models import DataExport, DataExportArchive
from portal.extensions import db
from portal.management.checkins import ActionInput, CheckInInput, record_check_in
from portal.management.fee_reports import declare_fees, send_back_report, submit_report
from portal.management.fees import period_containing
from portal.models import Customer, Partner
from portal.models.base import utcnow
from portal.partners.agreements import AgreementTerms, propose_agreement, return_agreement
from tests.escalations.support import escalation_in
from tests.factories import make_customer, make_user
from tests.ratings.support import resolved

#: Seen in acme's archive: acme's own data.
ACME_VISIBLE = {
    "customer": "Acme Canary Customer",
    "comment": "ACME-VISIBLE-COMMENT partner can read this",
    "file": b"ACME-FILE-BYTES log line 1\nlog line 2\n",
    "check_in": "ACME-CHECKIN-NOTES",
    "fee_note": "ACME-FEE-NOTE please recount",
    "agreement_term": "ACME-AGREEMENT-TERM reproduce on a clean install",
    "agreement_return": "ACME-RETURN-COMMENTS fee too high",
    "rating": "ACME-RATING-COMMENT quick and clear",
}


def _returned_version(esc, slug: str, *, term: str, comments: str):
    """A second version proposed by the vendor (with `term` as the troubleshooting the
    partner does first), returned by the partner admin with `comments`."""
    partner = getattr(esc.world, slug)
    terms = AgreementTerms.from_agreement(partner.agreement_in_force)
    terms.troubleshooting_required = term
    version = propose_agreement(partner, terms, actor=esc.user("vendor_admin"))
    return_agreement(version, comments, actor=esc.user(f"{slug}_admin"))
    return version


def _rated_escalation(esc, slug: str, comment: str, now) -> RatingRequest:
    """An escalation resolved through the service (which issues the rating link), then rated
    by its customer through the link."""
    _, request = resolved(esc, slug, now=now)
    record_rating(token_for(request), 4, comment, now=now)
    db.session.commit()
    return request


def plant_data(esc) -> dict[str, str]:
    """Data for both partners; returns {what: canary} that acme's archive must not hold."""
    world = esc.world
    now = utcnow()
    today = now.date()
    engineer = esc.user("vendor_engineer")
    canaries = {}
    for slug in ("acme", "globex"):
        partner = getattr(world, slug)
        mark = "ACME" if slug == "acme" else "GLOBEX-CANARY"
        customer = make_customer(
            partner, ACME_VISIBLE["customer"] if slug == "acme" else f"{mark} customer"
        )
        customer.contact_email = f"{slug}-contact@customer.example"
        person = make_user("technician", partner, name=f"{mark} person")
        escalation = escalation_in(esc, "accepted", partner=slug, now=now)
        escalation.title = f"{mark} escalation title"
        comment = ACME_VISIBLE["comment"] if slug == "acme" else f"{mark} comment body"
        escalation_services.add_comment(escalation, engineer, comment, now=now)
        escalation_services.add_comment(
            escalation, engineer, f"{slug.upper()}-INTERNAL-CANARY note", internal=True, now=now
        )
        data = ACME_VISIBLE["file"] if slug == "acme" else b"GLOBEX-CANARY file bytes\n"
        escalation_services.add_attachment(
            escalation, esc.user(f"{slug}_tech"), f"{slug}.log", data, now=now
        )
        record_check_in(
            partner,
            CheckInInput(
                held_on=today - timedelta(days=1),
                channel="video",
                vendor_attendees="Max Manager",
                partner_attendees=f"{mark} attendee",
                notes=ACME_VISIBLE["check_in"] if slug == "acme" else f"{mark} check-in notes",
                actions=[ActionInput(f"{mark} action", "partner", "Ann", today + timedelta(7))],
            ),
            actor=esc.user("support_manager"),
            today=today,
        )
        start = period_containing(today, "quarter").start
        report = declare_fees(partner, start, "1000", actor=esc.user(f"{slug}_admin"), today=today)
        submit_report(report, actor=esc.user(f"{slug}_admin"))
        note = ACME_VISIBLE["fee_note"] if slug == "acme" else f"{mark} fee note"
        send_back_report(report, note, actor=esc.user("support_manager"))
        record_change(
            "partner.updated",
            partner,
            partner_id=partner.id,
            actor=esc.user("vendor_admin"),
            after={"region": f"{mark} region"},
            summary=f"{mark} audit summary",
        )
        esc.environments[slug].notes = f"{mark} lab notes"
        term = ACME_VISIBLE["agreement_term"] if slug == "acme" else f"{mark} agreement term"
        returned = ACME_VISIBLE["agreement_return"] if slug == "acme" else f"{mark} return note"
        _returned_version(esc, slug, term=term, comments=returned)
        rating = ACME_VISIBLE["rating"] if slug == "acme" else f"{mark} rating comment"
        rated = _rated_escalation(esc, slug, rating, now)
        # A link still open: its nonce must not be in any archive either.
        _, open_link = resolved(esc, slug, now=now)
        for request in (rated, open_link):
            canaries[f"{slug}_rating_nonce_{request.id}"] = request.nonce
            canaries[f"{slug}_rating_token_{request.id}"] = token_for(request)
        if slug == "globex":
            canaries.update(
                customer=customer.name,
                person=person.name,
                person_email=person.email,
                escalation=escalation.title,
                comment=comment,
                file=data.decode().strip(),
                check_in="GLOBEX-CANARY check-in notes",
                action="GLOBEX-CANARY action",
                fee_note=note,
                audit="GLOBEX-CANARY audit summary",
                lab="GLOBEX-CANARY lab notes",
                agreement_term=term,
                agreement_return=returned,
                rating=rating,
                partner_name=partner.name,
            )
    canaries["acme_internal_note"] = "ACME-INTERNAL-CANARY"
    canaries["globex_internal_note"] = "GLOBEX-INTERNAL-CANARY"
    # A vendor-only entry (no partner): on no partner's audit page.
    record_change(
        "product.updated",
        world.product,
        partner_id=None,
        actor=esc.user("vendor_admin"),
        summary="VENDOR-ONLY-CANARY product change",
    )
    canaries["vendor_only_audit"] = "VENDOR-ONLY-CANARY"
    for user in (*world.users.values(), person):
        if user.password_hash:
            canaries[f"password_hash_{user.id}"] = user.password_hash
    db.session.commit()
    return canaries


def request_and_build(admin, now=None) -> DataExport:
    """Ask for an export as `admin`, then let the worker's check build it."""
    now = now or utcnow()
    export = services.request_export(admin, now=now)
    db.session.commit()
    assert services.build_next_export(now) == 1
    db.session.expire_all()
    return db.session.get(DataExport, export.id)


def archive_files(export: DataExport) -> dict[str, bytes]:
    """Every file of `export`'s archive, uncompressed."""
    data = db.session.scalar(
        select(DataExportArchive.data).where(DataExportArchive.export_id == export.id)
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def leaks(files: dict[str, bytes], canaries: dict[str, str]) -> list[str]:
    """(canary name, file) for every canary found in any file's bytes."""
    found = []
    for name, data in files.items():
        for what, canary in canaries.items():
            if canary.encode() in data:
                found.append(f"{what} in {name}")
    return found


def partner_of(slug: str) -> Partner:
    return db.session.scalar(select(Partner).where(Partner.slug == slug))


def customer_named(name: str) -> Customer:
    return db.session.scalar(select(Customer).where(Customer.name == name))
