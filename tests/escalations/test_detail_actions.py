"""The escalation page's actions: workflow buttons, comments, evidence and assignment.

PAGE_TABLE is written by hand from the contract's transitions (who, from which state), not
read from escalations.workflow. For each action, state and principal it says:
- ok: the page shows the action's form, and posting it moves the escalation;
- 403 / 409: the page does not offer it, and posting it anyway is refused with that
  status and a message, the escalation unchanged.
"""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from escalations import services
from escalations.models import Attachment, Comment, EscalationEvent
from portal.extensions import db
from portal.models import AuditEntry, OutboxMessage
from portal.models.base import utcnow
from tests.escalations.support import escalation_in, reload
from tests.factories import bearer, make_user, signed_in
from tests.knowledge_base.factories import make_article
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY

PRINCIPALS = {
    "v_adm": "vendor_admin",
    "s_mgr": "support_manager",
    "v_eng": "vendor_engineer",
    "a_adm": "acme_admin",
    "a_tec": "acme_tech",
}

PAGE_TABLE = """
# action       state               v_adm s_mgr v_eng a_adm a_tec
  accept       submitted           ok    403   ok    403   403
  accept       accepted            409   403   409   403   403
  accept       waiting_on_partner  409   403   409   403   403
  accept       rejected            409   403   409   403   403
  accept       resolved            409   403   409   403   403
  accept       closed              409   403   409   403   403
  accept       withdrawn           409   403   409   403   403

  request_info submitted           ok    403   ok    403   403
  request_info accepted            ok    403   ok    403   403
  request_info waiting_on_partner  409   403   409   403   403
  request_info rejected            409   403   409   403   403
  request_info resolved            409   403   409   403   403
  request_info closed              409   403   409   403   403
  request_info withdrawn           409   403   409   403   403

  respond      submitted           403   403   403   409   409
  respond      accepted            403   403   403   409   409
  respond      waiting_on_partner  403   403   403   ok    ok
  respond      rejected            403   403   403   409   409
  respond      resolved            403   403   403   409   409
  respond      closed              403   403   403   409   409
  respond      withdrawn           403   403   403   409   409

  reject       submitted           ok    403   ok    403   403
  reject       accepted            ok    403   ok    403   403
  reject       waiting_on_partner  409   403   409   403   403
  reject       rejected            409   403   409   403   403
  reject       resolved            409   403   409   403   403
  reject       closed              409   403   409   403   403
  reject       withdrawn           409   403   409   403   403

  resolve      submitted           409   403   409   403   403
  resolve      accepted            ok    403   ok    403   403
  resolve      waiting_on_partner  409   403   409   403   403
  resolve      rejected            409   403   409   403   403
  resolve      resolved            409   403   409   403   403
  resolve      closed              409   403   409   403   403
  resolve      withdrawn           409   403   409   403   403

  reopen       submitted           403   403   403   409   409
  reopen       accepted            403   403   403   409   409
  reopen       waiting_on_partner  403   403   403   409   409
  reopen       rejected            403   403   403   409   409
  reopen       resolved            403   403   403   ok    ok
  reopen       closed              403   403   403   409   409
  reopen       withdrawn           403   403   403   409   409

  close        submitted           409   409   409   409   409
  close        accepted            409   409   409   409   409
  close        waiting_on_partner  409   409   409   409   409
  close        rejected            409   409   409   409   409
  close        resolved            ok    ok    ok    ok    ok
  close        closed              409   409   409   409   409
  close        withdrawn           409   409   409   409   409

  withdraw     submitted           403   403   403   ok    ok
  withdraw     accepted            403   403   403   ok    ok
  withdraw     waiting_on_partner  403   403   403   ok    ok
  withdraw     rejected            403   403   403   409   409
  withdraw     resolved            403   403   403   409   409
  withdraw     closed              403   403   403   409   409
  withdraw     withdrawn           403   403   403   409   409
"""

#: Where each action leads from the table's states (a waiting one waited from `submitted`).
TARGETS = {
    "accept": "accepted",
    "request_info": "waiting_on_partner",
    "respond": "submitted",
    "reject": "rejected",
    "resolve": "resolved",
    "reopen": "accepted",
    "close": "closed",
    "withdraw": "withdrawn",
}
#: What the forms post: every field any action needs, confirmed.
POSTED = {"note": "Fixed in 4.1.1", "reason": "duplicate", "confirmed": "yes"}


def _table() -> dict[str, dict[tuple[str, str], str]]:
    by_state: dict[str, dict] = {}
    for line in PAGE_TABLE.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        action, state, *outcomes = line.split()
        assert len(outcomes) == len(PRINCIPALS), line
        for key, outcome in zip(PRINCIPALS, outcomes, strict=True):
            by_state.setdefault(state, {})[(action, key)] = outcome
    return by_state


TABLE = _table()


def _client(app, user):
    """A client signed in through the login form (with CSRF, whatever the test sets)."""
    enabled = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        return signed_in(app, user)
    finally:
        app.config["WTF_CSRF_ENABLED"] = enabled


def _offered(html: str) -> set[str]:
    return set(re.findall(r'data-testid="action-(\w+)"', html))


def _post(client, escalation, action: str, **data):
    return client.post(
        f"/escalations/{escalation.id}/transitions", data={"action": action, **POSTED, **data}
    )


def _audit_count(action: str, escalation) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == f"escalation.{action}", AuditEntry.object_id == escalation.id)
    )


def _events(escalation, action: str) -> list[EscalationEvent]:
    return db.session.scalars(
        select(EscalationEvent).where(
            EscalationEvent.escalation_id == escalation.id, EscalationEvent.action == action
        )
    ).all()


def _outbox_to(recipient: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == recipient)
    )


def test_the_table_covers_every_action_state_and_principal():
    assert len(TABLE) == 7
    assert all(len(cells) == len(TARGETS) * len(PRINCIPALS) for cells in TABLE.values())


@pytest.mark.usefixtures("csrf_off")
@pytest.mark.parametrize("state", list(TABLE))
def test_each_action_is_offered_and_allowed_or_refused_as_the_table_says(app, esc, state):
    clients = {key: _client(app, esc.user(role)) for key, role in PRINCIPALS.items()}
    escalation = escalation_in(esc, state)
    observed = {}
    for key, client in clients.items():
        offered = _offered(client.get(f"/escalations/{escalation.id}").get_data(as_text=True))
        for action in TARGETS:
            if (action, key) in TABLE[state] and TABLE[state][action, key] == "ok":
                continue  # below, each on an escalation of its own
            response = _post(client, escalation, action)
            db.session.expire_all()
            assert reload(escalation).status == state, (action, key)
            assert 'data-testid="refusal"' in response.get_data(as_text=True), (action, key)
            observed[action, key] = str(response.status_code)
            assert action not in offered, (action, key)
    for (action, key), outcome in TABLE[state].items():
        if outcome != "ok":
            continue
        fresh = escalation_in(esc, state)
        page = clients[key].get(f"/escalations/{fresh.id}").get_data(as_text=True)
        assert action in _offered(page), (action, key)
        partner_mail = _outbox_to("tech@acme.example")
        before = (_audit_count(action, fresh), len(_events(fresh, action)))
        response = _post(clients[key], fresh, action)
        assert response.status_code == 302, (action, key, response.get_data(as_text=True)[:300])
        fresh = reload(fresh)
        observed[action, key] = "ok" if fresh.status == TARGETS[action] else fresh.status
        # Audited, on the timeline, and the partner is told by mail.
        assert (_audit_count(action, fresh), len(_events(fresh, action))) == (
            before[0] + 1,
            before[1] + 1,
        ), (action, key)
        assert _outbox_to("tech@acme.example") == partner_mail + 1, (action, key)
    assert observed == TABLE[state]


@pytest.mark.usefixtures("csrf_off")
def test_another_partner_gets_404_on_every_action_url(app, esc):
    escalation = escalation_in(esc, "waiting_on_partner")
    clients = [_client(app, esc.user(key)) for key in ("globex_tech", "globex_admin")]
    before = row_counts()
    for client in clients:
        base = f"/escalations/{escalation.id}"
        assert client.get(base).status_code == 404
        for action in TARGETS:
            assert _post(client, escalation, action).status_code == 404
        assert client.post(f"{base}/comments", data={"body": "Hello"}).status_code == 404
        upload = {"file": (_text_file(), "x.log")}
        assert client.post(f"{base}/attachments", data=upload).status_code == 404
        # The vendor's own actions are refused to any partner user, whoever's it is.
        assert client.post(f"{base}/assignment", data={"assignee": ""}).status_code == 403
        assert client.post(f"{base}/kb-article").status_code == 403
    assert row_counts() == before


def _text_file():
    return io.BytesIO(b"2026-12-01 ERROR export stalled\n")


def test_the_forms_carry_csrf_and_a_post_without_it_changes_nothing(app, esc):
    escalation = escalation_in(esc, "submitted")
    client = _client(app, esc.user("vendor_engineer"))
    html = client.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S)
    assert forms and all('name="csrf_token"' in form for form in forms)
    response = _post(client, escalation, "accept")
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)
    assert reload(escalation).status == "submitted"
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert _post(client, escalation, "accept", csrf_token=token).status_code == 302
    assert reload(escalation).status == "accepted"


@pytest.mark.usefixtures("csrf_off")
@pytest.mark.parametrize(
    ("action", "who", "state"),
    [("reject", "vendor_engineer", "submitted"), ("withdraw", "acme_tech", "accepted")]
    + [("close", "acme_admin", "resolved")],
)
def test_destructive_actions_ask_for_confirmation_first(app, esc, action, who, state):
    escalation = escalation_in(esc, state)
    client = _client(app, esc.user(who))
    page = client.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*data-testid="action-{action}"[^>]*>', page).group(0)
    assert "data-confirm-question" in form
    data = {"action": action, "note": "Not ours", "reason": "duplicate"}
    asked = client.post(f"/escalations/{escalation.id}/transitions", data=data)
    assert asked.status_code == 200 and 'data-testid="confirm-page"' in asked.get_data(as_text=True)
    assert reload(escalation).status == state
    confirmed = client.post(
        f"/escalations/{escalation.id}/transitions", data={**data, "confirmed": "yes"}
    )
    assert confirmed.status_code == 302
    assert reload(escalation).status == TARGETS[action]


@pytest.mark.usefixtures("csrf_off")
@pytest.mark.parametrize(
    ("action", "state", "data", "message"),
    [
        ("request_info", "submitted", {"note": ""}, "Say what you need from the partner."),
        ("resolve", "accepted", {"note": "  "}, "Say how it was resolved."),
        ("reject", "submitted", {"reason": ""}, "Choose the reason it is unwarranted."),
        ("reject", "submitted", {"reason": "because"}, "Not a valid choice"),
        (
            "reject",
            "accepted",
            {"reason": "documented_in_kb", "article": ""},
            "Choose the article that documents it.",
        ),
        ("reject", "submitted", {"reason": "duplicate", "note": ""}, "Explain the rejection"),
    ],
)
def test_a_form_missing_what_its_action_needs_says_so_and_changes_nothing(
    app, esc, action, state, data, message
):
    escalation = escalation_in(esc, state)
    client = _client(app, esc.user("vendor_engineer"))
    before = row_counts()
    response = _post(client, escalation, action, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    # The refused form is open, so its message is seen.
    assert re.search(r"<details[^>]* open>\s*<summary[^>]*>" + TITLES[action], html)
    assert row_counts() == before
    assert reload(escalation).status == state


TITLES = {"request_info": "Request information", "resolve": "Resolve", "reject": "Reject"}


@pytest.mark.usefixtures("csrf_off")
def test_an_unknown_action_is_refused_with_a_message(app, esc):
    escalation = escalation_in(esc, "submitted")
    client = _client(app, esc.user("vendor_engineer"))
    response = _post(client, escalation, "delete")
    assert response.status_code == 400
    assert "Choose one of the actions offered." in response.get_data(as_text=True)
    assert reload(escalation).status == "submitted"


@pytest.mark.usefixtures("csrf_off")
def test_reopen_is_offered_within_fourteen_days_of_resolution_only(app, esc):
    recent = escalation_in(esc, "resolved", now=utcnow() - timedelta(days=13))
    old = escalation_in(esc, "resolved", now=utcnow() - timedelta(days=15))
    client = _client(app, esc.user("acme_tech"))
    assert "reopen" in _offered(client.get(f"/escalations/{recent.id}").get_data(as_text=True))
    assert "reopen" not in _offered(client.get(f"/escalations/{old.id}").get_data(as_text=True))
    refused = _post(client, old, "reopen")
    assert refused.status_code == 409
    assert "within 14 days" in refused.get_data(as_text=True)
    assert reload(old).status == "resolved"
    assert _post(client, recent, "reopen").status_code == 302
    assert reload(recent).status == "accepted"


@pytest.mark.usefixtures("csrf_off")
def test_a_rejection_as_documented_in_kb_names_the_article(app, esc):
    article = make_article(esc.user("vendor_engineer"), title="Exports over 2 GB need 64-bit")
    escalation = escalation_in(esc, "submitted")
    client = _client(app, esc.user("vendor_engineer"))
    page = client.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert f'value="{article.slug}"' in page
    response = _post(client, escalation, "reject", reason="documented_in_kb", article=article.slug)
    assert response.status_code == 302
    escalation = reload(escalation)
    assert escalation.rejection_reason == "documented_in_kb"
    assert escalation.rejection_article_id == article.id


# --- Comments ---------------------------------------------------------------------------


@pytest.mark.usefixtures("csrf_off")
def test_partner_comments_are_read_by_everyone_who_sees_the_escalation(app, esc):
    escalation = escalation_in(esc, "accepted")
    tech = _client(app, esc.user("acme_tech"))
    page = tech.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert 'name="internal"' not in page  # partners write no internal notes
    response = tech.post(f"/escalations/{escalation.id}/comments", data={"body": "Logs sent"})
    assert response.status_code == 302
    for key in ("vendor_engineer", "support_manager", "acme_admin"):
        html = (
            _client(app, esc.user(key)).get(f"/escalations/{escalation.id}").get_data(as_text=True)
        )
        assert "Logs sent" in html, key


@pytest.mark.usefixtures("csrf_off")
def test_internal_notes_never_reach_the_partner_on_the_page_or_the_api(app, esc):
    escalation = escalation_in(esc, "accepted")
    engineer = _client(app, esc.user("vendor_engineer"))
    url = f"/escalations/{escalation.id}/comments"
    mail_before = _outbox_to("tech@acme.example")
    assert (
        engineer.post(url, data={"body": "Suspect the cache", "internal": "y"}).status_code == 302
    )
    assert _outbox_to("tech@acme.example") == mail_before  # no mail for an internal note
    assert engineer.post(url, data={"body": "Please send the logs"}).status_code == 302
    assert _outbox_to("tech@acme.example") == mail_before + 1
    internal = db.session.scalar(select(Comment).where(Comment.body == "Suspect the cache"))
    assert internal.internal is True
    vendor_page = engineer.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert "Suspect the cache" in vendor_page
    for key in ("acme_tech", "acme_admin"):
        html = (
            _client(app, esc.user(key)).get(f"/escalations/{escalation.id}").get_data(as_text=True)
        )
        assert "Please send the logs" in html and "Suspect the cache" not in html, key
        api = app.test_client().get(
            f"/api/v1/escalations/{escalation.id}", headers=bearer(esc.user(key))
        )
        assert api.status_code == 200
        assert "Please send the logs" in api.get_data(as_text=True)
        assert "Suspect the cache" not in api.get_data(as_text=True), key


@pytest.mark.usefixtures("csrf_off")
def test_a_partner_posting_an_internal_note_by_hand_is_refused(app, esc):
    escalation = escalation_in(esc, "accepted")
    client = _client(app, esc.user("acme_tech"))
    before = row_counts()
    response = client.post(
        f"/escalations/{escalation.id}/comments", data={"body": "Psst", "internal": "y"}
    )
    assert response.status_code == 403
    assert "Only vendor staff can write internal notes." in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.usefixtures("csrf_off")
def test_an_empty_comment_says_so(app, esc):
    escalation = escalation_in(esc, "accepted")
    client = _client(app, esc.user("acme_tech"))
    before = row_counts()
    response = client.post(f"/escalations/{escalation.id}/comments", data={"body": ""})
    assert response.status_code == 400 and "Write a comment." in response.get_data(as_text=True)
    assert row_counts() == before


# --- Evidence ---------------------------------------------------------------------------


@pytest.mark.usefixtures("csrf_off")
def test_evidence_added_later_is_stored_and_on_the_timeline(app, esc):
    escalation = escalation_in(esc, "waiting_on_partner")
    client = _client(app, esc.user("acme_tech"))
    response = client.post(
        f"/escalations/{escalation.id}/attachments",
        data={"file": (_text_file(), "server.log")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    attachment = db.session.scalar(select(Attachment).where(Attachment.file_name == "server.log"))
    assert attachment.content_type == "text/plain"
    kinds = db.session.scalars(
        select(EscalationEvent.kind).where(EscalationEvent.escalation_id == escalation.id)
    ).all()
    assert "attachment" in kinds
    html = _client(app, esc.user("vendor_engineer")).get(f"/escalations/{escalation.id}")
    assert "server.log" in html.get_data(as_text=True)


@pytest.mark.usefixtures("csrf_off")
def test_a_refused_file_says_why_and_stores_nothing(app, esc):
    escalation = escalation_in(esc, "accepted")
    client = _client(app, esc.user("acme_tech"))
    before = row_counts()
    response = client.post(
        f"/escalations/{escalation.id}/attachments",
        data={"file": (io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\x00" * 64), "tool.log")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "This kind of file cannot be attached" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.usefixtures("csrf_off")
@pytest.mark.parametrize(
    ("state", "takes_files"),
    [
        ("submitted", True),
        ("accepted", True),
        ("waiting_on_partner", True),
        ("rejected", True),
        ("resolved", True),
        ("closed", False),
        ("withdrawn", False),
    ],
)
def test_the_upload_is_offered_exactly_while_the_escalation_takes_files(
    app, esc, state, takes_files
):
    escalation = escalation_in(esc, state)
    client = _client(app, esc.user("acme_tech"))
    page = client.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert ('data-testid="evidence-form"' in page) is takes_files
    response = client.post(
        f"/escalations/{escalation.id}/attachments",
        data={"file": (_text_file(), "late.log")},
        content_type="multipart/form-data",
    )
    assert response.status_code == (302 if takes_files else 409)


# --- Assignment -------------------------------------------------------------------------


@pytest.mark.usefixtures("csrf_off")
def test_an_engineer_assigns_to_themselves_and_a_manager_to_an_engineer(app, esc):
    escalation = escalation_in(esc, "submitted")
    engineer = esc.user("vendor_engineer")
    other = make_user("vendor_engineer", email="second@vendor.example")
    db.session.commit()
    client = _client(app, engineer)
    page = client.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert "Assign to me" in page
    url = f"/escalations/{escalation.id}/assignment"
    assert client.post(url, data={"assignee": "me"}).status_code == 302
    assert reload(escalation).assignee_id == engineer.id
    page = _client(app, esc.user("acme_tech")).get(f"/escalations/{escalation.id}")
    assert engineer.name in page.get_data(as_text=True)  # shown to the partner too
    manager = _client(app, esc.user("support_manager"))
    manager_page = manager.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert "Assign to me" not in manager_page and 'data-testid="assign-form"' in manager_page
    assert manager.post(url, data={"assignee": str(other.id)}).status_code == 302
    assert reload(escalation).assignee_id == other.id
    assert manager.post(url, data={"assignee": ""}).status_code == 302
    assert reload(escalation).assignee_id is None
    assert _audit_count("assigned", escalation) == 3


@pytest.mark.usefixtures("csrf_off")
def test_assigning_to_someone_not_an_active_engineer_is_refused(app, esc):
    escalation = escalation_in(esc, "submitted")
    manager = _client(app, esc.user("support_manager"))
    url = f"/escalations/{escalation.id}/assignment"
    before = row_counts()
    admin_id = str(esc.user("vendor_admin").id)
    response = manager.post(url, data={"assignee": admin_id})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    response = manager.post(url, data={"assignee": "me"})  # a manager is no engineer
    assert response.status_code == 422
    assert "Not an active vendor engineer." in response.get_data(as_text=True)
    assert row_counts() == before
    partner = _client(app, esc.user("acme_admin"))
    page = partner.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert 'data-testid="assign-form"' not in page
    assert partner.post(url, data={"assignee": "me"}).status_code == 403


def test_the_page_runs_the_same_queries_whatever_it_offers(app, esc, count_queries):
    """More comments, files, engineers and articles to choose from: no more queries."""
    make_article(esc.user("vendor_engineer"), title="Exports over 2 GB need 64-bit")
    escalation = escalation_in(esc, "accepted")
    client = _client(app, esc.user("vendor_engineer"))

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/escalations/{escalation.id}").status_code == 200
        return counter.count

    services.add_comment(escalation, esc.user("vendor_engineer"), "First")
    services.add_attachment(escalation, esc.user("acme_tech"), "first.log", b"log line\n")
    db.session.commit()
    few = queries()
    for n in range(3):
        author = make_user("vendor_engineer", email=f"author{n}@vendor.example")
        services.add_comment(escalation, author, f"Comment {n}", internal=n == 1)
        services.add_attachment(escalation, author, f"f{n}.log", b"log line\n")
        make_article(author, title=f"Another article {n}")
    db.session.commit()
    assert queries() == few
