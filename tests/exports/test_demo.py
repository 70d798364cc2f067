"""The export of a demo partner: every object of acme, nothing of globex, no internal note.

The demo's own data, with canaries planted in globex's names, comments and files and in
acme's vendor-internal notes; every file of the archive is scanned, unzipped.
"""

import json

import pytest
from sqlalchemy import select

from certification.models import Certification, ReproductionEnvironment
from escalations import services as escalation_services
from escalations.models import Attachment, Comment, Escalation
from escalations.ratings.models import RatingRequest
from portal.demo import demo_partner, seed_demo
from portal.extensions import db
from portal.models import Agreement, AuditEntry, CheckIn, Customer, FeeReport, User
from portal.models.base import utcnow
from tests.exports.support import archive_files, leaks, request_and_build
from tests.support import SQLITE_PASS_ONLY

# The demo's content is the same on either database (the services' tests run on both).
pytestmark = SQLITE_PASS_ONLY


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _first_escalation(partner, *criteria) -> Escalation:
    return db.session.scalar(
        select(Escalation)
        .where(Escalation.partner_id == partner.id, *criteria)
        .order_by(Escalation.id)
    )


@pytest.fixture
def demo():
    seed_demo()
    acme, globex = demo_partner("acme"), demo_partner("globex")
    engineer = _user("engineer@vendor.example")
    now = utcnow()
    open_ = Escalation.status.notin_(("draft", "closed", "withdrawn"))
    globex_case = _first_escalation(globex, open_)
    acme_case = _first_escalation(acme, open_)
    escalation_services.add_comment(globex_case, engineer, "GLOBEX-CANARY comment", now=now)
    escalation_services.add_attachment(
        globex_case, _user("tech@globex.example"), "g.log", b"GLOBEX-CANARY bytes\n", now=now
    )
    escalation_services.add_comment(
        acme_case, engineer, "ACME-INTERNAL-CANARY note", internal=True, now=now
    )
    db.session.scalar(
        select(Customer).where(Customer.partner_id == globex.id)
    ).name = "GLOBEX-CANARY customer"
    _user("tech@globex.example").name = "GLOBEX-CANARY technician"
    # The demo's agreements share their wording; globex's versions get words of their own.
    for agreement in db.session.scalars(select(Agreement).where(Agreement.partner_id == globex.id)):
        agreement.troubleshooting_required = f"GLOBEX-CANARY term of version {agreement.version}"
    db.session.commit()
    return acme, globex


def _canaries(globex) -> dict[str, str]:
    canaries = {
        "comment": "GLOBEX-CANARY",
        "internal note": "ACME-INTERNAL-CANARY",
        "globex name": globex.name,
    }
    for user in db.session.scalars(select(User).where(User.partner_id == globex.id)):
        canaries[f"globex user {user.id}"] = user.email
    for customer in db.session.scalars(select(Customer).where(Customer.partner_id == globex.id)):
        canaries[f"globex customer {customer.id}"] = customer.name
    internal = db.session.scalars(select(Comment).where(Comment.internal.is_(True)))
    for note in internal:
        canaries[f"internal note {note.id}"] = note.body
    for user in db.session.scalars(select(User).where(User.password_hash.is_not(None))):
        canaries[f"password hash {user.id}"] = user.password_hash
    agreements = db.session.scalars(select(Agreement).where(Agreement.partner_id == globex.id))
    for agreement in agreements:
        canaries[f"globex agreement term {agreement.id}"] = agreement.troubleshooting_required
    for rating in db.session.scalars(select(RatingRequest)):
        canaries[f"rating link {rating.id}"] = rating.nonce
        if rating.partner_id == globex.id and rating.comment:
            canaries[f"globex rating comment {rating.id}"] = rating.comment
    return canaries


def _ids(model, partner_id, *criteria):
    return set(
        db.session.scalars(select(model.id).where(model.partner_id == partner_id, *criteria))
    )


def test_the_demo_partners_export_holds_all_of_it_and_nothing_of_the_other(demo):
    acme, globex = demo
    canaries = _canaries(globex)
    assert len([k for k in canaries if k.startswith("internal note ")]) >= 2
    assert any(k.startswith("globex agreement term ") for k in canaries)
    assert any(k.startswith("globex rating comment ") for k in canaries)
    export = request_and_build(_user("admin@acme.example"))
    files = archive_files(export)
    assert leaks(files, canaries) == []

    def ids(name):
        return {record["id"] for record in json.loads(files[name])}

    assert ids("customers.json") == _ids(Customer, acme.id)
    assert ids("people.json") == _ids(User, acme.id)
    assert ids("certifications.json") == _ids(Certification, acme.id)
    assert ids("environments.json") == _ids(ReproductionEnvironment, acme.id)
    assert ids("escalations.json") == _ids(Escalation, acme.id)
    assert ids("fee_reports.json") == _ids(FeeReport, acme.id)
    assert ids("check_ins.json") == _ids(CheckIn, acme.id)
    assert ids("agreements.json") == _ids(Agreement, acme.id)
    assert ids("ratings.json") == _ids(RatingRequest, acme.id, RatingRequest.rated_at.is_not(None))
    assert ids("audit_log.json") == _ids(
        AuditEntry, acme.id, AuditEntry.action != "data_export.ready"
    )
    acme_files = db.session.scalars(
        select(Attachment.id).join(Escalation).where(Escalation.partner_id == acme.id)
    ).all()
    archived = [name for name in files if name.startswith("attachments/")]
    assert len(archived) == len(acme_files) > 0
    assert all(ids(name) for name in ("customers.json", "escalations.json", "check_ins.json"))
    assert ids("fee_reports.json") and ids("certifications.json")
    assert ids("agreements.json") and ids("ratings.json")
