"""What an archive holds: every object of its partner, nothing of another, no internal note."""

import hashlib
import json
from pathlib import Path

from sqlalchemy import select

from certification.models import Certification, ReproductionEnvironment
from escalations.models import Attachment, Comment, Escalation
from escalations.ratings.models import RatingRequest
from portal.exports import services
from portal.extensions import db
from portal.models import Agreement, AuditEntry, CheckIn, Customer, FeeReport, User
from portal.partners.agreements import TERM_FIELDS
from tests.exports.support import ACME_VISIBLE, archive_files, leaks, request_and_build


def _ids(model, partner_id, *criteria) -> set[int]:
    column = model.partner_id
    return set(db.session.scalars(select(model.id).where(column == partner_id, *criteria)))


def _json(files, name):
    return json.loads(files[name])


def test_acme_archive_holds_nothing_of_globex_and_no_internal_note(esc, canaries):
    export = request_and_build(esc.user("acme_admin"))
    assert export.status == "ready"
    files = archive_files(export)
    assert leaks(files, canaries) == []
    # The scan is real: globex's own archive holds its canaries.
    globex = archive_files(request_and_build(esc.user("globex_admin")))
    found = leaks(globex, canaries)
    assert "comment in escalations.json" in found
    assert any(f.startswith("file in attachments/") for f in found)
    assert "agreement_term in agreements.json" in found
    assert "rating in ratings.json" in found
    assert "globex_internal_note" not in " ".join(found)
    assert "_rating_nonce_" not in " ".join(found)
    assert "_rating_token_" not in " ".join(found)


def test_acme_archive_holds_every_object_of_acme(esc, canaries):
    acme = esc.world.acme
    files = archive_files(request_and_build(esc.user("acme_admin")))
    assert set(files) >= {
        "README.md",
        "manifest.json",
        "partner.json",
        "customers.json",
        "people.json",
        "certifications.json",
        "environments.json",
        "escalations.json",
        "fee_reports.json",
        "check_ins.json",
        "agreements.json",
        "ratings.json",
        "audit_log.json",
    }
    assert _json(files, "partner.json")["slug"] == "acme"
    got = lambda name: {r["id"] for r in _json(files, name)}  # noqa: E731
    assert got("customers.json") == _ids(Customer, acme.id)
    assert got("people.json") == _ids(User, acme.id)
    assert got("certifications.json") == _ids(Certification, acme.id)
    assert got("environments.json") == _ids(ReproductionEnvironment, acme.id)
    assert got("escalations.json") == _ids(Escalation, acme.id)
    assert got("fee_reports.json") == _ids(FeeReport, acme.id)
    assert got("check_ins.json") == _ids(CheckIn, acme.id)
    # Every version offered: the one in force and the one returned.
    assert got("agreements.json") == _ids(Agreement, acme.id)
    assert len(got("agreements.json")) >= 2
    # Every rating given; the link still open is no rating.
    assert got("ratings.json") == _ids(RatingRequest, acme.id, RatingRequest.rated_at.is_not(None))
    assert _ids(RatingRequest, acme.id) - got("ratings.json")
    # Every entry up to the build (the entry saying the archive is ready comes after).
    assert got("audit_log.json") == _ids(
        AuditEntry, acme.id, AuditEntry.action != "data_export.ready"
    )
    assert "data_export.requested" in {e["action"] for e in _json(files, "audit_log.json")}
    text = b"\n".join(files.values())
    for value in ACME_VISIBLE.values():
        assert (value if isinstance(value, bytes) else value.encode()) in text


def test_escalations_keep_their_partner_visible_timeline_comments_and_files(esc, canaries):
    acme = esc.world.acme
    files = archive_files(request_and_build(esc.user("acme_admin")))
    escalations = _json(files, "escalations.json")
    comment_ids = {c["id"] for e in escalations for c in e["comments"]}
    visible = select(Comment.id).join(Escalation).where(Escalation.partner_id == acme.id)
    assert comment_ids == set(db.session.scalars(visible.where(Comment.internal.is_(False))))
    internal = set(db.session.scalars(visible.where(Comment.internal.is_(True))))
    assert internal  # there is an internal note to leave out
    timeline = [line for e in escalations for line in e["timeline"]]
    assert {"transition", "comment", "attachment"} <= {t["kind"] for t in timeline}
    assert not internal & {t["comment_id"] for t in timeline}
    attachments = db.session.scalars(
        select(Attachment).join(Escalation).where(Escalation.partner_id == acme.id)
    ).all()
    listed = {a["id"]: a for e in escalations for a in e["attachments"]}
    assert set(listed) == {a.id for a in attachments}
    for attachment in attachments:
        data = files[listed[attachment.id]["path"]]
        assert (
            hashlib.sha256(data).hexdigest() == attachment.sha256 == listed[attachment.id]["sha256"]
        )


def test_people_carry_no_password_hash_nor_token(esc, canaries):
    files = archive_files(request_and_build(esc.user("acme_admin")))
    for person in _json(files, "people.json"):
        assert set(person) == {
            "id",
            "name",
            "email",
            "role",
            "status",
            "created_at",
            "last_login_at",
        }
    assert b"password" not in files["people.json"].lower()


def test_readme_and_manifest_state_the_format_version(esc, canaries):
    export = request_and_build(esc.user("acme_admin"))
    files = archive_files(export)
    manifest = _json(files, "manifest.json")
    assert manifest["format_version"] == services.FORMAT_VERSION
    assert manifest["export_id"] == export.id
    assert manifest["counts"]["attachments/"] == 1
    assert manifest["counts"]["agreements.json"] == 2  # in force, and one returned
    assert manifest["counts"]["ratings.json"] == 1
    readme = files["README.md"].decode()
    assert f"version {services.FORMAT_VERSION}" in readme
    docs = (Path(__file__).parents[2] / "docs" / "data-export.md").read_text()
    assert f"version **{services.FORMAT_VERSION}**" in docs
    # Every file of the archive is described, in the README and in the docs.
    for name in manifest["counts"]:
        assert f"`{name}" in readme
        assert f"`{name}" in docs
    assert "| `agreements.json` |" in readme and "| `ratings.json` |" in readme


def test_money_is_exact_text(esc, canaries):
    files = archive_files(request_and_build(esc.user("acme_admin")))
    report = _json(files, "fee_reports.json")[0]
    assert report["declared_fees"] == "1000.00"
    assert report["decision_note"] == ACME_VISIBLE["fee_note"]


def test_agreements_hold_every_version_with_the_terms_the_partner_reads(esc, canaries):
    acme = esc.world.acme
    files = archive_files(request_and_build(esc.user("acme_admin")))
    versions = {a["version"]: a for a in _json(files, "agreements.json")}
    in_force = acme.agreement_in_force
    returned = db.session.scalar(
        select(Agreement).where(Agreement.partner_id == acme.id, Agreement.status == "returned")
    )
    assert versions[in_force.version]["status"] == "in_force"
    record = versions[returned.version]
    assert record["status"] == "returned"
    assert record["partner_comments"] == ACME_VISIBLE["agreement_return"]
    assert record["proposed_by"] == esc.user("vendor_admin").name
    assert record["decided_by"] == esc.user("acme_admin").name
    assert set(record["terms"]) == set(TERM_FIELDS)
    assert record["terms"]["troubleshooting_required"] == ACME_VISIBLE["agreement_term"]
    assert record["sla_targets"] == [
        {
            "severity": t.severity,
            "first_response_minutes": t.first_response_minutes,
            "resolution_minutes": t.resolution_minutes,
        }
        for t in returned.sla_targets
    ]
    assert record["product_minimums"] == [
        {"product": m.product.name, "minimum": m.minimum} for m in returned.product_minimums
    ]
    assert record["terms"]["fee_model"] == returned.fee_model
    for money in ("fee_percentage", "fixed_fee", "out_of_hours_extra_cost"):
        value = getattr(returned, money)  # exact text, as on the page; never a float
        assert record["terms"][money] == (None if value is None else str(value))


def test_ratings_hold_score_comment_and_dates_but_never_the_link(esc, canaries):
    acme = esc.world.acme
    files = archive_files(request_and_build(esc.user("acme_admin")))
    (rating,) = _json(files, "ratings.json")
    stored = db.session.get(RatingRequest, rating["id"])
    assert stored.partner_id == acme.id
    assert set(rating) == {"id", "escalation_id", "score", "comment", "issued_at", "rated_at"}
    assert rating["escalation_id"] == stored.escalation_id
    assert rating["escalation_id"] in {e["id"] for e in _json(files, "escalations.json")}
    assert (rating["score"], rating["comment"]) == (4, ACME_VISIBLE["rating"])
    assert rating["rated_at"] == stored.rated_at.isoformat()
    text = b"\n".join(files.values())
    for request in db.session.scalars(select(RatingRequest)):
        assert request.nonce.encode() not in text
