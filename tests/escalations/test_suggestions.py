"""KB suggestions while an escalation is written: POST /escalations/suggestions answers a
technician with the articles it may read that match the title and symptoms; bad input
is a 400 with a message, never a 500; nothing is saved."""

import pytest

from escalations.suggest_views import SUGGEST_INPUT_MAX, SUGGESTIONS_SHOWN
from portal.extensions import db
from tests.escalations.form_support import csrf_of, kb_articles
from tests.factories import signed_in
from tests.knowledge_base.factories import make_article
from tests.support import api_error, row_counts

URL = "/escalations/suggestions"


def _ask(client, payload, token=None, **kwargs):
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(URL, json=payload, headers=headers, **kwargs)


@pytest.fixture
def articles(esc):
    return kb_articles(esc)


# principal -> expected answer (written out, not derived from the view's roles)
ACCESS = [
    ("anonymous", 302),
    ("vendor_admin", 403),
    ("support_manager", 403),
    ("vendor_engineer", 403),
    ("acme_admin", 403),
    ("acme_tech", 200),
    ("acme_newbie", 200),  # uncertified: writes drafts, and reads the KB first
    ("globex_tech", 200),
]


@pytest.mark.parametrize(("principal", "expected"), ACCESS)
def test_who_may_ask_for_suggestions(app, esc, articles, principal, expected):
    if principal == "anonymous":
        client = app.test_client()
        token = csrf_of(client, "/login")
    else:
        client = signed_in(app, esc.user(principal))
        token = csrf_of(client, "/profile")
    response = _ask(client, {"text": "export hangs"}, token)
    assert response.status_code == expected
    if expected == 302:
        assert "/login" in response.headers["Location"]


def test_suggestions_are_the_articles_the_technician_may_read(app, esc, articles):
    client = signed_in(app, esc.user("acme_tech"))
    before = row_counts()
    response = _ask(client, {"text": "Export hangs on files over 2 GB"}, csrf_of(client))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    found = response.get_json()["articles"]
    slugs = [a["slug"] for a in found]
    assert slugs[0] == articles["export"].slug
    assert articles["internal"].slug not in slugs and articles["draft"].slug not in slugs
    first = found[0]
    assert first["title"] == "Export hangs on files larger than 2 GB"
    assert first["url"] == f"/kb/articles/{articles['export'].slug}"
    assert "<" not in first["snippet"]  # plain text: the script writes it as text
    assert row_counts() == before  # nothing is saved


def test_the_last_word_matches_while_it_is_being_typed(app, esc, articles):
    client = signed_in(app, esc.user("acme_tech"))
    found = _ask(client, {"text": "single sig"}, csrf_of(client)).get_json()["articles"]
    assert [a["slug"] for a in found] == [articles["sso"].slug]


def test_at_most_a_few_suggestions(app, esc):
    author = esc.user("vendor_engineer")
    for n in range(SUGGESTIONS_SHOWN + 2):
        make_article(author, title=f"Export stalls in case {n}", commit=False)
    db.session.commit()
    client = signed_in(app, esc.user("acme_tech"))
    found = _ask(client, {"text": "export stalls"}, csrf_of(client)).get_json()["articles"]
    assert len(found) == SUGGESTIONS_SHOWN


@pytest.mark.parametrize(
    "payload",
    [None, [], {"text": None}, {"text": 42}, {"text": ["export"]}, {"words": "export"}],
    ids=["no-json", "list", "null", "number", "list-text", "no-text"],
)
def test_a_body_without_text_is_a_400_with_a_message(app, esc, payload):
    client = signed_in(app, esc.user("acme_tech"))
    token = csrf_of(client)
    if payload is None:
        response = client.post(URL, data="text=export", headers={"X-CSRFToken": token})
    else:
        response = _ask(client, payload, token)
    error = api_error(response, 400, "validation_error")
    assert error["fields"] == {"text": "Required, a string."}


def test_too_long_a_text_is_a_400(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    response = _ask(client, {"text": "x" * (SUGGEST_INPUT_MAX + 1)}, csrf_of(client))
    assert "At most" in api_error(response, 400, "validation_error")["message"]
    ok = _ask(client, {"text": "export " * (SUGGEST_INPUT_MAX // 7)}, csrf_of(client))
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "text",
    ['"export', "export*", "NEAR(export hangs)", "-", "export's", "😀 hängt", "   ", ""],
)
def test_odd_text_never_fails(app, esc, articles, text):
    client = signed_in(app, esc.user("acme_tech"))
    response = _ask(client, {"text": text}, csrf_of(client))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert isinstance(response.get_json()["articles"], list)


def test_a_nul_character_is_refused_with_a_400(app, esc):
    client = signed_in(app, esc.user("acme_tech"))
    assert _ask(client, {"text": "export\x00hangs"}, csrf_of(client)).status_code == 400


def test_the_csrf_token_is_required(app, esc, articles):
    client = signed_in(app, esc.user("acme_tech"))
    assert _ask(client, {"text": "export hangs"}).status_code == 400
