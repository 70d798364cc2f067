"""The dashboard's pages: what the page shows (columns, flags, sparklines with their text,
"my partners", the onboarding filter), a month range that is not valid, the CSV (as shown,
nothing read as a formula), the thresholds form (CSRF, validation that changes nothing,
the audit), and the support manager's home leading to the dashboard.

Who may open each route is in tests/test_route_access.py."""

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.management.flags import DEFAULTS, current_thresholds
from portal.models import AuditEntry
from tests.factories import Browser, make_partner, make_user, signed_in
from tests.management.rollup_support import placed
from tests.support import SQLITE_PASS_ONLY, row_counts

pytestmark = SQLITE_PASS_ONLY

#: Whole past months, so the figures do not depend on the day the tests run.
QUARTER = "from=2025-01&to=2025-03"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def _manager(app, world):
    return signed_in(app, world.user("support_manager"))


def _five_rejected(esc, partner="acme"):
    """5 escalations in January 2025, all rejected: 100 % unwarranted, enough to flag."""
    for day in range(2, 7):
        placed(esc, at(f"2025-01-{day:02d}"), "rejected", reason="duplicate", partner=partner)
    db.session.commit()


def _csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# --- The page ---------------------------------------------------------------------------------


def test_the_page_shows_each_partner_with_its_flags_and_a_described_trend(app, esc):
    _five_rejected(esc)
    html = _manager(app, esc.world).get(f"/management/?{QUARTER}").get_data(as_text=True)
    # A sort link per column, and for what a column shows besides its figure.
    for heading in (
        "Partner",
        "tier",
        "region",
        "manager",
        "Flags",
        "Escalations",
        "Per 100 seats",
        "Per 100 cases",
        "Unwarranted",
        "Median triage",
        "Certified",
        "compliance",
        "Check-ins",
        "last",
        "next",
        "Ratings",
    ):
        assert f'">{heading}<span class="sort-indicator"' in html, heading
    assert 'data-partner="acme"' in html and 'data-partner="globex"' in html
    assert 'data-flag="unwarranted_rate_high"' in html
    # The flag leads to the partner's review.
    review = "/management/partners/acme?from=2025-01&amp;to=2025-03"
    assert f'href="{review}" data-flag="unwarranted_rate_high"' in html
    # Each sparkline says in words what it draws.
    assert html.count('<svg class="sparkline"') == 2
    assert html.count("<title>Escalations per month,") == 2
    assert 'role="img" aria-label="Escalations per month,' in html


def test_a_month_range_that_is_not_valid_is_400_and_says_why(app, world):
    response = _manager(app, world).get("/management/?from=2025-13&to=2025-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'data-testid="window-error"' in html and "YYYY-MM" in html
    assert "the last 90 days" in html


def test_my_partners_for_a_manager_with_several(app, world):
    manager = world.user("support_manager")
    world.acme.support_manager_id = manager.id
    world.globex.support_manager_id = make_user("support_manager", name="Someone Else").id
    make_partner("initech").support_manager_id = manager.id
    db.session.commit()
    client = _manager(app, world)
    html = client.get("/management/").get_data(as_text=True)
    assert "My partners (2)" in html
    mine = client.get("/management/?mine=1").get_data(as_text=True)
    assert 'data-partner="acme"' in mine and 'data-partner="initech"' in mine
    assert 'data-partner="globex"' not in mine
    assert "All partners" in mine


def test_the_onboarding_filter_keeps_the_partners_still_onboarding(app, world):
    make_partner("initech")  # no agreement and nobody: onboarding
    db.session.commit()
    html = _manager(app, world).get("/management/?onboarding=1").get_data(as_text=True)
    assert 'data-partner="initech"' in html
    assert 'data-testid="onboarding"' in html
    assert 'id="f-onboarding" name="onboarding" value="1" checked' in html


def test_the_support_managers_home_is_the_dashboard(app, world):
    response = _manager(app, world).get("/")
    assert response.status_code == 302 and response.location == "/management/"
    admin = signed_in(app, world.user("vendor_admin")).get("/").get_data(as_text=True)
    assert 'href="/management/" data-testid="home-dashboard"' in admin
    engineer = signed_in(app, world.user("vendor_engineer")).get("/").get_data(as_text=True)
    assert 'data-testid="home-dashboard"' not in engineer


# --- The CSV ---------------------------------------------------------------------------------


def test_the_csv_is_the_dashboard_as_shown(app, esc):
    _five_rejected(esc)
    client = _manager(app, esc.world)
    rows = _csv_rows(client.get(f"/management/dashboard.csv?{QUARTER}&sort=unwarranted"))
    assert [row["slug"] for row in rows] == ["acme", "globex"]
    acme = rows[0]
    assert (acme["window_start"], acme["window_end"]) == ("2025-01-01", "2025-03-31")
    assert (acme["escalations"], acme["unwarranted"], acme["unwarranted_rate_percent"]) == (
        "5",
        "5",
        "100.0",
    )
    assert acme["flags"].split() == ["unwarranted_rate_high"]
    assert acme["ratings_count"] == "0" and acme["ratings_mean"] == ""
    flagged = _csv_rows(client.get(f"/management/dashboard.csv?{QUARTER}&flag=checkin_overdue"))
    assert flagged == []


def test_nothing_in_the_csv_reads_as_a_formula(app, world):
    make_partner("formula", name='=HYPERLINK("http://evil")')
    db.session.commit()
    rows = _csv_rows(_manager(app, world).get("/management/dashboard.csv"))
    names = {row["slug"]: row["partner"] for row in rows}
    assert names["formula"] == '\'=HYPERLINK("http://evil")'


# --- The thresholds --------------------------------------------------------------------------

GOOD = {
    "unwarranted_percent": "30",
    "median_multiple": "1.5",
    "min_escalations": "3",
    "expiring_days": "45",
}


def test_the_thresholds_form_shows_the_current_values(app, world):
    html = _manager(app, world).get("/management/thresholds").get_data(as_text=True)
    assert f'name="unwarranted_percent" value="{DEFAULTS.unwarranted_percent}"' in html
    assert f'name="expiring_days" value="{DEFAULTS.expiring_days}"' in html
    assert 'name="csrf_token"' in html


def test_saving_the_thresholds_is_audited_and_the_flags_follow(app, esc):
    # 5 escalations, 1 rejected: 20 %, under the default 25 %, above 15 %.
    for day in range(2, 7):
        placed(
            esc,
            at(f"2025-01-{day:02d}"),
            "rejected" if day == 2 else "accepted",
            reason="duplicate",
        )
    db.session.commit()
    client = _manager(app, esc.world)
    assert 'data-flag="unwarranted_rate_high"' not in client.get(
        f"/management/?{QUARTER}"
    ).get_data(as_text=True)
    response = Browser(client).post(
        "/management/thresholds",
        {**GOOD, "unwarranted_percent": "15"},
        form_page="/management/thresholds",
    )
    assert response.status_code == 302 and response.location.endswith("/management/")
    db.session.expire_all()
    assert str(current_thresholds().unwarranted_percent) == "15.00"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "flag_thresholds.changed")
    ).one()
    assert entry.actor_id == esc.world.user("support_manager").id
    assert entry.after["unwarranted_percent"] == "15.00"
    assert 'data-flag="unwarranted_rate_high"' in client.get(f"/management/?{QUARTER}").get_data(
        as_text=True
    )


def test_thresholds_that_are_not_valid_change_nothing(app, world):
    client = _manager(app, world)
    before = row_counts()
    response = Browser(client).post(
        "/management/thresholds",
        {**GOOD, "unwarranted_percent": "101", "expiring_days": "x"},
        form_page="/management/thresholds",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="t-unwarranted_percent-error"' in html and 'id="t-expiring_days-error"' in html
    assert 'aria-invalid="true"' in html
    assert row_counts() == before
    assert current_thresholds() == DEFAULTS


def test_thresholds_without_the_csrf_token_change_nothing(app, world):
    client = _manager(app, world)
    before = row_counts()
    response = client.post("/management/thresholds", data=GOOD)
    assert response.status_code == 400
    assert row_counts() == before
