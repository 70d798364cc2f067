"""Escalation search: ranked (title matches first) over the title, the reproduction and
comments; scoped to what the searcher may see; vendor-internal notes searchable by vendor
staff only; bad input never an error; similar earlier escalations to spot duplicates."""

import pytest
from flask import render_template

from escalations import services
from escalations.search import search_escalations, similar_escalations
from knowledge_base.query import words_of
from portal.extensions import db
from portal.models.base import utcnow
from tests.escalations.support import service_input
from tests.factories import bearer, make_product, signed_in
from tests.support import api_error

VENDOR = ("vendor_admin", "support_manager", "vendor_engineer")


def submitted(esc, partner="acme", **fields):
    """A submitted escalation of `partner` with the given title, steps, expected..."""
    escalation = services.submit_escalation(
        esc.user(f"{partner}_tech"), service_input(esc, partner, **fields), now=utcnow()
    )
    db.session.commit()
    return escalation


def comment(escalation, esc, body, *, internal=False, by="vendor_engineer"):
    services.add_comment(escalation, esc.user(by), body, internal=internal)
    db.session.commit()


def found(esc, user_key, query) -> list[int]:
    return [e.id for e in search_escalations(query, esc.user(user_key), limit=50)]


def api_found(client, esc, user_key, query) -> list[int]:
    response = client.get(
        "/api/v1/escalations", query_string={"q": query}, headers=bearer(esc.user(user_key))
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [item["id"] for item in response.get_json()["items"]]


# --- Ranking and what is searched ----------------------------------------------------------


def test_a_title_match_ranks_before_matches_in_the_text_however_many(esc, client):
    in_steps = submitted(
        esc,
        title="Export stalls",
        steps="The scheduler, the scheduler again, then the scheduler service.",
        expected="The scheduler runs",
    )
    comment(in_steps, esc, "The scheduler is the likely cause; scheduler logs please.")
    in_title = submitted(esc, partner="globex", title="Scheduler skips the nightly job")
    unrelated = submitted(esc, title="Login page is slow")
    assert found(esc, "vendor_engineer", "scheduler") == [in_title.id, in_steps.id]
    assert api_found(client, esc, "vendor_engineer", "scheduler") == [in_title.id, in_steps.id]
    assert unrelated.id not in found(esc, "vendor_engineer", "scheduler")


def test_more_matching_text_ranks_higher_among_text_matches(esc):
    often = submitted(
        esc, title="Export fails", steps="Quota exceeded, quota reset, quota exceeded again."
    )
    once = submitted(esc, title="Export stalls", steps="Mentions the quota once.")
    assert found(esc, "vendor_engineer", "quota") == [often.id, once.id]


def test_a_title_with_every_word_ranks_first_even_when_the_text_has_them_closer(esc):
    in_title = submitted(
        esc, title="Thermal readings drift on rack two while the fans spin up before throttling"
    )
    in_text = submitted(
        esc,
        title="Fans are loud",
        steps=" ".join(["Thermal throttling."] * 12),
        expected="No thermal throttling",
    )
    assert found(esc, "vendor_engineer", "thermal throttling") == [in_title.id, in_text.id]


@pytest.mark.parametrize(
    "field, text",
    [
        ("title", "Kangaroo module refuses to load"),
        ("steps", "1. Enable the kangaroo module 2. Restart"),
        ("expected", "The kangaroo module loads"),
        ("actual", "The kangaroo module crashes"),
        ("business_impact", "Kangaroo billing is down for every customer"),
    ],
)
def test_each_part_of_the_reproduction_is_searched(esc, field, text):
    fields = {"title": "Something is wrong", field: text}
    if field == "business_impact":
        fields["severity"] = "S1"
    escalation = submitted(esc, **fields)
    for user_key in ("vendor_engineer", "acme_tech", "acme_admin"):
        assert found(esc, user_key, "kangaroo") == [escalation.id], user_key


def test_every_word_must_match_and_words_are_stemmed(esc):
    both = submitted(esc, title="Backups hang overnight", steps="The restore crashes")
    one = submitted(esc, title="Backups are slow")
    assert found(esc, "vendor_engineer", "backup crashing") == [both.id]
    assert set(found(esc, "vendor_engineer", "backups")) == {both.id, one.id}
    assert found(esc, "vendor_engineer", "backups -crash") == [one.id]
    assert found(esc, "vendor_engineer", '"backups hang"') == [both.id]


def test_the_index_follows_comments_and_edits(esc):
    escalation = submitted(esc, title="Export stalls")
    assert found(esc, "acme_tech", "walrus") == []
    comment(escalation, esc, "Is the walrus plugin installed?")
    assert found(esc, "acme_tech", "walrus") == [escalation.id]
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Octopus"))
    db.session.commit()
    assert found(esc, "acme_tech", "octopus") == [draft.id]
    services.save_draft(
        esc.user("acme_newbie"), service_input(esc, title="Platypus"), escalation=draft
    )
    db.session.commit()
    assert found(esc, "acme_tech", "octopus") == []
    assert found(esc, "acme_tech", "platypus") == [draft.id]


# --- Tenants and internal notes ------------------------------------------------------------

ACME_TEXTS = {
    "title": "Quasar gateway drops sessions",
    "steps": "Open the nebula console and wait",
    "expected": "Sessions stay pulsar",
    "actual": "Sessions vanish meteorite",
    "business_impact": "Comet invoicing halted",
}


def test_another_partners_users_never_find_an_escalation_by_any_of_its_words(esc, client):
    acme = submitted(esc, severity="S1", **ACME_TEXTS)
    comment(acme, esc, "Please attach the galaxy logs")
    comment(acme, esc, "Suspect the zeppelin cache", internal=True)
    globex = submitted(esc, partner="globex", title="Unrelated export problem")
    words = set()
    for text in [*ACME_TEXTS.values(), "Please attach the galaxy logs", "zeppelin cache"]:
        words.update(w for w in words_of(text) if len(w) > 3)
    assert {"quasar", "nebula", "pulsar", "meteorite", "comet", "galaxy", "zeppelin"} <= words
    for word in sorted(words):
        for user_key in ("globex_tech", "globex_admin"):
            assert acme.id not in found(esc, user_key, word), (user_key, word)
        assert acme.id not in api_found(client, esc, "globex_tech", word), word
    assert found(esc, "globex_tech", "export") == [globex.id]
    # The vendor finds it by each of them.
    for word in ("quasar", "nebula", "pulsar", "meteorite", "comet", "galaxy", "zeppelin"):
        assert found(esc, "vendor_engineer", word) == [acme.id], word


def test_a_partner_never_finds_even_its_own_escalation_by_an_internal_notes_words(esc, client):
    escalation = submitted(esc, title="Export stalls on big files")
    comment(escalation, esc, "Suspect the zeppelin cache", internal=True)
    comment(escalation, esc, "Could you send the logs?")
    for user_key in ("acme_tech", "acme_admin"):
        assert found(esc, user_key, "zeppelin") == [], user_key
        assert api_found(client, esc, user_key, "zeppelin") == [], user_key
        assert found(esc, user_key, "export zeppelin") == [], user_key
        assert found(esc, user_key, "logs") == [escalation.id], user_key
        # Nor by leaving out the internal note's words: it still finds its escalation.
        assert found(esc, user_key, "export -zeppelin") == [escalation.id], user_key
    for user_key in VENDOR:
        assert found(esc, user_key, "zeppelin") == [escalation.id], user_key
        assert api_found(client, esc, user_key, "zeppelin") == [escalation.id], user_key
        assert found(esc, user_key, "export -zeppelin") == [], user_key


def test_drafts_are_found_by_their_partner_only(esc):
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Narwhal"))
    db.session.commit()
    who_finds = {
        key: found(esc, key, "narwhal") == [draft.id]
        for key in (*VENDOR, "acme_admin", "acme_tech", "globex_admin", "globex_tech")
    }
    assert who_finds == {
        "vendor_admin": False,
        "support_manager": False,
        "vendor_engineer": False,
        "acme_admin": True,
        "acme_tech": True,
        "globex_admin": False,
        "globex_tech": False,
    }


# --- The API's q -----------------------------------------------------------------------------


def test_the_api_ranks_with_q_and_keeps_its_filters(esc, client):
    in_title = submitted(esc, title="Tokenizer breaks on emoji", severity="S2")
    other_partner = submitted(esc, partner="globex", title="Tokenizer is slow")
    in_text = submitted(esc, title="Export stalls", steps="The tokenizer breaks", severity="S3")
    unrelated = submitted(esc, title="Login is slow")
    ranked = api_found(client, esc, "vendor_engineer", "tokenizer")
    assert set(ranked[:2]) == {in_title.id, other_partner.id}
    assert ranked[2:] == [in_text.id]
    assert unrelated.id not in ranked
    response = client.get(
        "/api/v1/escalations",
        query_string={"q": "tokenizer", "severity": "S3"},
        headers=bearer(esc.user("vendor_engineer")),
    )
    assert [i["id"] for i in response.get_json()["items"]] == [in_text.id]
    assert response.get_json()["total"] == 1
    response = client.get(
        "/api/v1/escalations",
        query_string={"q": "tokenizer", "partner_id": esc.world.acme.id, "per_page": 1},
        headers=bearer(esc.user("vendor_engineer")),
    )
    body = response.get_json()
    assert [i["id"] for i in body["items"]] == [in_title.id] and body["total"] == 2
    # Without q: the newest first, as before.
    assert api_found(client, esc, "acme_tech", "") == [unrelated.id, in_text.id, in_title.id]


BAD_QUERIES = [
    '"',
    '"unclosed phrase',
    "'",
    "-",
    "--",
    "or",
    "OR OR",
    "AND NOT",
    "*",
    "export*",
    "NEAR(export hangs)",
    "title: export",
    "{title} : export",
    "export:*",
    "!export & hangs | (",
    "\\",
    "%_%",
    "^export",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 导出",
    "the of and",
    "x" * 200,
    " ".join(["export"] * 60)[:200],
]


def test_any_query_is_answered_never_an_error(app, esc, client):
    escalation = submitted(esc)
    headers = bearer(esc.user("vendor_engineer"))
    page = signed_in(app, esc.user("acme_tech"))
    for query in BAD_QUERIES:
        response = client.get("/api/v1/escalations", query_string={"q": query}, headers=headers)
        assert response.status_code == 200, (query, response.get_data(as_text=True)[:300])
        assert set(response.get_json()) == {"items", "page", "per_page", "total"}
        response = page.get("/escalations", query_string={"q": query, "status": ""})
        assert response.status_code == 200, query
    # Words amid the operators and quotes are still searched for.
    assert api_found(client, esc, "acme_tech", '("export" hangs* :') == [escalation.id]


def test_a_query_too_long_is_refused_by_the_api_and_cut_on_the_page(esc, client):
    escalation = submitted(esc, title="Export hangs")
    query = "export " + "y" * 300
    response = client.get(
        "/api/v1/escalations", query_string={"q": query}, headers=bearer(esc.user("acme_tech"))
    )
    error = api_error(response, 400, "invalid_query")
    assert "q" in error["fields"]
    page = signed_in(client.application, esc.user("acme_tech")).get(
        "/escalations", query_string={"q": "export " + "y" * 300}
    )
    assert page.status_code == 200
    assert f'data-escalation="{escalation.id}"' not in page.get_data(as_text=True)


# --- Similar earlier escalations -------------------------------------------------------------


def test_similar_escalations_are_earlier_same_product_sharing_title_words_best_first(esc):
    world = esc.world
    few_words = submitted(esc, title="Printing is slow")
    many_words = submitted(esc, partner="globex", title="Printing labels crashes the spooler")
    in_text_only = submitted(esc, title="Report errors", steps="Printing labels fails")
    unrelated = submitted(esc, title="Login is slow today")
    other_product = submitted(esc, title="Printing labels crashes the spooler")
    other_product.product = make_product("nimbus")
    other_product.release = other_product.product.releases[0]
    draft = services.save_draft(
        esc.user("acme_newbie"), service_input(esc, title="Printing labels crashes")
    )
    db.session.commit()
    current = submitted(esc, title="Spooler crashes when printing labels")
    later = submitted(esc, title="Printing labels crashes the spooler again")

    def similar(user_key, escalation=current):
        return [e.id for e in similar_escalations(escalation, esc.user(user_key))]

    ranked = similar("vendor_engineer")
    assert ranked[0] == many_words.id
    assert set(ranked) == {many_words.id, few_words.id, in_text_only.id}
    assert ranked.index(few_words.id) < ranked.index(in_text_only.id)
    for excluded in (unrelated, other_product, draft, later, current):
        assert excluded.id not in ranked
    # A partner's users see their own partner's only.
    assert set(similar("acme_tech")) == {few_words.id, in_text_only.id}
    assert set(similar("globex_admin")) == {many_words.id}
    assert similar("vendor_engineer")[:1] == [many_words.id]
    assert len(similar_escalations(current, esc.user("vendor_engineer"), limit=1)) == 1
    assert world.product.id == current.product_id


def test_an_escalation_without_words_or_product_has_no_similar_ones(esc):
    submitted(esc, title="The export")
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Export"))
    draft.product = None
    db.session.flush()
    stop_words_only = submitted(esc, title="Is it on?")
    assert similar_escalations(draft, esc.user("acme_tech")) == []
    assert similar_escalations(stop_words_only, esc.user("vendor_engineer")) == []


def test_the_similar_partial_links_each_with_its_status_and_the_partner_for_vendor_staff(app, esc):
    earlier = submitted(esc, title="Spooler crashes")
    current = submitted(esc, title="Spooler crashes on labels")
    for user_key, shows_partner in (("vendor_engineer", True), ("acme_tech", False)):
        user = esc.user(user_key)
        with app.test_request_context():
            similar = similar_escalations(current, user)
            html = render_template("escalations/_similar.html", similar=similar, current_user=user)
        assert f'data-similar="{earlier.id}"' in html
        assert f'href="/escalations/{earlier.id}"' in html
        assert ">submitted</span>" in html
        assert ("Acme" in html) is shows_partner, user_key
    with app.test_request_context():
        html = render_template(
            "escalations/_similar.html", similar=[], current_user=esc.user("acme_tech")
        )
    assert "data-similar=" not in html and "None of this product" in html


def test_the_escalation_page_lists_similar_earlier_ones_its_reader_may_see(app, esc):
    acme_earlier = submitted(esc, title="Spooler crashes nightly")
    globex_earlier = submitted(esc, partner="globex", title="Spooler crashes on labels")
    current = submitted(esc, title="Spooler crashes when printing")
    expected = {  # reader -> (sees acme's earlier one, sees globex's earlier one)
        "vendor_engineer": (True, True),
        "acme_tech": (True, False),
        "acme_admin": (True, False),
    }
    for user_key, (sees_acme, sees_globex) in expected.items():
        page = signed_in(app, esc.user(user_key)).get(f"/escalations/{current.id}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert 'data-testid="similar"' in html
        assert (f'data-similar="{acme_earlier.id}"' in html) is sees_acme, user_key
        assert (f'data-similar="{globex_earlier.id}"' in html) is sees_globex, user_key
