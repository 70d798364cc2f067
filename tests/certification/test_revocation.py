"""Revocation: when the holder leaves or is reassigned, and by a vendor admin with a reason."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from certification.models import Certification, ComplianceState
from certification.revocation import revoke_certification, revoke_on_departure
from certification.status import status_of
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage
from portal.models.base import utcnow
from portal.users.services import set_status
from tests.certification.compliance_support import environment
from tests.certification.lifecycle_support import certify
from tests.factories import make_user, signed_in

PRINCIPALS_WHO_MAY_REVOKE = {
    "vendor_admin": True,
    "support_manager": False,
    "vendor_engineer": False,
    "acme_admin": False,
    "acme_tech": False,
    "globex_admin": False,
    "globex_tech": False,
}


def today() -> date:
    return utcnow().date()


@pytest.fixture
def certified(world):
    """acme's technician certified today on the product acme must support, with a lab:
    acme is compliant."""
    from certification.compliance import refresh_partner

    certification = certify(world.user("acme_tech"), world.product, "4.0.0", today())
    environment(
        world.acme,
        world.product,
        attested=datetime.combine(today(), time(9), tzinfo=UTC),
    )
    refresh_partner(world.acme, today=today())
    db.session.commit()
    assert _compliant(world) is True
    return certification


def _compliant(world) -> bool | None:
    return db.session.scalar(
        select(ComplianceState.compliant).where(
            ComplianceState.partner_id == world.acme.id,
            ComplianceState.product_id == world.product.id,
        )
    )


def _notices(world) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.subject.like(f"{world.acme.name}: out of compliance%"))
    )


@pytest.mark.parametrize(
    ("status", "reason"), [("left", "left the partner"), ("reassigned", "reassigned")]
)
def test_a_holder_leaving_or_reassigned_loses_the_certification_and_compliance_flips_once(
    world, certified, status, reason
):
    admin = world.user("acme_admin")
    notices_before = _notices(world)
    set_status(world.user("acme_tech"), status, actor=admin)
    db.session.commit()
    db.session.expire_all()
    assert certified.revoked_reason == reason
    assert certified.revoked_by_id == admin.id
    assert status_of(certified, today()) == "revoked"
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "certification.revoked", AuditEntry.object_id == certified.id
        )
    )
    assert entry.actor_id == admin.id and entry.partner_id == world.acme.id
    assert _compliant(world) is False
    assert _notices(world) == notices_before + 1
    # Another departure-like change notices nothing new and sends nothing again.
    set_status(world.user("acme_tech"), "left" if status == "reassigned" else "reassigned")
    db.session.commit()
    assert _notices(world) == notices_before + 1


def test_coming_back_restores_nothing(world, certified):
    tech = world.user("acme_tech")
    set_status(tech, "left", actor=world.user("acme_admin"))
    set_status(tech, "active", actor=world.user("acme_admin"))
    db.session.commit()
    db.session.expire_all()
    assert status_of(certified, today()) == "revoked"
    assert _compliant(world) is False


def test_departure_leaves_ended_certifications_as_they_were(world):
    tech = world.user("acme_tech")
    old = certify(tech, world.product, "4.0.0", date(2024, 1, 1))  # expired in 2025
    revoked = revoke_on_departure(tech, "left", today=date(2026, 6, 1))
    assert revoked == []
    assert old.revoked_at is None
    assert status_of(old, date(2026, 6, 1)) == "expired"


def test_departure_revokes_only_that_holders_certifications(world, certified):
    colleague = make_user("technician", world.acme)
    theirs = certify(colleague, world.product, "4.0.0", today())
    set_status(world.user("acme_tech"), "left", actor=world.user("acme_admin"))
    assert theirs.revoked_at is None
    assert _compliant(world) is True


def test_a_vendor_admin_revokes_with_a_reason_audited_and_compliance_follows(world, certified):
    admin = world.user("vendor_admin")
    revoke_certification(certified, "  Shared the quiz answers  ", actor=admin, today=today())
    db.session.commit()
    assert certified.revoked_reason == "Shared the quiz answers"
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "certification.revoked")
    )
    assert entry.actor_id == admin.id
    assert entry.after["revoked_reason"] == "Shared the quiz answers"
    assert _compliant(world) is False


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 301])
def test_a_revocation_needs_a_short_reason_and_changes_nothing_without_one(
    world, certified, reason
):
    with pytest.raises(DomainError) as refused:
        revoke_certification(certified, reason, actor=world.user("vendor_admin"), today=today())
    assert "reason" in refused.value.fields
    assert certified.revoked_at is None


def test_revoking_twice_is_a_conflict(world, certified):
    admin = world.user("vendor_admin")
    revoke_certification(certified, "First", actor=admin, today=today())
    with pytest.raises(DomainError) as refused:
        revoke_certification(certified, "Second", actor=admin, today=today())
    assert refused.value.status == 409
    assert certified.revoked_reason == "First"


# --- The page: who may revoke, confirmation, reason ------------------------------------


def _post(client, code: str, data: dict):
    page = client.get(f"/certifications/{code}/history")
    token = None
    if page.status_code == 200:
        import re

        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
        token = found.group(1) if found else None
    if token is None:
        token = _any_token(client)
    return client.post(f"/certifications/{code}/revoke", data={"csrf_token": token, **data})


def _any_token(client) -> str:
    import re

    html = client.get("/profile").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(("principal", "allowed"), PRINCIPALS_WHO_MAY_REVOKE.items())
def test_who_may_revoke_on_the_page(app, world, certified, principal, allowed):
    client = signed_in(app, world.user(principal))
    response = _post(client, certified.code, {"reason": "Policy breach", "confirmed": "yes"})
    db.session.expire_all()
    if allowed:
        assert response.status_code == 302
        assert certified.revoked_reason == "Policy breach"
    else:
        assert response.status_code == 403
        assert certified.revoked_at is None


def test_the_page_asks_to_confirm_before_revoking(app, world, certified):
    client = signed_in(app, world.user("vendor_admin"))
    asked = _post(client, certified.code, {"reason": "Policy breach"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "cannot be undone" in page and 'name="reason" value="Policy breach"' in page
    db.session.expire_all()
    assert certified.revoked_at is None
    history = client.get(f"/certifications/{certified.code}/history").get_data(as_text=True)
    assert "data-confirm-question=" in history


def test_the_page_refuses_a_revocation_without_a_reason(app, world, certified):
    client = signed_in(app, world.user("vendor_admin"))
    response = _post(client, certified.code, {"reason": "  ", "confirmed": "yes"})
    assert response.status_code == 400
    assert "Say why the certification is revoked." in response.get_data(as_text=True)
    db.session.expire_all()
    assert certified.revoked_at is None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "certification.revoked")
        )
        == 0
    )


def test_revoking_an_unknown_code_is_a_404(app, world, certified):
    client = signed_in(app, world.user("vendor_admin"))
    token = _any_token(client)
    for code in ("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "nonsense", "x" * 300):
        response = client.post(
            f"/certifications/{code}/revoke",
            data={"csrf_token": token, "reason": "r", "confirmed": "yes"},
        )
        assert response.status_code == 404
    assert db.session.scalar(select(Certification.revoked_at)) is None
