"""The escalation pages: the technician's form runs the same gate as the API (each refusal
told with its reason and the way there, nothing written), and the queue."""

import re
from datetime import timedelta

import pytest

from escalations.models import Escalation
from portal.extensions import db
from portal.models.base import utcnow
from tests.escalations.form_support import csrf_of, form_data
from tests.escalations.support import WRITTEN_BY_ESCALATIONS, escalation_in
from tests.factories import signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def _changes(before: dict) -> dict:
    after = row_counts()
    return {t: after[t] - before[t] for t in WRITTEN_BY_ESCALATIONS if after[t] != before[t]}


def test_the_form_shows_the_partners_choices_and_responsibilities(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    html = client.get("/escalations/new").get_data(as_text=True)
    assert "Acme Customer" in html and "Globex Customer" not in html
    assert "acme lab" in html and "globex lab" not in html
    assert 'data-testid="responsibilities"' in html
    assert "S1: Production down, no workaround" in html


def test_a_certified_technician_submits_through_the_form(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    data = {**form_data(esc), "csrf_token": csrf_of(client)}
    response = client.post("/escalations/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/escalations")
    escalation = db.session.scalars(db.select(Escalation)).one()
    assert escalation.status == "submitted"
    assert escalation.submitter_id == esc.user("acme_tech").id
    assert escalation.first_response_due is not None
    queue = client.get("/escalations").get_data(as_text=True)
    assert f"Escalation #{escalation.id} is submitted" in queue


def _suspend(esc):
    esc.world.acme.status = "suspended"
    db.session.commit()
    return {}


def _unsupported(esc):
    esc.release.supported = False
    db.session.commit()
    return {}


FORM_REFUSALS = [
    # (code, status, technician, form overrides or a function of the world, how-to link)
    ("not_certified", 403, "acme_newbie", {}, "/certifications"),  # no quiz open: the path
    ("partner_suspended", 403, "acme_tech", _suspend, None),
    ("release_not_supported", 422, "acme_tech", _unsupported, None),
    ("release_not_supported", 422, "acme_tech", {"release_id": ""}, None),
    ("reproduction_required", 422, "acme_tech", {"steps": ""}, None),
    ("reproduction_required", 422, "acme_tech", {"reproduced_on_vanilla": None}, None),
    ("customization_involved", 422, "acme_tech", {"no_customization": None}, None),
    ("environment_missing", 422, "acme_tech", {"environment_id": ""}, "/environments/new"),
    ("business_impact_required", 422, "acme_tech", {"severity": "S1"}, None),
]


@pytest.mark.parametrize(
    ("code", "status", "technician", "change", "how_to"),
    FORM_REFUSALS,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(FORM_REFUSALS)],
)
def test_each_refusal_through_the_form_says_why_and_writes_nothing(
    app, esc, code, status, technician, change, how_to
):
    client = signed_in(app, esc.user(technician))
    overrides = change(esc) if callable(change) else change
    data = {**form_data(esc, **overrides), "csrf_token": csrf_of(client)}
    before = row_counts()
    response = client.post("/escalations/new", data=data)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert f'data-refusal="{code}"' in html
    if how_to:
        assert re.search(rf'class="alert-link" href="[^"]*{re.escape(how_to)}', html), html
    assert _changes(before) == {}


@pytest.mark.parametrize("field", ["customer_id", "environment_id"])
def test_another_partners_customer_or_lab_through_the_form_is_404(app, esc, field):
    client = signed_in(app, esc.user("acme_tech"))
    foreign = {
        "customer_id": str(esc.world.globex_customer.id),
        "environment_id": str(esc.environments["globex"].id),
    }[field]
    data = {**form_data(esc, **{field: foreign}), "csrf_token": csrf_of(client)}
    before = row_counts()
    assert client.post("/escalations/new", data=data).status_code == 404
    assert _changes(before) == {}


def test_the_form_needs_its_csrf_token(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    before = row_counts()
    assert client.post("/escalations/new", data=form_data(esc)).status_code == 400
    assert _changes(before) == {}


def test_the_queue_puts_what_is_due_first_on_top_and_marks_breaches(app, esc):
    now = utcnow()
    late = escalation_in(esc, "submitted", partner="globex", now=now - timedelta(days=30))
    fresh = escalation_in(esc, "submitted", now=now)
    accepted = escalation_in(esc, "accepted", now=now - timedelta(days=1))
    closed = escalation_in(esc, "closed", now=now - timedelta(days=2))
    html = signed_in(app, esc.user("vendor_engineer")).get("/escalations").get_data(as_text=True)
    rows = re.findall(r'data-escalation="(\d+)" data-sla="(\w+)"', html)
    ids = [int(i) for i, _ in rows]
    assert closed.id not in ids  # open ones by default
    assert ids[0] == late.id and set(ids) == {late.id, fresh.id, accepted.id}
    assert dict((int(i), s) for i, s in rows)[late.id] == "breached"
    assert ids.index(accepted.id) > ids.index(late.id)


def test_a_partner_sees_only_its_own_escalations_and_drafts_stay_off_the_vendor_queue(app, esc):
    from escalations import services
    from tests.escalations.support import service_input

    ours = escalation_in(esc, "submitted")
    theirs = escalation_in(esc, "submitted", partner="globex")
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Draft"))
    db.session.commit()

    def listed(user_key, query=""):
        client = signed_in(app, esc.user(user_key))
        html = client.get("/escalations" + query).get_data(as_text=True)
        return {int(i) for i in re.findall(r'data-escalation="(\d+)"', html)}

    assert listed("acme_tech", "?status=") == {ours.id, draft.id}
    assert listed("globex_admin") == {theirs.id}
    assert listed("vendor_admin", "?status=") == {ours.id, theirs.id}
    assert listed("vendor_admin", f"?partner={esc.world.globex.id}") == {theirs.id}
    assert listed("vendor_admin", "?severity=S1&status=nonsense") == set()


def test_the_queue_runs_the_same_queries_for_2_or_5_escalations(app, esc, count_queries):
    from escalations import services
    from tests.factories import make_user

    client = signed_in(app, esc.user("vendor_engineer"))

    def queries(expected: int) -> int:
        with count_queries() as counter:
            response = client.get("/escalations")
        assert response.status_code == 200
        assert (
            len(re.findall(r'data-escalation="\d+"', response.get_data(as_text=True))) == expected
        )
        return counter.count

    escalation_in(esc, "submitted")
    escalation_in(esc, "accepted", partner="globex")
    two = queries(2)
    for n, partner in enumerate(("acme", "globex", "acme")):
        escalation = escalation_in(esc, "submitted", partner=partner)
        engineer = make_user("vendor_engineer", email=f"engineer{n}@vendor.example")
        services.assign(escalation, esc.user("vendor_admin"), engineer)
    db.session.commit()
    assert queries(5) == two


def test_an_uncertified_technician_is_told_before_typing_and_how_to_get_there(app, esc):
    newbie = signed_in(app, esc.user("acme_newbie")).get("/escalations/new").get_data(as_text=True)
    assert 'data-testid="not-certified"' in newbie
    assert 'href="/quizzes"' in newbie
    certified = signed_in(app, esc.user("acme_tech")).get("/escalations/new")
    assert 'data-testid="not-certified"' not in certified.get_data(as_text=True)


def test_a_refusal_without_a_link_still_says_how_to_get_there(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    data = {**form_data(esc, no_customization=None), "csrf_token": csrf_of(client)}
    html = client.post("/escalations/new", data=data).get_data(as_text=True)
    assert "Reproduce it without the customisation on your vanilla environment." in html
    assert "Only a problem without your customisation can be escalated." in html
