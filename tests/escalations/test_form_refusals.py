"""Every refusal of the gate through the form, with evidence files and ticked KB articles
sent along: the page says why and how to get there, and nothing is written (no
escalation, no file, no deflection log, no mail in the outbox, no audit entry)."""

import re

import pytest

from portal.extensions import db
from tests.escalations.form_support import LOG, changes, form_data, kb_articles, post_form
from tests.factories import signed_in
from tests.support import SQLITE_PASS_ONLY, row_counts

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY

NEW = "/escalations/new"


def _suspend(esc):
    esc.world.acme.status = "suspended"
    return {}


def _unsupported(esc):
    esc.release.supported = False
    return {}


def _lab_of_another_release(esc):
    other = next(r for r in esc.world.product.releases if r.id != esc.release.id)
    esc.environments["acme"].release_id = other.id
    return {}


# (code, status, technician, form changes or a change of the world, what the page says)
REFUSALS = [
    ("not_certified", 403, "acme_newbie", {}, "current Orbit certification"),
    ("partner_suspended", 403, "acme_tech", _suspend, "Ask your partner admin"),
    ("release_not_supported", 422, "acme_tech", _unsupported, "Reproduce the problem on a"),
    ("release_not_supported", 422, "acme_tech", {"release_id": ""}, "supported releases"),
    ("reproduction_required", 422, "acme_tech", {"actual": ""}, "Describe the actual result."),
    ("reproduction_required", 422, "acme_tech", {"reproduced_on_vanilla": None}, "vanilla"),
    ("customization_involved", 422, "acme_tech", {"no_customization": None}, "without the cus"),
    ("environment_missing", 422, "acme_tech", {"environment_id": ""}, "Register (or re-attest)"),
    ("environment_missing", 422, "acme_tech", _lab_of_another_release, "runs another release"),
    ("business_impact_required", 422, "acme_tech", {"severity": "S1"}, "business-impact"),
]


@pytest.mark.parametrize(
    ("code", "status", "technician", "change", "says"),
    REFUSALS,
    ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSALS)],
)
def test_a_refused_form_says_why_and_writes_nothing(
    app, esc, code, status, technician, change, says
):

    articles = kb_articles(esc)
    overrides = change(esc) if callable(change) else change
    db.session.commit()
    client = signed_in(app, esc.user(technician))
    export = articles["export"].slug
    data = form_data(
        esc, kb_suggested=[export], kb_opened=[export], kb_reviewed=[export], **overrides
    )
    before = row_counts()
    response = post_form(client, NEW, data, files=[("export.log", LOG)])
    assert response.status_code == status
    html = response.get_data(as_text=True)
    alert = re.search(
        rf'<div class="alert alert-danger" role="alert" data-refusal="{code}">(.*?)</div>',
        html,
        re.S,
    )
    assert alert, html[:3000]
    assert "Not submitted" in alert.group(1)
    assert re.sub(r"\s+", " ", says) in re.sub(r"\s+", " ", html)
    assert changes(before) == {}
    # The technician's work is kept for the next try: the text, and the ticked article.
    assert 'value="Export hangs on files over 2 GB"' in html
    assert re.search(rf'value="{export}" id="[^"]+" checked', html)


@pytest.mark.parametrize("field", ["customer_id", "environment_id"])
def test_another_partners_customer_or_lab_is_a_404_and_writes_nothing(app, esc, field):
    client = signed_in(app, esc.user("acme_tech"))
    foreign = {
        "customer_id": esc.world.globex_customer.id,
        "environment_id": esc.environments["globex"].id,
    }[field]
    before = row_counts()
    response = post_form(
        client, NEW, form_data(esc, **{field: str(foreign)}), files=[("a.log", LOG)]
    )
    assert response.status_code == 404
    assert changes(before) == {}
    assert "Globex" not in response.get_data(as_text=True)


def test_an_uncertified_technician_is_offered_the_draft_and_the_quiz(app, esc):
    """The way there: a certified colleague submits the draft, or a quiz certifies."""
    client = signed_in(app, esc.user("acme_newbie"))
    response = post_form(client, NEW, form_data(esc))
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "ask a certified colleague to submit this escalation as a draft" in html
    assert 'name="action" value="draft"' in html
    assert re.search(r'class="alert-link" href="[^"]*/certifications', html)
