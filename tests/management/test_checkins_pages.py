"""The check-in log, the check-in form and the cadence form, through the pages: who may
use each, what they show, and their refusals."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.management.checkins import ActionInput, CheckInInput, record_check_in
from portal.models import AuditEntry, Partner
from portal.models.checkins import CheckIn, CheckInAction
from tests.factories import PASSWORD, Browser, signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases (test_checkins.py).
pytestmark = SQLITE_PASS_ONLY

TODAY = date.today()
WRITTEN = ("check_ins", "check_in_actions", "audit_entries")


def _seed(world, partner=None, held_on=None, actions=1) -> CheckIn:
    partner = partner or world.acme
    data = CheckInInput(
        held_on=held_on or TODAY - timedelta(days=5),
        channel="on_site",
        vendor_attendees="Max Manager",
        partner_attendees=f"{partner.name} Admin",
        notes="Talked about the customisations\nescalated last month.",
        actions=[
            ActionInput(f"Action {n} of {partner.slug}", "partner", "Pat", TODAY + timedelta(n))
            for n in range(actions)
        ],
    )
    check_in = record_check_in(partner, data, actor=world.user("support_manager"))
    db.session.commit()
    return check_in


def _counts():
    counts = row_counts()
    return {name: counts[name] for name in WRITTEN}


def _form(**overrides) -> dict:
    data = {
        "held_on": TODAY.isoformat(),
        "channel": "video",
        "vendor_attendees": "Max Manager",
        "partner_attendees": "Acme Admin",
        "notes": "Quarterly review.",
    }
    data.update(overrides)
    return data


# Route x principal -> status. acme's log, form and cadence; POSTs carry a valid form.
PRINCIPALS = (
    "anonymous",
    "vendor_admin",
    "support_manager",
    "vendor_engineer",
    "acme_admin",
    "acme_tech",
    "globex_admin",
)
TRUTH_TABLE = {
    ("GET", "log"): (302, 200, 200, 200, 200, 403, 404),
    ("GET", "new"): (302, 200, 200, 403, 403, 403, 403),
    ("POST", "new"): (302, 302, 302, 403, 403, 403, 403),
    ("GET", "cadence"): (302, 200, 200, 403, 403, 403, 403),
    ("POST", "cadence"): (302, 302, 302, 403, 403, 403, 403),
    ("POST", "done"): (302, 302, 302, 403, 403, 403, 403),
}


def _url(kind: str, partner_id: int, action_id: int) -> str:
    base = f"/partners/{partner_id}/check-ins"
    return {
        "log": base,
        "new": f"{base}/new",
        "cadence": f"{base}/cadence",
        "done": f"{base}/actions/{action_id}/done",
    }[kind]


@pytest.mark.parametrize(("method", "kind"), TRUTH_TABLE, ids=[f"{m} {k}" for m, k in TRUTH_TABLE])
def test_who_may_use_each_check_in_page(app, world, csrf_off, method, kind):
    action_id = _seed(world).actions[0].id
    expected = dict(zip(PRINCIPALS, TRUTH_TABLE[method, kind], strict=True))
    data = {"days": "45"} if kind == "cadence" else _form()
    observed = {}
    for principal in PRINCIPALS:
        client = app.test_client()
        if principal != "anonymous":  # CSRF is off: sign in with a bare POST
            client.post("/login", data={"email": world.user(principal).email, "password": PASSWORD})
        url = _url(kind, world.acme.id, action_id)
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        observed[principal] = response.status_code
        if principal == "anonymous":
            assert "/login" in response.headers["Location"]
        # Each successful POST changed something: start the next principal afresh.
        if method == "POST" and response.status_code == 302 and principal != "anonymous":
            db.session.expire_all()
            action = db.session.get(CheckInAction, action_id)
            action.done_at = action.done_by_id = None
            db.session.commit()
    assert observed == expected


def test_another_partners_admin_gets_404_for_its_log_and_a_vendor_reads_any(app, world):
    _seed(world, world.globex)
    acme_admin = signed_in(app, world.user("acme_admin"))
    assert acme_admin.get(f"/partners/{world.globex.id}/check-ins").status_code == 404
    assert acme_admin.get(f"/partners/{world.acme.id}/check-ins").status_code == 200
    engineer = signed_in(app, world.user("vendor_engineer"))
    assert "Action 0 of globex" in engineer.get(f"/partners/{world.globex.id}/check-ins").get_data(
        as_text=True
    )


def test_an_action_of_another_partner_is_404_under_this_partners_url(app, world):
    theirs = _seed(world, world.globex).actions[0]
    client = signed_in(app, world.user("support_manager"))
    response = Browser(client).post(f"/partners/{world.acme.id}/check-ins/actions/{theirs.id}/done")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(CheckInAction, theirs.id).done_at is None


def test_the_log_shows_each_check_in_with_its_actions_and_snapshot(app, world):
    first = _seed(world, held_on=TODAY - timedelta(days=100), actions=2)
    _seed(world, held_on=TODAY - timedelta(days=95), actions=0)
    html = (
        signed_in(app, world.user("support_manager"))
        .get(f"/partners/{world.acme.id}/check-ins")
        .get_data(as_text=True)
    )
    assert html.count('data-testid="check-in"') == 2
    assert html.count('data-testid="snapshot"') == 2
    assert f"Figures on {first.held_on.isoformat()}" in html
    assert "Talked about the customisations<br>escalated last month." in html
    assert "On site" in html and "Action 1 of acme" in html
    # Overdue: 95 days ago plus a cadence of 90.
    status = html[html.index('data-testid="checkin-status"') :][:800]
    assert "Overdue" in status and "Open actions: <strong>2</strong>" in status
    assert "Mark done" in html and "Record a check-in" in html and "Change cadence" in html


def test_the_partner_admin_reads_its_log_without_any_button(app, world):
    _seed(world)
    html = (
        signed_in(app, world.user("acme_admin"))
        .get(f"/partners/{world.acme.id}/check-ins")
        .get_data(as_text=True)
    )
    assert "Action 0 of acme" in html and 'data-testid="snapshot"' in html
    for button in ("Mark done", "Record a check-in", "Change cadence"):
        assert button not in html


def test_the_form_lists_the_open_actions_and_a_check_in_marks_one_done(app, world):
    first = _seed(world, held_on=TODAY - timedelta(days=30), actions=2)
    keep, finish = first.actions
    client = signed_in(app, world.user("support_manager"))
    form_url = f"/partners/{world.acme.id}/check-ins/new"
    html = client.get(form_url).get_data(as_text=True)
    carried = html[html.index('data-testid="carried-actions"') :]
    assert "Action 0 of acme" in carried and "Action 1 of acme" in carried
    assert html.count('data-testid="action-row"') == 3
    assert f'value="{TODAY.isoformat()}"' in html  # today by default

    data = _form(
        done_action_ids=str(finish.id),
        **{
            "actions-0-description": "Book the 4.2 training",
            "actions-0-owner_side": "vendor",
            "actions-0-owner_name": "Max",
            "actions-0-due_on": (TODAY + timedelta(days=14)).isoformat(),
        },
    )
    response = Browser(client).post(form_url, data, form_page=form_url)
    assert response.status_code == 302
    db.session.expire_all()
    second = db.session.scalar(select(CheckIn).order_by(CheckIn.id.desc()))
    assert [a.description for a in second.actions] == ["Book the 4.2 training"]
    assert db.session.get(CheckInAction, finish.id).done_in_id == second.id
    assert db.session.get(CheckInAction, keep.id).done_at is None
    log = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"at the check-in of {TODAY.isoformat()}" in log


BAD_FORMS = {
    "future date": ({"held_on": (TODAY + timedelta(days=1)).isoformat()}, "held_on", "future"),
    "not a date": ({"held_on": "31/12/2026"}, "held_on", "Not a valid date"),
    "no partner attendees": ({"partner_attendees": ""}, "partner_attendees", "attendees."),
    "over-long notes": ({"notes": "n" * 20_001}, "notes", "At most 20,000"),
    "action without due date": (
        {"actions-1-description": "Call back", "actions-1-owner_name": "Max"},
        "actions-1-due_on",
        "Give a due date.",
    ),
    "action with a bad date": (
        {
            "actions-0-description": "Call back",
            "actions-0-owner_name": "Max",
            "actions-0-due_on": "soon",
        },
        "actions-0-due_on",
        "Not a valid date",
    ),
}


@pytest.mark.parametrize(
    ("overrides", "field_id", "words"), BAD_FORMS.values(), ids=list(BAD_FORMS)
)
def test_a_refused_check_in_says_why_next_to_its_field_and_writes_nothing(
    app, world, overrides, field_id, words
):
    client = signed_in(app, world.user("support_manager"))
    form_url = f"/partners/{world.acme.id}/check-ins/new"
    before = _counts()
    response = Browser(client).post(form_url, _form(**overrides), form_page=form_url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field_at = html.index(f'id="{field_id}"')
    assert "is-invalid" in html[html.rindex("<", 0, field_at) : field_at]
    feedback = re.search(r'class="invalid-feedback[^"]*">([^<]*)<', html[field_at:]).group(1)
    assert words in feedback
    assert _counts() == before


def test_nul_in_a_check_in_is_refused_before_any_view(app, world):
    client = signed_in(app, world.user("support_manager"))
    form_url = f"/partners/{world.acme.id}/check-ins/new"
    before = _counts()
    response = Browser(client).post(form_url, _form(notes="a\x00b"), form_page=form_url)
    assert response.status_code == 400
    assert "not allowed" in response.get_data(as_text=True)
    assert _counts() == before


def test_the_cadence_form_sets_the_cadence_and_refuses_out_of_range(app, world):
    client = signed_in(app, world.user("support_manager"))
    url = f"/partners/{world.acme.id}/check-ins/cadence"
    assert 'value="90"' in client.get(url).get_data(as_text=True)
    response = Browser(client).post(url, {"days": "400"}, form_page=url)
    assert response.status_code == 400
    assert "From 7 to 366 days." in response.get_data(as_text=True)
    response = Browser(client).post(url, {"days": "30"}, form_page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Partner, world.acme.id).checkin_cadence_days == 30


def test_marking_an_action_done_from_the_log_twice_says_it_was_done(app, world):
    action = _seed(world).actions[0]
    client = signed_in(app, world.user("support_manager"))
    log_url = f"/partners/{world.acme.id}/check-ins"
    url = f"{log_url}/actions/{action.id}/done"
    assert Browser(client).post(url, form_page=log_url).status_code == 302
    response = Browser(client).post(url, form_page=log_url, follow_redirects=True)
    assert "already marked done" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("principal", "linked"),
    [
        ("support_manager", True),
        ("vendor_engineer", True),
        ("acme_admin", True),
        ("acme_tech", False),
    ],
)
def test_the_partners_page_links_its_check_in_log(app, world, principal, linked):
    html = (
        signed_in(app, world.user(principal))
        .get(f"/partners/{world.acme.id}")
        .get_data(as_text=True)
    )
    assert ('data-testid="check-ins-link"' in html) is linked


def test_the_partner_admin_reads_the_check_ins_in_its_audit_log(app, world):
    _seed(world)
    _seed(world, world.globex)
    html = signed_in(app, world.user("acme_admin")).get("/audit/").get_data(as_text=True)
    assert re.search(r"Check[- ]in recorded", html, re.IGNORECASE)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "check_in.recorded")
    ).all()
    assert {e.partner_id for e in entries} == {world.acme.id, world.globex.id}
    assert "Globex" not in html.split("<main", 1)[-1]
