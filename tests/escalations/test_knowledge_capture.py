"""Knowledge capture: a resolved escalation starts a draft KB article prefilled from it,
linked both ways; a rejection as `documented_in_kb` names its article, and the page says
whether the submitter had been shown it while writing."""

import re

import pytest
from sqlalchemy import func, select

from escalations import services
from escalations.knowledge_capture import KnowledgeCapture, start_article
from escalations.workflow import apply_transition
from knowledge_base.models import Article
from knowledge_base.services import publish_article
from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEntry
from tests.escalations.support import escalation_in, reload, service_input
from tests.factories import signed_in
from tests.knowledge_base.factories import make_article
from tests.support import row_counts

#: Written by hand: who is offered "Start a KB article", and what posting it does.
#: ok: offered, and the post starts the draft; 403: the role never may (the KB's writers
#: only); 409: the role may, but not before the escalation is resolved.
CAPTURE_TABLE = """
# state               v_adm s_mgr v_eng a_adm a_tec
  submitted           409   403   409   403   403
  accepted            409   403   409   403   403
  waiting_on_partner  409   403   409   403   403
  rejected            409   403   409   403   403
  resolved            ok    403   ok    403   403
  closed              ok    403   ok    403   403
  withdrawn           409   403   409   403   403
"""
PRINCIPALS = ("vendor_admin", "support_manager", "vendor_engineer", "acme_admin", "acme_tech")


def _table() -> dict[str, dict[str, str]]:
    """state -> {principal: outcome}."""
    rows = {}
    for line in CAPTURE_TABLE.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        state, *outcomes = line.split()
        rows[state] = dict(zip(PRINCIPALS, outcomes, strict=True))
    return rows


TABLE = _table()


def _captures() -> int:
    return db.session.scalar(select(func.count()).select_from(KnowledgeCapture))


@pytest.mark.parametrize("state", list(TABLE))
def test_starting_an_article_is_offered_and_allowed_as_the_table_says(app, esc, state):
    observed = {}
    for who in PRINCIPALS:
        escalation = escalation_in(esc, state)  # each its own: an "ok" captures it
        before = _captures()
        client = signed_in(app, esc.user(who))
        page = client.get(f"/escalations/{escalation.id}").get_data(as_text=True)
        offered = "Start a KB article" in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(
            f"/escalations/{escalation.id}/kb-article", data={"csrf_token": token}
        )
        if response.status_code == 302:
            assert "/kb/articles/" in response.headers["Location"]
            assert offered and _captures() == before + 1, who
            observed[who] = "ok"
        else:
            assert not offered and _captures() == before, who
            observed[who] = str(response.status_code)
    assert observed == TABLE[state]


def test_only_the_kbs_writers_start_articles_whatever_the_page(esc):
    escalation = escalation_in(esc, "resolved")
    for who in ("support_manager", "acme_admin", "acme_tech"):
        with pytest.raises(DomainError) as refused:
            start_article(escalation, esc.user(who))
        assert refused.value.code == "forbidden", who
    assert _captures() == 0


def test_the_draft_is_prefilled_from_the_escalation_without_internal_notes(app, esc):
    escalation = escalation_in(esc, "accepted")
    engineer = esc.user("vendor_engineer")
    services.add_comment(escalation, engineer, "Customer Acme Corp pays us late", internal=True)
    apply_transition(escalation, engineer, "resolve", note="Raise the export buffer to 4 GB.")
    db.session.commit()
    article = start_article(escalation, engineer)
    db.session.commit()
    assert (article.status, article.title) == ("draft", "Export hangs on files over 2 GB")
    assert article.kind == "known_issue" and article.product_id == esc.world.product.id
    assert [r.id for r in article.releases] == [escalation.release_id]
    for words in ("It hangs at 99%", "1. Open a 3 GB file 2. Export", "The export finishes"):
        assert words in article.body
    assert "Raise the export buffer to 4 GB." in article.body
    assert "pays us late" not in article.body  # internal notes never leave the vendor
    assert "Acme" not in article.body  # nor the partner's or the customer's name
    audit = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "escalation.kb_article_started")
    )
    assert audit.object_id == escalation.id and audit.partner_id == escalation.partner_id


def test_without_a_resolve_note_the_last_vendor_comment_is_the_resolution(esc):
    """Partner comments and internal notes are not the resolution."""
    escalation = escalation_in(esc, "accepted")
    engineer = esc.user("vendor_engineer")
    services.add_comment(escalation, esc.user("acme_tech"), "Still failing here")
    services.add_comment(escalation, engineer, "Patch 4.1.2 fixes it")
    services.add_comment(escalation, engineer, "Secret workaround", internal=True)
    resolved = apply_transition(escalation, engineer, "resolve", note="x")
    resolved.note = ""  # as an escalation resolved before notes were required
    article = start_article(escalation, engineer)
    assert "Patch 4.1.2 fixes it" in article.body
    assert "Secret workaround" not in article.body and "Still failing here" not in article.body


def test_the_article_and_the_escalation_link_to_each_other(app, esc):
    escalation = escalation_in(esc, "resolved")
    engineer = esc.user("vendor_engineer")
    article = start_article(escalation, engineer)
    db.session.commit()
    vendor = signed_in(app, engineer)
    page = vendor.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    assert f"/kb/articles/{article.slug}" in page and "Start a KB article" not in page
    origin = f"/escalations/{escalation.id}"
    assert origin in vendor.get(f"/kb/articles/{article.slug}").get_data(as_text=True)
    publish_article(article, actor=engineer)
    db.session.commit()
    # The partner whose escalation it was sees both links; another partner neither.
    acme = signed_in(app, esc.user("acme_tech"))
    assert f"/kb/articles/{article.slug}" in acme.get(origin).get_data(as_text=True)
    assert origin in acme.get(f"/kb/articles/{article.slug}").get_data(as_text=True)
    globex = signed_in(app, esc.user("globex_tech")).get(f"/kb/articles/{article.slug}")
    assert globex.status_code == 200
    assert origin not in globex.get_data(as_text=True)
    assert 'data-testid="article-origin"' not in globex.get_data(as_text=True)
    anonymous = app.test_client().get(f"/kb/articles/{article.slug}").get_data(as_text=True)
    assert 'data-testid="article-origin"' not in anonymous


def test_an_escalation_starts_one_article(app, esc):
    escalation = escalation_in(esc, "resolved")
    start_article(escalation, esc.user("vendor_engineer"))
    db.session.commit()
    before = row_counts()
    with pytest.raises(DomainError) as refused:
        start_article(escalation, esc.user("vendor_admin"))
    assert refused.value.code == "already_captured" and refused.value.status == 409
    db.session.rollback()
    assert row_counts() == before
    client = signed_in(app, esc.user("vendor_admin"))
    page = client.get(f"/escalations/{escalation.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/escalations/{escalation.id}/kb-article", data={"csrf_token": token})
    assert response.status_code == 409
    assert "already started" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Article)) == 1


def test_the_schema_keeps_one_article_per_escalation(esc):
    escalation = escalation_in(esc, "resolved")
    engineer = esc.user("vendor_engineer")
    first = start_article(escalation, engineer)
    second = make_article(engineer, title="Another one", publish=False)
    db.session.add(
        KnowledgeCapture(
            escalation_id=escalation.id, article_id=second.id, started_by_id=engineer.id
        )
    )
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()
    assert first is not None


# --- Rejected as documented in the KB ----------------------------------------------------


def _rejected_with(esc, article, shown: dict):
    escalation = services.submit_escalation(esc.user("acme_tech"), service_input(esc, **shown))
    services.transition(
        escalation,
        esc.user("vendor_engineer"),
        "reject",
        reason="documented_in_kb",
        note="See the article.",
        article_slug=article.slug,
    )
    db.session.commit()
    return reload(escalation)


@pytest.mark.parametrize(
    ("shown", "says"),
    [
        ({"kb_articles_reviewed": ["SLUG"]}, "shown it while writing, and ticked it as reviewed"),
        ({"kb_articles_opened": ["SLUG"]}, "shown it while writing, and opened it"),
        ({"kb_articles_suggested": ["SLUG"]}, "shown it while writing, but did not open it"),
        ({"kb_articles_suggested": ["OTHER"]}, "was not shown it while writing"),
        ({}, "was not shown it while writing"),
    ],
)
def test_the_page_says_whether_the_submitter_had_been_shown_the_article(app, esc, shown, says):
    engineer = esc.user("vendor_engineer")
    article = make_article(engineer, title="Exports over 2 GB need 64-bit", visibility="partners")
    other = make_article(engineer, title="Unrelated advice on logging")
    slugs = {"SLUG": article.slug, "OTHER": other.slug}
    shown = {key: [slugs[s] for s in value] for key, value in shown.items()}
    escalation = _rejected_with(esc, article, shown)
    assert escalation.rejection_article_id == article.id
    for who in ("vendor_engineer", "acme_tech"):
        html = signed_in(app, esc.user(who)).get(f"/escalations/{escalation.id}")
        block = re.search(
            r'data-testid="rejection-article">(.*?)</dd>', html.get_data(as_text=True), re.S
        ).group(1)
        assert f"/kb/articles/{article.slug}" in block and says in block, who
