"""The dashboard's rows on hand-computed data, its windows, filters and order, and its
statement count, the same for 2 partners or 5 with differing history."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from certification.certifications import issue_certification
from escalations.ratings.models import RatingRequest
from portal.errors import DomainError
from portal.extensions import db
from portal.management.dashboard import (
    DASHBOARD_SORT,
    DashboardFilters,
    WindowChoice,
    build_dashboard,
    choose_window,
    month_range,
    partner_metrics,
    shown_rows,
)
from portal.management.metrics import Window
from portal.management.tally import month_of
from portal.models.base import utcnow
from portal.models.case_volumes import CaseVolume
from portal.models.checkins import CheckIn
from portal.partners.onboarding import ITEMS as ONBOARDING_ITEMS
from portal.partners.onboarding import Checklist, ChecklistItem
from tests.factories import (
    make_agreement,
    make_customer,
    make_partner,
    make_product,
    make_user,
    signed_in,
)
from tests.management.rollup_support import placed

TODAY = date(2026, 1, 15)
QUARTER = WindowChoice(
    Window.months(date(2025, 1, 1), date(2025, 3, 1)),
    first_month=date(2025, 1, 1),
    last_month=date(2025, 3, 1),
)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _row(dashboard, partner):
    return next(row for row in dashboard.rows if row.partner.id == partner.id)


def reported(partner, product, month: date, cases: int) -> None:
    """Cases the partner handled itself in a month (as the case-volume API records them)."""
    db.session.add(
        CaseVolume(
            partner_id=partner.id, product_id=product.id, month=month, cases=cases, source="api"
        )
    )
    db.session.flush()


def rated(escalation, score: int, when: datetime, comment: str = "") -> None:
    """The customer's rating of a resolved escalation, given at `when`."""
    db.session.add(
        RatingRequest(
            escalation_id=escalation.id,
            partner_id=escalation.partner_id,
            nonce=f"nonce-{escalation.id}",
            delivery="partner",
            issued_at=when - timedelta(days=1),
            expires_at=when + timedelta(days=30),
            rated_at=when,
            score=score,
            comment=comment,
        )
    )
    db.session.flush()


# --- Windows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "days"), [({}, 90), ({"window": "30"}, 30), ({"window": "365"}, 365)]
)
def test_the_window_in_days(args, days):
    choice = choose_window(MultiDict(args), TODAY)
    assert choice.days == days
    assert choice.window == Window(TODAY - timedelta(days=days - 1), TODAY)


@pytest.mark.parametrize("window", ["7", "abc", "-30", "3650"])
def test_a_window_not_offered_falls_back_to_90_days(window):
    assert choose_window(MultiDict({"window": window}), TODAY).days == 90


def test_a_month_range_covers_whole_months():
    choice = choose_window(MultiDict({"from": "2025-02", "to": "2025-04"}), TODAY)
    assert choice.window == Window(date(2025, 2, 1), date(2025, 4, 30))
    assert choice.label == "February 2025 to April 2025"
    assert choice.query_args() == {"from": "2025-02", "to": "2025-04"}


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2025-13", "2025-12", "from"),
        ("2025-1", "2025-12", "from"),
        ("", "2025-12", "from"),
        ("2025-01", "next", "to"),
        ("1999-12", "2000-01", "from"),
        ("2099-12", "2100-01", "to"),
        ("2025-06", "2025-05", "to"),
        ("2023-01", "2026-01", "to"),  # 37 months
    ],
)
def test_a_month_range_that_is_not_valid_names_its_field(first, last, field):
    with pytest.raises(DomainError) as refused:
        month_range(first, last)
    assert refused.value.code == "validation_error"
    assert field in refused.value.fields


def test_a_range_of_36_months_is_the_longest():
    assert month_range("2023-01", "2025-12") == (date(2023, 1, 1), date(2025, 12, 1))


# --- Rows -------------------------------------------------------------------------------------


def test_a_partners_row_on_hand_computed_figures(esc):
    world = esc.world
    # acme: 4 escalations in the quarter, one rejected as a duplicate, one not triaged;
    # triaged after 1, 3 and 5 hours: median 3 h (interpolated within its 2h-4h bucket:
    # 2 h + 2 h × (1.5 - 1) / 1 = 3 h). One escalation before the window does not count.
    placed(esc, at("2025-01-10"), "accepted", triage_hours=1)
    placed(esc, at("2025-02-10"), "rejected", reason="duplicate", triage_hours=3)
    placed(esc, at("2025-03-10"), "accepted", triage_hours=5)
    placed(esc, at("2025-03-31", 23))
    placed(esc, at("2024-12-31", 23), "rejected", reason="duplicate")
    make_customer(world.acme, "Second customer", seats=300)  # 100 + 300 seats
    db.session.commit()
    dashboard = build_dashboard(QUARTER, TODAY)
    acme = _row(dashboard, world.acme)
    assert (acme.escalations, acme.unwarranted, acme.seats) == (4, 1, 400)
    assert acme.unwarranted_rate == Decimal("25.0")
    assert acme.rate_per_100_seats == Decimal("1.00")
    assert acme.median_triage_hours == Decimal("3.0")
    # globex escalated nothing: no rate, no median time.
    globex = _row(dashboard, world.globex)
    assert (globex.escalations, globex.unwarranted_rate, globex.median_triage_hours) == (
        0,
        None,
        None,
    )
    # Both have two certified technicians against a minimum of 1, a current lab.
    assert (acme.certified, acme.minimum, acme.certified_margin, acme.compliant) == (2, 1, 1, True)
    # The vendor median needs 5 escalations a partner by default: none here.
    assert dashboard.vendor_median is None


def test_escalations_per_100_cases_over_the_months_reported(esc):
    world = esc.world
    # acme reports 200 cases in January and 100 in March, nothing for February: the
    # February escalation is left out, 3 escalations of 300 cases = 1.00 per 100.
    placed(esc, at("2025-01-10"))
    placed(esc, at("2025-01-20"), "rejected", reason="duplicate")
    placed(esc, at("2025-02-10"))
    placed(esc, at("2025-03-10"))
    reported(world.acme, world.product, date(2025, 1, 1), 200)
    reported(world.acme, world.product, date(2025, 3, 1), 100)
    reported(world.acme, world.product, date(2025, 4, 1), 999)  # after the window
    db.session.commit()
    dashboard = build_dashboard(QUARTER, TODAY)
    acme = _row(dashboard, world.acme)
    assert (acme.cases.cases, acme.cases.escalations) == (300, 3)
    assert acme.per_100_cases == Decimal("1.00")
    # globex reported nothing: no figure (not a zero).
    assert _row(dashboard, world.globex).per_100_cases is None


def test_the_ratings_given_in_the_window(esc):
    world = esc.world
    # 5, 4 and 4 in the quarter: 3 ratings, mean 13 / 3 = 4.33 -> 4.3; one in April does
    # not count.
    for day, score in (("2025-01-05", 5), ("2025-02-05", 4), ("2025-03-31", 4), ("2025-04-01", 1)):
        rated(placed(esc, at(day), "resolved", resolve_hours=2), score, at(day, 18))
    db.session.commit()
    dashboard = build_dashboard(QUARTER, TODAY)
    acme = _row(dashboard, world.acme)
    assert (acme.ratings.count, acme.ratings.mean) == (3, Decimal("4.3"))
    assert (
        _row(dashboard, world.globex).ratings.count,
        _row(dashboard, world.globex).ratings.mean,
    ) == (0, None)


def test_a_partner_is_onboarding_until_its_checklist_is_complete(world):
    newcomer = make_partner("initech")  # no agreement, nobody: everything to do
    db.session.commit()
    dashboard = build_dashboard(QUARTER, TODAY)
    row = _row(dashboard, newcomer)
    assert row.onboarding and not row.checklist.complete
    for partner in (world.acme, world.globex):
        found = _row(dashboard, partner)
        assert found.onboarding == (not found.checklist.complete)


def test_the_trend_is_the_last_12_months_ending_this_month(esc):
    world = esc.world
    today = utcnow().date()
    placed(
        esc,
        datetime.combine(today, datetime.min.time(), tzinfo=UTC),
        "rejected",
        reason="duplicate",
    )
    db.session.commit()
    trend = _row(build_dashboard(QUARTER, today), world.acme).trend
    assert len(trend) == 12
    assert trend[-1] == (date(today.year, today.month, 1), 1, 1)
    assert all(count == 0 for _, count, _ in trend[:-1])


def test_the_checkins_last_and_next(world):
    world.acme.checkin_cadence_days = 30
    db.session.add(
        CheckIn(
            partner_id=world.acme.id,
            held_on=date(2025, 11, 1),
            channel="phone",
            next_due_on=date(2025, 12, 1),
        )
    )
    db.session.commit()
    acme = _row(build_dashboard(QUARTER, TODAY), world.acme)
    assert (acme.last_checkin, acme.next_checkin, acme.checkin.overdue) == (
        date(2025, 11, 1),
        date(2025, 12, 1),
        True,
    )
    assert "checkin_overdue" in acme.flags


# --- Filters and order --------------------------------------------------------------------------


def _shown(dashboard, args, principal=None):
    filters = DashboardFilters.from_args(MultiDict(args), principal)
    sorting = DASHBOARD_SORT.choose(args.get("sort"), args.get("dir"))
    return [row.partner.slug for row in shown_rows(dashboard, filters, sorting)]


def test_filters_by_flag_region_tier_and_manager(esc):
    world = esc.world
    manager = world.user("support_manager")
    other = make_user("support_manager", name="Other Manager")
    initech = make_partner("initech", tier="premier")
    initech.region = "APAC"
    world.acme.support_manager_id = manager.id
    world.globex.support_manager_id = other.id
    for index in range(5):
        placed(esc, at(f"2025-01-{index + 2:02d}"), "rejected", reason="duplicate")
    db.session.commit()
    dashboard = build_dashboard(QUARTER, TODAY)
    assert _shown(dashboard, {}) == ["acme", "globex", "initech"]
    assert _shown(dashboard, {"flag": "unwarranted_rate_high"}) == ["acme"]
    assert _shown(dashboard, {"region": "APAC"}) == ["initech"]
    assert _shown(dashboard, {"tier": "premier"}) == ["initech"]
    assert _shown(dashboard, {"tier": "certified"}) == ["acme", "globex"]
    assert _shown(dashboard, {"manager": str(other.id)}) == ["globex"]
    assert _shown(dashboard, {"manager": "none"}) == ["initech"]
    assert _shown(dashboard, {"mine": "1"}, manager) == ["acme"]
    # Values the dashboard does not know filter nothing.
    assert _shown(dashboard, {"flag": "nonsense", "tier": "gold"}) == ["acme", "globex", "initech"]
    # "Still onboarding": initech has no agreement and nobody yet; say acme is done.
    done = Checklist(tuple(ChecklistItem(key, label, True) for key, label in ONBOARDING_ITEMS))
    _row(dashboard, world.acme).checklist = done
    assert not _row(dashboard, world.acme).onboarding
    assert _shown(dashboard, {"onboarding": "1"}) == ["globex", "initech"]
    assert _shown(dashboard, {"onboarding": "yes"}) == ["acme", "globex", "initech"]
    assert [m.name for m in dashboard.managers] == sorted([manager.name, "Other Manager"])
    assert dashboard.regions == ["APAC", "EMEA"]


def test_sorting_by_a_figure_puts_partners_without_one_last(esc):
    world = esc.world
    make_partner("initech")  # no customer: no rate per seat
    placed(esc, at("2025-01-05"))
    placed(esc, at("2025-01-06"))
    placed(esc, at("2025-01-07"), partner="globex")
    db.session.commit()
    dashboard = build_dashboard(QUARTER, TODAY)
    assert _shown(dashboard, {"sort": "escalations", "dir": "desc"}) == [
        "acme",
        "globex",
        "initech",
    ]
    assert _shown(dashboard, {"sort": "escalations", "dir": "asc"}) == [
        "initech",
        "globex",
        "acme",
    ]
    assert _shown(dashboard, {"sort": "rate", "dir": "asc"})[-1] == "initech"
    assert _shown(dashboard, {"sort": "rate", "dir": "desc"})[-1] == "initech"
    assert _shown(dashboard, {"sort": "partner", "dir": "desc"}) == ["initech", "globex", "acme"]
    # An unknown column sorts by name.
    assert _shown(dashboard, {"sort": "secret"}) == ["acme", "globex", "initech"]
    assert world.acme.name < world.globex.name


def test_partner_metrics_per_month(esc):
    world = esc.world
    placed(esc, at("2025-01-10"), "rejected", reason="duplicate")
    placed(esc, at("2025-01-11"), "rejected", reason="documented_in_kb")
    placed(esc, at("2025-03-01"), "rejected", reason="duplicate")
    placed(esc, at("2025-03-02"))
    placed(esc, at("2025-04-02"), "rejected", reason="duplicate")  # after the range
    db.session.commit()
    metrics = partner_metrics(world.acme, date(2025, 1, 1), date(2025, 3, 1), TODAY)
    assert metrics["months"] == [
        {"month": "2025-01", "escalations": 2, "unwarranted": 2, "rate_per_100_seats": Decimal(2)},
        {"month": "2025-02", "escalations": 0, "unwarranted": 0, "rate_per_100_seats": Decimal(0)},
        {"month": "2025-03", "escalations": 2, "unwarranted": 1, "rate_per_100_seats": Decimal(2)},
    ]
    assert metrics["unwarranted_reasons"] == {"documented_in_kb": 1, "duplicate": 2}
    assert metrics["flags"] == []  # 4 escalations: under min_escalations


# --- Bounded statements ---------------------------------------------------------------------


def _partner_with_history(n: int, esc) -> None:
    """A partner with its own product, customers, technicians, certifications, escalations
    over several months and reasons, cases it handled itself, its customers' ratings and a
    check-in: more of each as n grows."""
    world = esc.world
    partner = make_partner(f"history-{n}")
    partner.region = ("EMEA", "APAC")[n % 2]
    partner.support_manager_id = make_user("support_manager").id
    admin = make_user("partner_admin", partner)
    product = make_product(f"history-product-{n}")
    release = product.releases[-1]
    make_agreement(partner, world.user("vendor_admin"), admin, minimums={product.id: n + 1})
    customers = [make_customer(partner, seats=50 * (k + 1)) for k in range(n + 1)]
    for k in range(n + 1):
        technician = make_user("technician", partner)
        issue_certification(technician, release, today=utcnow().date() - timedelta(days=k))
    reasons = ("duplicate", "documented_in_kb", "not_reproducible_on_vanilla")
    for k in range(2 * n + 1):
        escalation = placed(
            esc,
            at(f"2025-{k % 12 + 1:02d}-{k % 27 + 1:02d}"),
            ("rejected", "accepted", "resolved")[k % 3],
            reason=reasons[k % 3],
            triage_hours=k + 1,
            resolve_hours=(k + 1) * 10,
        )
        escalation.partner, escalation.product, escalation.release = partner, product, release
        escalation.customer = customers[k % len(customers)]
        db.session.flush()
        rated(escalation, k % 5 + 1, at(f"2025-{k % 12 + 1:02d}-28"), comment=f"Comment {k}")
    for month in range(1, n + 2):
        reported(partner, product, date(2025, month, 1), 100 * month)
    db.session.add(
        CheckIn(
            partner_id=partner.id,
            held_on=date(2025, 1 + n, 1),
            channel="video",
            next_due_on=date(2025, 4 + n, 1),
        )
    )
    db.session.flush()


def _statements(client, count_queries, path: str, expected: str) -> int:
    with count_queries() as counter:
        response = client.get(path)
        html = response.get_data(as_text=True)
    assert response.status_code == 200 and expected in html
    return counter.count


@pytest.mark.parametrize("window", ["window=365", "window=30", "from=2025-01&to=2025-12"])
def test_the_dashboard_runs_the_same_statements_for_2_or_5_partners(
    app, esc, count_queries, window
):
    client = signed_in(app, esc.user("support_manager"))
    esc.world.acme.support_manager_id = esc.user("support_manager").id
    placed(esc, at("2025-02-02"), "rejected", reason="duplicate")
    placed(esc, utcnow() - timedelta(days=1), partner="globex")
    # Cases reported within each window from the start (without any, the dashboard skips
    # reading their months' escalations, a difference of kind, not of number of partners).
    reported(esc.world.acme, esc.world.product, date(2025, 2, 1), 50)
    reported(esc.world.globex, esc.world.product, month_of(utcnow()), 50)
    db.session.commit()
    path = f"/management/?{window}&sort=unwarranted&dir=desc"
    csv_path = path.replace("/management/?", "/management/dashboard.csv?")

    def csv_statements(lines: int) -> int:
        with count_queries() as counter:
            body = client.get(csv_path).get_data(as_text=True)
        assert body.count("\n") == lines
        return counter.count

    two, csv_two = _statements(client, count_queries, path, "Globex"), csv_statements(3)
    for n in range(3):
        _partner_with_history(n, esc)
    db.session.commit()
    assert _statements(client, count_queries, path, "History-2") == two
    assert csv_statements(6) == csv_two
