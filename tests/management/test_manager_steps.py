"""The support manager's home is the partner dashboard, with what waits for it on top: fee
reports to decide and check-ins overdue. The vendor admin's home lists the fee reports too;
nobody else sees either."""

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models.base import utcnow
from tests.core.test_home_pages import home, steps_on
from tests.factories import make_partner, make_user, signed_in
from tests.management.test_checkins import record
from tests.management.test_fee_pages import _periods, _report, _url
from tests.support import SQLITE_PASS_ONLY

pytestmark = SQLITE_PASS_ONLY


def _joined(partner, days_ago: int) -> None:
    partner.created_at = utcnow() - timedelta(days=days_ago)


# Who sees the fee-report step on the page it lands on (written out, not read from the code).
FEE_STEP_SEEN_BY = {
    "support_manager": True,
    "vendor_admin": True,
    "vendor_engineer": False,
    "acme_admin": False,
    "globex_admin": False,
    "acme_tech": False,
}


@pytest.mark.parametrize("principal, seen", FEE_STEP_SEEN_BY.items())
def test_a_submitted_fee_report_waits_on_the_deciders_home(app, world, principal, seen):
    report = _report(world, "submitted")
    html = home(app, world.user(principal))
    step = steps_on(html).get("fee_reports_to_decide")
    assert (step is not None) is seen
    if seen:
        assert f'href="{_url(report)}"' in step and "Acme" in step
        assert 'href="/partners/fee-reports/awaiting"' not in step  # one report: no "more"


def test_only_submitted_reports_are_listed_and_the_rest_are_counted(app, world):
    periods = _periods(9)
    drafts = [_report(world, period=periods[0])]
    decided = [
        _report(world, "approved", period=periods[1]),
        _report(world, "sent_back", period=periods[2]),
    ]
    waiting = [_report(world, "submitted", period=p) for p in periods[3:9]]
    step = steps_on(home(app, world.user("support_manager")))["fee_reports_to_decide"]
    assert step.count("Decide<span") == 5
    assert '<a href="/partners/fee-reports/awaiting">and 1 more</a>' in step
    for report in drafts + decided:
        assert f'href="{_url(report)}"' not in step
    # The longest waiting first: the first submitted is listed, whatever its period.
    assert f'href="{_url(waiting[0])}"' in step


def test_a_decided_report_leaves_the_list(app, world):
    from portal.management.fee_reports import approve_report

    report = _report(world, "submitted")
    approve_report(report, actor=world.user("support_manager"))
    db.session.commit()
    assert "fee_reports_to_decide" not in steps_on(home(app, world.user("support_manager")))


def test_a_partner_past_its_cadence_without_a_check_in_is_overdue(app, world):
    _joined(world.acme, 91)  # default cadence 90 days: due yesterday
    _joined(world.globex, 89)
    db.session.commit()
    step = steps_on(home(app, world.user("support_manager")))["check_ins_overdue"]
    assert "Acme" in step and "never held" in step
    assert f'href="/partners/{world.acme.id}/check-ins"' in step
    assert "Globex" not in step


def test_a_check_in_held_clears_the_overdue_step_until_the_next_is_due(app, world):
    _joined(world.acme, 200)
    db.session.commit()
    record(world)  # held today: the next is due in 90 days
    assert "check_ins_overdue" not in steps_on(home(app, world.user("support_manager")))


def test_overdue_check_ins_list_the_managers_own_partners_first(app, world):
    manager = world.user("support_manager")
    _joined(world.acme, 300)  # overdue the longest, someone else's
    _joined(world.globex, 120)
    world.globex.support_manager_id = manager.id
    db.session.commit()
    step = steps_on(home(app, manager))["check_ins_overdue"]
    assert step.index("Globex · yours") < step.index("Acme")
    assert "check_ins_overdue" not in steps_on(home(app, world.user("vendor_admin")))


def test_the_steps_run_the_same_statements_for_1_or_6_waiting(app, world, count_queries):
    manager = world.user("support_manager")
    periods = _periods(6)
    _joined(world.acme, 100)
    _report(world, "submitted", period=periods[0])
    db.session.commit()
    client = signed_in(app, manager)

    def statements() -> int:
        with count_queries() as counter:
            assert client.get("/management/").status_code == 200
        return counter.count

    one = statements()
    for n, period in enumerate(periods[1:]):
        partner = make_partner(f"late-{n}", name=f"Late {n}")
        _joined(partner, 100 + n)
        make_user("partner_admin", partner)
        _report(world, "submitted", period=period, partner="globex")
    db.session.commit()
    html = client.get("/management/").get_data(as_text=True)
    assert "Late 4" in steps_on(html)["check_ins_overdue"]
    assert statements() == one
