"""Escalation quality feeds the premier tier: a compliant partner with at least 10
escalations over the last 365 days, of which a share strictly below the vendor admin's
threshold was rejected as unwarranted, is premier; the worker moves the tier as quality
changes, the admin's change moves it at once; every change is audited."""

import os
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from certification.compliance import refresh_partner
from escalations import quality as quality_module
from escalations.models import Escalation
from escalations.quality import premier_partners, quality_by_partner
from escalations.workflow import apply_transition
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from portal.models.base import utcnow
from portal.partners.compliance import compute_tier
from portal.partners.premier import (
    DEFAULT_THRESHOLD,
    MINIMUM_ESCALATIONS,
    premier_threshold,
    set_premier_threshold,
)
from portal.periodic import registered, run_checks
from tests.factories import PRINCIPALS, signed_in
from tests.support import row_counts

NOW = utcnow()


def escalations_of(esc, partner: str, count: int, *, rejected: int = 0, days_ago: float = 1):
    """`count` escalations of `partner` submitted `days_ago`, the first `rejected` rejected.

    Written as rows (the gate and the workflow have their own tests): only what the quality
    counts matters here."""
    world = esc.world
    technician = esc.user(f"{partner}_tech")
    submitted_at = NOW - timedelta(days=days_ago)
    for number in range(count):
        db.session.add(
            Escalation(
                partner_id=technician.partner_id,
                customer_id=getattr(world, f"{partner}_customer").id,
                product_id=world.product.id,
                release_id=esc.release.id,
                environment_id=esc.environments[partner].id,
                submitter_id=technician.id,
                drafted_by_id=technician.id,
                title=f"Case {number}",
                severity="S3",
                status="rejected" if number < rejected else "submitted",
                rejection_reason="duplicate" if number < rejected else None,
                submitted_at=submitted_at,
            )
        )
    db.session.commit()


def tier_changes(partner) -> list[tuple[str, str, str]]:
    return [
        (entry.before["tier"], entry.after["tier"], entry.actor_label)
        for entry in db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "partner.tier_changed", AuditEntry.partner_id == partner.id)
            .order_by(AuditEntry.id)
        )
    ]


def poll() -> int:
    return run_checks(NOW)["escalations.refresh_premier_tiers"]


@pytest.fixture
def certified(esc):
    """Both partners compliant (a certified technician and a current lab each): certified."""
    for partner in (esc.world.acme, esc.world.globex):
        refresh_partner(partner)
    db.session.commit()
    assert (esc.world.acme.tier, esc.world.globex.tier) == ("certified", "certified")
    return esc


def test_the_check_and_the_provider_are_registered(app):
    assert "escalations.refresh_premier_tiers" in registered()
    assert MINIMUM_ESCALATIONS == 10 and Decimal("10.00") == DEFAULT_THRESHOLD


# (submitted, rejected, threshold %) -> premier quality. Strictly below the threshold, and
# at least 10 escalations: fewer say too little to judge.
QUALITY_TABLE = [
    (10, 0, "10", True),
    (10, 1, "10", False),  # exactly 10 %: not below
    (11, 1, "10", True),  # 9.09 %
    (20, 1, "10", True),  # 5 %
    (10, 1, "10.01", True),
    (9, 0, "10", False),  # too few to judge
    (0, 0, "10", False),
    (10, 0, "0", False),  # nothing is below 0 %
    (10, 9, "100", True),
    (10, 10, "100", False),
]


@pytest.mark.parametrize(("submitted", "rejected", "threshold", "premier"), QUALITY_TABLE)
def test_premier_quality_at_the_boundaries(esc, submitted, rejected, threshold, premier):
    set_premier_threshold(threshold, actor=esc.user("vendor_admin"))
    escalations_of(esc, "acme", submitted, rejected=rejected)
    acme = esc.world.acme.id
    assert (acme in premier_partners([acme])) is premier


def test_the_window_is_the_last_365_days(esc):
    escalations_of(esc, "acme", 10)
    escalations_of(esc, "acme", 5, rejected=5, days_ago=365.01)
    escalations_of(esc, "globex", 10)
    escalations_of(esc, "globex", 5, rejected=5, days_ago=364.9)
    acme, globex = esc.world.acme.id, esc.world.globex.id
    quality = quality_by_partner([acme, globex])
    assert (quality[acme].submitted, quality[acme].rejected) == (10, 0)
    assert (quality[globex].submitted, quality[globex].rejected) == (15, 5)
    assert quality[globex].unwarranted_percent == Decimal("33.33")
    assert premier_partners([acme, globex]) == {acme}


def test_drafts_are_not_counted_and_withdrawn_ones_are(esc):
    escalations_of(esc, "acme", 9)
    tech = esc.user("acme_tech")
    db.session.add(Escalation(partner_id=tech.partner_id, drafted_by_id=tech.id, title="Draft"))
    db.session.commit()
    assert quality_by_partner([esc.world.acme.id])[esc.world.acme.id].submitted == 9
    escalations_of(esc, "acme", 1)
    withdrawn = db.session.scalars(select(Escalation).where(Escalation.title == "Case 0")).first()
    apply_transition(withdrawn, tech, "withdraw")
    db.session.commit()
    assert quality_by_partner([esc.world.acme.id])[esc.world.acme.id].submitted == 10


def test_the_worker_moves_the_tier_with_quality_and_audits_each_change_once(certified):
    acme = certified.world.acme
    escalations_of(certified, "acme", 10)
    assert poll() == 1
    assert poll() == 0
    assert acme.tier == "premier"

    # The vendor rejects one of them as unwarranted: 10 % is not below 10 %.
    case = db.session.scalars(select(Escalation).where(Escalation.partner_id == acme.id)).first()
    apply_transition(case, certified.user("vendor_engineer"), "reject", reason="customization")
    db.session.commit()
    assert poll() == 1
    assert poll() == 0
    db.session.refresh(acme)
    assert acme.tier == "certified"
    assert tier_changes(acme)[-2:] == [
        ("certified", "premier", "system"),
        ("premier", "certified", "system"),
    ]
    assert certified.world.globex.tier == "certified"  # no escalations: not premier


def test_quality_alone_does_not_make_a_partner_premier(certified):
    acme = certified.world.acme
    escalations_of(certified, "acme", 10)  # perfect quality
    for key in ("acme_tech", "acme_colleague"):
        certified.user(key).status = "left"  # no certified technician any more
    refresh_partner(acme)
    db.session.commit()
    assert acme.tier == "registered"
    assert poll() == 0
    assert acme.tier == "registered" and compute_tier(acme) == "registered"


def test_the_admins_threshold_moves_the_tiers_at_once(certified):
    acme, admin = certified.world.acme, certified.user("vendor_admin")
    escalations_of(certified, "acme", 10, rejected=1)  # 10 %
    assert compute_tier(acme) == "certified"

    assert set_premier_threshold("15", actor=admin) is True
    db.session.commit()
    assert acme.tier == "premier"
    assert set_premier_threshold("15.00", actor=admin) is False
    set_premier_threshold("10", actor=admin)
    db.session.commit()
    assert acme.tier == "certified"
    assert tier_changes(acme)[1:] == [
        ("certified", "premier", "admin@vendor.example"),
        ("premier", "certified", "admin@vendor.example"),
    ]
    changes = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "premier_requirement.changed")
    ).all()
    assert [(e.before, e.after) for e in changes] == [
        ({"unwarranted_below_percent": "10.00"}, {"unwarranted_below_percent": "15.00"}),
        ({"unwarranted_below_percent": "15.00"}, {"unwarranted_below_percent": "10.00"}),
    ]


@pytest.mark.parametrize("value", ["-1", "100.01", "12.345", "abc", "", "  ", "NaN", "Infinity"])
def test_a_bad_threshold_is_refused_and_nothing_changes(esc, value):
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        set_premier_threshold(value, actor=esc.user("vendor_admin"))
    assert set(refused.value.fields) == {"threshold"}
    db.session.rollback()
    assert row_counts() == before
    assert premier_threshold() == DEFAULT_THRESHOLD


@pytest.mark.parametrize("value", ["0", "100", "99.99", "7.5", "12,5"])
def test_the_threshold_is_0_to_100_with_two_decimals(esc, value):
    set_premier_threshold(value, actor=esc.user("vendor_admin"))
    db.session.commit()
    assert premier_threshold() == Decimal(value.replace(",", "."))


# --- The vendor admin's page ----------------------------------------------------------------

#: Who may set the threshold (written from DESIGN.md: the vendor admin sets the tiers' terms).
MAY_SET_THRESHOLD = {
    "anonymous": False,
    "vendor_admin": True,
    "support_manager": False,
    "vendor_engineer": False,
    "acme_admin": False,
    "acme_tech": False,
    "globex_admin": False,
    "globex_tech": False,
}


def _token(client) -> str:
    html = client.get("/admin/tier-discounts").get_data(as_text=True)
    found = re.search(r'name="quality-csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else ""


def test_the_truth_table_names_every_principal():
    assert set(MAY_SET_THRESHOLD) == set(PRINCIPALS)


@pytest.mark.parametrize(("principal", "allowed"), MAY_SET_THRESHOLD.items())
def test_only_the_vendor_admin_sets_the_threshold(app, world, monkeypatch, principal, allowed):
    client = (
        app.test_client() if principal == "anonymous" else signed_in(app, world.user(principal))
    )
    # Only the role decides here (CSRF has its own tests): no token is needed.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    response = client.post(
        "/admin/tier-discounts",
        data={"quality-threshold": "20", "quality-save": "1"},
    )
    if allowed:
        assert response.status_code == 302
    elif principal == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    db.session.expire_all()
    assert premier_threshold() == (Decimal("20.00") if allowed else DEFAULT_THRESHOLD)


def test_the_page_shows_the_threshold_and_its_errors_and_saves_nothing_bad(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    html = client.get("/admin/tier-discounts").get_data(as_text=True)
    assert 'id="quality-threshold"' in html and 'value="10.00"' in html
    assert "at least 10 escalations" in html
    before = row_counts()
    response = client.post(
        "/admin/tier-discounts",
        data={
            "quality-csrf_token": _token(client),
            "quality-threshold": "150",
            "quality-save": "1",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "From 0 to 100." in html
    # The discounts' fields keep their values beside the threshold's error.
    assert re.search(r'id="premier"[^>]*value="0.00"|value="0.00"[^>]*id="premier"', html)
    assert row_counts() == before


def test_saving_discounts_leaves_the_threshold_alone(app, world):
    client = signed_in(app, world.user("vendor_admin"))
    html = client.get("/admin/tier-discounts").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        "/admin/tier-discounts",
        data={"csrf_token": token, "registered": "0", "certified": "5", "premier": "10"},
    )
    assert response.status_code == 302
    assert premier_threshold() == DEFAULT_THRESHOLD


@pytest.mark.skipif(
    "postgresql" not in os.environ.get("TEST_DATABASE_URL", ""),
    reason="several workers run against PostgreSQL (the embedded SQLite serves one)",
)
def test_two_workers_at_once_move_a_tier_once(app, certified):
    """Both find the partner to move before either locks it."""
    acme = certified.world.acme
    escalations_of(certified, "acme", 10)
    both_found = threading.Barrier(2, timeout=20)
    real_premier_partners = quality_module.premier_partners

    def premier_partners_then_wait(partner_ids, now=None):
        found = real_premier_partners(partner_ids, now)
        both_found.wait()
        return found

    done, errors = [], []

    def worker():
        try:
            with app.app_context():
                done.append(run_checks(NOW)["escalations.refresh_premier_tiers"])
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            both_found.abort()

    quality_module.premier_partners = premier_partners_then_wait
    try:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        quality_module.premier_partners = real_premier_partners

    assert errors == []
    assert sorted(done) == [0, 1]
    db.session.expire_all()
    assert acme.tier == "premier"
    assert tier_changes(acme)[1:] == [("certified", "premier", "system")]
