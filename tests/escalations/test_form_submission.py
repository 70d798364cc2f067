"""The submission form's deflection log and evidence: the KB articles shown, opened and
ticked are stored with the escalation (only those the technician may read), and files
are stored in the same transaction (a refused file refuses the whole form)."""

import re

import pytest
from sqlalchemy import select

from escalations.forms import EVIDENCE_FILES_MAX
from escalations.models import Attachment, DeflectionEntry, Escalation
from escalations.storage import storage
from portal.extensions import db
from tests.escalations.form_support import (
    ELF,
    LOG,
    changes,
    form_data,
    kb_articles,
    post_form,
)
from tests.escalations.test_evidence import png_bytes
from tests.factories import signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY

NEW = "/escalations/new"


@pytest.fixture
def articles(esc):
    return kb_articles(esc)


def _log_of(escalation_id: int) -> dict[str, tuple[bool, bool, bool]]:
    entries = db.session.scalars(
        select(DeflectionEntry).where(DeflectionEntry.escalation_id == escalation_id)
    )
    return {e.article.slug: (e.suggested, e.opened, e.reviewed) for e in entries}


def test_the_articles_shown_opened_and_ticked_are_stored_with_the_escalation(app, esc, articles):
    client = signed_in(app, esc.user("acme_tech"))
    export, sso = articles["export"].slug, articles["sso"].slug
    data = form_data(esc, kb_suggested=[export, sso], kb_opened=[export], kb_reviewed=[export])
    response = post_form(client, NEW, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    escalation = db.session.scalars(select(Escalation)).one()
    assert _log_of(escalation.id) == {export: (True, True, True), sso: (True, False, False)}


def test_articles_the_technician_may_not_read_are_not_logged(app, esc, articles):
    client = signed_in(app, esc.user("acme_tech"))
    hidden = [articles["internal"].slug, articles["draft"].slug, "no-such-article"]
    data = form_data(
        esc,
        kb_suggested=hidden,
        kb_reviewed=[*hidden, articles["export"].slug],
        kb_opened="x" * 300,
    )
    assert post_form(client, NEW, data).status_code == 302
    escalation = db.session.scalars(select(Escalation)).one()
    assert _log_of(escalation.id) == {articles["export"].slug: (True, False, True)}


def test_files_are_stored_with_the_escalation(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    files = [("export.log", LOG), ("../../screen shot.png", png_bytes())]
    response = post_form(client, NEW, form_data(esc), files=files)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    escalation = db.session.scalars(select(Escalation)).one()
    stored = db.session.scalars(
        select(Attachment).where(Attachment.escalation_id == escalation.id).order_by(Attachment.id)
    ).all()
    assert [(a.file_name, a.content_type) for a in stored] == [
        ("export.log", "text/plain"),
        ("screen shot.png", "image/png"),
    ]
    assert storage().get(stored[0]) == LOG
    assert {a.uploaded_by_id for a in stored} == {esc.user("acme_tech").id}


def test_an_empty_file_input_adds_nothing(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    response = post_form(client, NEW, form_data(esc), files=[("", b"")])
    assert response.status_code == 302
    assert row_counts()["escalation_attachments"] == 0


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        ([("export.log", LOG), ("tool.bin", ELF)], 422, "tool.bin: This kind of file cannot"),
        ([("huge.log", b"x" * 2048)], 413, "huge.log: The file is larger than"),
        ([(f"{n}.log", LOG) for n in range(EVIDENCE_FILES_MAX + 1)], 400, "At most 10 files"),
    ],
    ids=["type", "size", "count"],
)
def test_a_refused_file_refuses_the_whole_form_and_writes_nothing(
    app, esc, monkeypatch, files, status, message
):
    monkeypatch.setitem(app.config, "ESCALATION_ATTACHMENT_MAX_BYTES", 1024)
    client = signed_in(app, esc.user("acme_tech"))
    before = row_counts()
    response = post_form(client, NEW, form_data(esc), files=files)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html
    assert "choose them again" in html  # the browser does not keep the files
    assert 'value="Export hangs on files over 2 GB"' in html  # what was typed is kept
    assert changes(before) == {}


def test_the_form_is_multipart_and_keeps_its_csrf_token(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    html = client.get(NEW).get_data(as_text=True)
    form = re.search(r"<form [^>]*id=\"escalation-form\"[^>]*>", html).group(0)
    assert 'enctype="multipart/form-data"' in form
    assert 'name="csrf_token"' in html
    assert 'type="file"' in html and "multiple" in html
    before = row_counts()
    response = client.post(
        NEW, data={**form_data(esc), "evidence": []}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert changes(before) == {}


def test_the_form_shows_matching_articles_when_it_comes_back(app, esc, articles):
    """Without the script, a form sent back (a refusal) lists what matches, ticks kept."""
    client = signed_in(app, esc.user("acme_tech"))
    hidden = [articles["internal"].slug, articles["draft"].slug]
    data = form_data(esc, steps="", kb_reviewed=[articles["sso"].slug, *hidden])
    data["kb_suggested"] = hidden
    response = post_form(client, NEW, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    panel = html[html.index('data-testid="kb-suggestions"') :]
    listed = re.findall(r'<li class="kb-suggestion[^"]*" data-slug="([^"]+)"', panel)
    assert listed[0] == articles["sso"].slug  # ticked first
    assert articles["export"].slug in listed
    assert articles["internal"].slug not in html and articles["draft"].slug not in html
    assert re.search(rf'value="{articles["sso"].slug}" id="[^"]+" checked', panel)
    assert f'name="kb_suggested" value="{articles["export"].slug}"' in panel
    assert 'target="_blank"' in panel
