"""Drafts on the form: any technician saves one (no gate yet), any technician of the
partner reopens and edits it, a certified colleague submits it and the gate judges the
colleague; another partner's technician meets a 404, and a submitted escalation is no
longer a draft to edit."""

import re

import pytest
from sqlalchemy import select

from escalations import services
from escalations.models import Attachment, DeflectionEntry, Escalation
from portal.extensions import db
from tests.escalations.form_support import (
    ELF,
    LOG,
    changes,
    csrf_of,
    form_data,
    kb_articles,
    post_form,
)
from tests.escalations.support import escalation_in, reload, service_input
from tests.factories import signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY

NEW = "/escalations/new"

# Who may open (GET) and save (POST, "Save draft") /escalations/<id>/edit, for a draft of
# acme drafted by its newcomer and for a submitted escalation of acme. Written by hand:
#   ok    the page (GET 200) or the draft saved (POST, a redirect back to the draft)
#   login a redirect to the login page
#   403   the role may not use the form; 404 not a draft of the principal's partner
ACCESS_TABLE = """
# principal        GET draft  POST draft  GET submitted  POST submitted
  anonymous        login      login       login          login
  vendor_admin     403        403         403            403
  support_manager  403        403         403            403
  vendor_engineer  403        403         403            403
  acme_admin       403        403         403            403
  acme_tech        ok         ok          404            404
  acme_newbie      ok         ok          404            404
  globex_admin     403        403         403            403
  globex_tech      404        404         404            404
"""
COLUMNS = [("GET", "draft"), ("POST", "draft"), ("GET", "submitted"), ("POST", "submitted")]


def _table() -> dict[str, list[str]]:
    rows = {}
    for line in ACCESS_TABLE.strip().splitlines():
        if line.startswith("#"):
            continue
        principal, *outcomes = line.split()
        rows[principal] = outcomes
    return rows


def _client(app, esc, principal: str):
    if principal == "anonymous":
        return app.test_client(), "/login"
    return signed_in(app, esc.user(principal)), "/profile"


def _outcome(response, url: str) -> str:
    if response.status_code == 302:
        location = response.headers["Location"]
        if "/login" in location:
            return "login"
        assert location.endswith(url), location
        return "ok"
    if response.status_code == 200:
        return "ok"
    return str(response.status_code)


@pytest.mark.parametrize("principal", list(_table()))
def test_who_may_open_and_save_a_draft(app, esc, principal):
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Draft"))
    db.session.commit()
    submitted = escalation_in(esc, "submitted")
    targets = {"draft": draft, "submitted": submitted}
    client, token_page = _client(app, esc, principal)
    token = csrf_of(client, token_page)
    found = []
    for method, state in COLUMNS:
        escalation = targets[state]
        url = f"/escalations/{escalation.id}/edit"
        before = row_counts()
        if method == "GET":
            response = client.get(url)
        else:
            data = {**form_data(esc, title="Renamed"), "action": "draft", "csrf_token": token}
            response = client.post(url, data=data)
        outcome = _outcome(response, url)
        found.append(outcome)
        if method == "POST" and outcome != "ok":
            assert changes(before) == {}
            assert reload(escalation).title != "Renamed"
    assert found == _table()[principal]


def test_a_newcomer_saves_an_incomplete_draft_with_evidence(app, esc):
    articles = kb_articles(esc)
    client = signed_in(app, esc.user("acme_newbie"))
    export = articles["export"].slug
    data = form_data(
        esc,
        environment_id="",
        steps="",
        reproduced_on_vanilla=None,
        action="draft",
        kb_suggested=[export],
        kb_reviewed=[export],
    )
    before = row_counts()
    response = post_form(client, NEW, data, files=[("export.log", LOG)])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    draft = db.session.scalars(select(Escalation)).one()
    assert response.headers["Location"].endswith(f"/escalations/{draft.id}/edit")
    assert draft.status == "draft" and draft.submitter_id is None
    assert draft.drafted_by_id == esc.user("acme_newbie").id
    assert changes(before).get("outbox_messages") is None  # a draft mails nobody
    assert db.session.scalar(select(Attachment.file_name)) == "export.log"
    entry = db.session.scalars(select(DeflectionEntry)).one()
    assert (entry.article.slug, entry.reviewed) == (export, True)

    page = client.get(f"/escalations/{draft.id}/edit").get_data(as_text=True)
    assert f"Draft #{draft.id} is saved" in page
    assert 'value="Export hangs on files over 2 GB"' in page
    assert "export.log" in page and 'data-testid="draft-attachments"' in page
    assert re.search(rf'value="{export}" id="[^"]+" checked', page)
    assert f'action="/escalations/{draft.id}/edit"' in page


def test_a_certified_colleague_edits_and_submits_a_newcomers_draft(app, esc):
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Draft"))
    services.add_attachment(draft, esc.user("acme_newbie"), "first.log", LOG)
    db.session.commit()
    colleague = esc.user("acme_tech")
    client = signed_in(app, colleague)
    url = f"/escalations/{draft.id}/edit"
    before = row_counts()
    response = post_form(
        client, url, form_data(esc, title="Export hangs over 2 GB"), files=[("second.log", LOG)]
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/escalations")
    escalation = reload(draft)
    assert escalation.status == "submitted" and escalation.title == "Export hangs over 2 GB"
    assert escalation.submitter_id == colleague.id
    assert escalation.drafted_by_id == esc.user("acme_newbie").id
    names = db.session.scalars(
        select(Attachment.file_name).where(Attachment.escalation_id == draft.id)
    ).all()
    assert sorted(names) == ["first.log", "second.log"]
    assert changes(before)["outbox_messages"] >= 1  # submitted: the vendor hears of it
    assert client.get(url).status_code == 404  # no longer a draft to edit


def test_the_gate_judges_whoever_submits_the_draft(app, esc):
    """The newcomer who drafted it cannot submit it: nothing changes, not even the text."""
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Draft"))
    db.session.commit()
    client = signed_in(app, esc.user("acme_newbie"))
    before = row_counts()
    response = post_form(
        client,
        f"/escalations/{draft.id}/edit",
        form_data(esc, title="Changed"),
        files=[("export.log", LOG)],
    )
    assert response.status_code == 403
    assert 'data-refusal="not_certified"' in response.get_data(as_text=True)
    assert changes(before) == {}
    draft = reload(draft)
    assert (draft.status, draft.title) == ("draft", "Draft")


@pytest.mark.parametrize(
    ("overrides", "files", "status", "says"),
    [
        ({"title": ""}, [], 422, "Give the escalation a title."),
        ({}, [("tool.bin", ELF)], 422, "tool.bin: This kind of file cannot be attached"),
        ({"customer_id": "globex"}, [], 404, None),
    ],
    ids=["no-title", "refused-file", "another-partners-customer"],
)
def test_a_refused_draft_writes_nothing(app, esc, overrides, files, status, says):
    if overrides.get("customer_id") == "globex":
        overrides = {"customer_id": str(esc.world.globex_customer.id)}
    client = signed_in(app, esc.user("acme_newbie"))
    before = row_counts()
    response = post_form(client, NEW, form_data(esc, action="draft", **overrides), files=files)
    assert response.status_code == status
    if says:
        assert says in response.get_data(as_text=True)
    assert changes(before) == {}


def test_saving_a_draft_again_keeps_its_log_and_adds_to_it(app, esc):
    articles = kb_articles(esc)
    export, sso = articles["export"].slug, articles["sso"].slug
    client = signed_in(app, esc.user("acme_newbie"))
    data = form_data(esc, action="draft", kb_suggested=[export], kb_reviewed=[export])
    response = post_form(client, NEW, data)
    url = response.headers["Location"]
    again = form_data(esc, action="draft", kb_suggested=[sso], kb_opened=[sso])
    assert post_form(client, url, again).status_code == 302
    entries = {
        e.article.slug: (e.suggested, e.opened, e.reviewed)
        for e in db.session.scalars(select(DeflectionEntry))
    }
    assert entries == {export: (True, False, True), sso: (True, True, False)}
