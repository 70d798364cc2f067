"""The queue's filters (product, assignee, SLA state, beside status, severity and partner)
and its search box, for vendor staff and for a partner's users."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from escalations import services
from escalations.clock import queue_sla
from escalations.models import Escalation
from escalations.queue_views import sla_state_clause
from portal.extensions import db
from portal.models.base import utcnow
from tests.escalations.support import escalation_in, service_input
from tests.factories import make_product, make_user, signed_in

_clients = {}


def client_of(app, user):
    """One signed-in client per user and test (signing in is rate limited)."""
    if user.email not in _clients:
        _clients[user.email] = signed_in(app, user)
    return _clients[user.email]


@pytest.fixture(autouse=True)
def _fresh_clients():
    _clients.clear()
    yield
    _clients.clear()


def listed(app, user, query: dict | None = None) -> list[int]:
    """The escalations the queue lists for `user`, in order."""
    response = client_of(app, user).get("/escalations", query_string=query or {})
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'data-escalation="(\d+)"', response.get_data(as_text=True))]


def on_product(escalation, product):
    escalation.product = product
    escalation.release = product.releases[0]
    db.session.commit()
    return escalation


@pytest.fixture
def queue(esc):
    """Three open escalations: acme's on orbit (nobody assigned), globex's on nimbus
    (assigned to engineer X), acme's on orbit (assigned to engineer Y)."""
    nimbus = make_product("nimbus")
    x = make_user("vendor_engineer", name="Xavier Engineer", email="x@vendor.example")
    y = make_user("vendor_engineer", name="Yolanda Engineer", email="y@vendor.example")
    a = escalation_in(esc, "submitted")
    b = on_product(escalation_in(esc, "accepted", partner="globex"), nimbus)
    c = escalation_in(esc, "submitted")
    services.assign(b, esc.user("vendor_admin"), x)
    services.assign(c, esc.user("vendor_admin"), y)
    db.session.commit()
    return {"a": a, "b": b, "c": c, "x": x, "y": y, "nimbus": nimbus}


def ids(queue, *keys) -> set[int]:
    return {queue[k].id for k in keys}


def test_the_vendor_queue_filters_by_product_and_assignee(app, esc, queue):
    engineer = esc.user("vendor_engineer")
    orbit = esc.world.product

    def found(**query):
        return set(listed(app, engineer, query))

    assert found() == ids(queue, "a", "b", "c")
    assert found(product=queue["nimbus"].id) == ids(queue, "b")
    assert found(product=orbit.id) == ids(queue, "a", "c")
    assert found(assignee="none") == ids(queue, "a")
    assert found(assignee=queue["x"].id) == ids(queue, "b")
    assert found(assignee=queue["y"].id, product=orbit.id) == ids(queue, "c")
    assert found(assignee=queue["y"].id, product=queue["nimbus"].id) == set()
    assert found(partner=esc.world.globex.id) == ids(queue, "b")
    assert found(severity="S2", partner=esc.world.acme.id) == ids(queue, "a", "c")
    assert set(listed(app, queue["x"], {"mine": "1"})) == ids(queue, "b")
    # Values that cannot be filters are ignored, never an error.
    for bad in ("abc", "-1", "99999999999", "\u00e9", "none;drop"):
        assert found(product=bad, assignee=bad, sla=bad, partner=bad) == ids(queue, "a", "b", "c")


def test_the_filter_bar_offers_products_engineers_and_sla_states(app, esc, queue):
    html = client_of(app, esc.user("vendor_engineer")).get("/escalations").get_data(as_text=True)
    for label in ("Nimbus", "Orbit", "Xavier Engineer", "Yolanda Engineer", "Unassigned"):
        assert f">{label}</option>" in html, label
    for label in ("Breached", "Nearly due", "Paused", "All partners", "Assigned to me"):
        assert label in html, label


def test_a_partners_users_filter_their_own_list_without_a_partner_filter(app, esc, queue):
    own = ids(queue, "a", "c")
    for key in ("acme_tech", "acme_admin"):
        user = esc.user(key)
        assert set(listed(app, user)) == own
        assert set(listed(app, user, {"partner": esc.world.globex.id})) == own
        assert set(listed(app, user, {"product": queue["nimbus"].id})) == set()
        assert set(listed(app, user, {"product": esc.world.product.id})) == own
        assert set(listed(app, user, {"assignee": "none"})) == ids(queue, "a")
        assert set(listed(app, user, {"assignee": queue["y"].id})) == ids(queue, "c")
        assert set(listed(app, user, {"assignee": queue["x"].id})) == set()
        assert set(listed(app, user, {"mine": "1"})) == own  # not a partner's filter
    html = client_of(app, esc.user("acme_tech")).get("/escalations").get_data(as_text=True)
    assert 'name="partner"' not in html and 'name="mine"' not in html
    # The engineers offered are those on the partner's own escalations.
    assert ">Yolanda Engineer</option>" in html and "Xavier Engineer" not in html
    assert set(listed(app, esc.user("globex_tech"))) == ids(queue, "b")


# --- SLA state -------------------------------------------------------------------------------


def _clocks(esc, now):
    """Escalations whose clocks are in each state at `now`, and some in between."""
    hour = timedelta(hours=1)

    def with_clocks(state, partner="acme", **clocks):
        escalation = escalation_in(esc, state, partner=partner, now=now - 10 * hour)
        values = {
            "first_response_at": None,
            "first_response_due": now + 100 * hour,
            "resolution_due": now + 200 * hour,
            "paused_at": None,
            **clocks,
        }
        for name, value in values.items():
            setattr(escalation, name, value)
        db.session.commit()
        return escalation

    return {
        "first_response_late": with_clocks("submitted", first_response_due=now - hour),
        "resolution_late": with_clocks(
            "accepted",
            partner="globex",
            first_response_at=now - 9 * hour,
            first_response_due=now - 8 * hour,
            resolution_due=now - hour,
        ),
        "first_response_soon": with_clocks(
            "submitted", first_response_due=now + hour, resolution_due=now + 50 * hour
        ),
        "resolution_soon": with_clocks(
            "accepted",
            first_response_at=now - 9 * hour,
            first_response_due=now - 8 * hour,
            resolution_due=now + 90 * timedelta(minutes=1),
        ),
        "running": with_clocks(
            "submitted", first_response_due=now + 5 * hour, resolution_due=now + 50 * hour
        ),
        "paused": with_clocks(
            "waiting_on_partner",
            partner="globex",
            paused_at=now - 2 * hour,
            first_response_due=now + 30 * timedelta(minutes=1),
            resolution_due=now + 50 * hour,
        ),
        "paused_after_breach": with_clocks(
            "waiting_on_partner",
            paused_at=now - 2 * hour,
            first_response_due=now - 3 * hour,
        ),
        "no_clock": with_clocks("submitted", first_response_due=None, resolution_due=None),
        "resolved_late": with_clocks(
            "resolved",
            first_response_at=now - 9 * hour,
            first_response_due=now - 8 * hour,
            resolved_at=now - hour,
            resolution_due=now - 2 * hour,
        ),
        "resolved_in_time": with_clocks(
            "resolved",
            first_response_at=now - 9 * hour,
            first_response_due=now - 8 * hour,
            resolved_at=now - hour,
            resolution_due=now + hour,
        ),
    }


EXPECTED_SLA = {
    "breached": {"first_response_late", "resolution_late", "paused_after_breach", "resolved_late"},
    "nearly_due": {"first_response_soon", "resolution_soon"},
    "paused": {"paused"},
}


def test_the_sla_filter_picks_the_states_the_queue_marks(app, esc):
    now = utcnow()
    escalations = _clocks(esc, now)
    db.session.expire_all()
    for state, expected in EXPECTED_SLA.items():
        matched = set(db.session.scalars(select(Escalation.id).where(sla_state_clause(state, now))))
        assert matched == {escalations[k].id for k in expected}, state
        # The same judgement as the mark each row gets (escalations.clock.queue_sla).
        marked = {
            e.id
            for e in escalations.values()
            if queue_sla(db.session.get(Escalation, e.id), now).state == state
        }
        assert matched == marked, state
    engineer = esc.user("vendor_engineer")
    on_page = set(listed(app, engineer, {"sla": "breached", "status": ""}))
    assert on_page == {escalations[k].id for k in EXPECTED_SLA["breached"]}
    on_page = set(listed(app, engineer, {"sla": "breached"}))  # open ones by default
    assert on_page == {escalations[k].id for k in EXPECTED_SLA["breached"] - {"resolved_late"}}
    assert set(listed(app, engineer, {"sla": "paused"})) == {escalations["paused"].id}
    nearly = listed(app, engineer, {"sla": "nearly_due"})
    # Still what is due first on top.
    assert nearly == [escalations["first_response_soon"].id, escalations["resolution_soon"].id]
    # A partner's users filter their own.
    assert set(listed(app, esc.user("acme_admin"), {"sla": "breached"})) == {
        escalations[k].id for k in ("first_response_late", "paused_after_breach")
    }
    assert listed(app, esc.user("acme_admin"), {"sla": "paused"}) == []


# --- The search box --------------------------------------------------------------------------


def _submitted(esc, partner="acme", **fields):
    escalation = services.submit_escalation(
        esc.user(f"{partner}_tech"), service_input(esc, partner, **fields), now=utcnow()
    )
    db.session.commit()
    return escalation


def test_the_queue_searches_ranked_within_its_filters_and_the_searchers_scope(app, esc):
    in_steps = _submitted(esc, title="Export stalls", steps="The thermostat sensor hangs")
    in_title = _submitted(esc, partner="globex", title="Thermostat readings are wrong")
    closed = escalation_in(esc, "closed")
    services.add_comment(closed, esc.user("vendor_engineer"), "Thermostat again")
    other = _submitted(esc, title="Login is slow")
    db.session.commit()
    engineer = esc.user("vendor_engineer")
    assert listed(app, engineer, {"q": "thermostat"}) == [in_title.id, in_steps.id]
    assert listed(app, engineer, {"q": "thermostat", "status": ""}) == [
        in_title.id,
        in_steps.id,
        closed.id,
    ]
    assert listed(app, engineer, {"q": "thermostat", "partner": esc.world.acme.id}) == [in_steps.id]
    assert listed(app, engineer, {"q": "thermostat", "severity": "S1"}) == []
    assert other.id not in listed(app, engineer, {"q": "thermostat", "status": ""})
    assert listed(app, esc.user("acme_tech"), {"q": "thermostat", "status": ""}) == [
        in_steps.id,
        closed.id,
    ]
    assert listed(app, esc.user("globex_tech"), {"q": "thermostat sensor"}) == []
    page = client_of(app, engineer).get("/escalations", query_string={"q": "thermostat"})
    html = page.get_data(as_text=True)
    assert 'value="thermostat"' in html and "Best matches" in html
    empty = client_of(app, engineer).get("/escalations", query_string={"q": "unfindable"})
    assert "Try other words" in empty.get_data(as_text=True)
