"""Escalations on the home page: a technician's open escalations (status and what is due,
those waiting on the partner first) and the partner's drafts; a partner admin's open
escalations of the partner. Another partner's never show, and the queries are bounded."""

import re

from escalations import services
from portal.extensions import db
from tests.escalations.support import escalation_in, service_input
from tests.factories import signed_in
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def _steps(app, user) -> dict[str, list[tuple[str, str]]]:
    """Each step of the home page: its items as (label, link)."""
    html = signed_in(app, user).get("/").get_data(as_text=True)
    steps = {}
    for key, body in re.findall(
        r'<section class="card next-step[^"]*" data-step="(\w+)"(.*?)</section>', html, re.S
    ):
        items = re.findall(
            r'<span class="fw-semibold">([^<]*)</span>.*?<a class="btn[^"]*" href="([^"]+)"',
            body,
            re.S,
        )
        steps[key] = items
    return steps


def test_a_technician_sees_their_open_escalations_waiting_ones_first(app, esc):
    mine = escalation_in(esc, "submitted")
    waiting = escalation_in(esc, "waiting_on_partner")
    escalation_in(esc, "closed")  # not open
    escalation_in(esc, "submitted", partner="globex")  # another partner's
    colleagues = services.submit_escalation(esc.user("acme_colleague"), service_input(esc))
    db.session.commit()
    html = signed_in(app, esc.user("acme_tech")).get("/").get_data(as_text=True)
    step = re.search(r'data-step="my_escalations".*?</section>', html, re.S).group(0)
    links = re.findall(r'href="/escalations/(\d+)"', step)
    assert links == [str(waiting.id), str(mine.id)]
    assert str(colleagues.id) not in links  # submitted by someone else
    assert "Waiting on you" in step and "first response due" in step
    assert "Needs you now" in step


def test_a_technician_sees_the_partners_drafts_to_finish(app, esc):
    ours = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Ours"))
    theirs = services.save_draft(esc.user("globex_newbie"), service_input(esc, "globex"))
    db.session.commit()
    for key in ("acme_tech", "acme_newbie"):
        steps = _steps(app, esc.user(key))
        assert steps["partner_drafts"] == [
            (f"Draft #{ours.id}: Ours", f"/escalations/{ours.id}/edit")
        ], key
        assert f"/escalations/{theirs.id}/edit" not in str(steps)
    assert _steps(app, esc.user("globex_tech"))["partner_drafts"] == [
        (f"Draft #{theirs.id}: {theirs.title}", f"/escalations/{theirs.id}/edit")
    ]


def test_a_partner_admin_sees_the_partners_open_escalations(app, esc):
    ours = [escalation_in(esc, "submitted"), escalation_in(esc, "waiting_on_partner")]
    escalation_in(esc, "resolved")
    theirs = escalation_in(esc, "submitted", partner="globex")
    html = signed_in(app, esc.user("acme_admin")).get("/").get_data(as_text=True)
    assert "Waiting on your partner: the vendor asked for information" in html
    steps = _steps(app, esc.user("acme_admin"))
    links = [link for _, link in steps["partner_open_escalations"]]
    assert links == [f"/escalations/{e.id}" for e in reversed(ours)]  # waiting first
    assert "my_escalations" not in steps and "partner_drafts" not in steps
    assert f"/escalations/{theirs.id}" not in str(steps)


def test_vendor_staff_see_none_of_these_steps(app, esc):
    escalation_in(esc, "submitted")
    steps = _steps(app, esc.user("vendor_engineer"))
    assert not {"my_escalations", "partner_drafts", "partner_open_escalations"} & set(steps)


def test_nothing_open_means_no_step(app, esc):
    steps = _steps(app, esc.user("acme_tech"))
    assert "my_escalations" not in steps and "partner_drafts" not in steps


def test_the_home_page_runs_the_same_queries_for_1_or_7_escalations(app, esc, count_queries):
    client = signed_in(app, esc.user("acme_tech"))
    admin = signed_in(app, esc.user("acme_admin"))

    def queries(c) -> int:
        with count_queries() as counter:
            assert c.get("/").status_code == 200
        return counter.count

    escalation_in(esc, "submitted")
    services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Draft 1"))
    db.session.commit()
    one, one_admin = queries(client), queries(admin)
    for state in (
        "submitted",
        "accepted",
        "waiting_on_partner",
        "accepted",
        "submitted",
        "accepted",
    ):
        escalation_in(esc, state)
        services.save_draft(esc.user("acme_colleague"), service_input(esc, title="D"))
    db.session.commit()
    assert queries(client) == one
    assert queries(admin) == one_admin
