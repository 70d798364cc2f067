"""The audit page reads like sentences: actions as labels, objects and ids as names, values
as words, durations and amounts formatted; never an event key, an id or a Python repr."""

import re
from datetime import date
from decimal import Decimal

import pytest

from knowledge_base.services import flag_articles_for_major_release
from portal.audit import record_change
from portal.audit_presentation import (
    action_label,
    duration_text,
    entry_note,
    field_changes,
    value_text,
)
from portal.extensions import db
from portal.models import Agreement, Release
from portal.partners.agreements import AgreementTerms, propose_agreement
from portal.partners.services import PartnerInput, save_partner
from portal.products.services import save_release
from tests.factories import make_product, make_user, signed_in
from tests.knowledge_base.factories import make_article
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


class NoDirectory:
    """Stands in for the page's directory where a value names no other object."""

    def ref(self, object_type, object_id):
        raise AssertionError("no reference expected")


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("kb_article.flagged_for_review", "Article flagged for review"),
        ("agreement.accepted", "Agreement accepted and in force"),
        ("user.left", "Marked as having left"),
        # Keys the page does not know yet still read as a sentence.
        ("fee_report.approved", "Fee report approved"),
        ("escalation.waiting_on_partner", "Escalation waiting on partner"),
        ("kb_article.archived", "Article archived"),
        ("token.rotated", "API token rotated"),
        ("maintenance", "Maintenance"),
    ],
)
def test_actions_read_as_sentences(action, label):
    assert action_label(action) == label


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (45, "45 min"),
        (60, "1 h"),
        (90, "1.5 h"),
        (480, "8 h"),
        (1440, "1 day"),
        (3 * 1440, "3 days"),
        (30 * 1440, "30 days"),
    ],
)
def test_sla_minutes_read_as_hours_and_days(minutes, text):
    assert duration_text(minutes) == text


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("customer_kb_access", True, "Yes"),
        ("major", False, "No"),
        ("tags", ["certificates", "tls"], "certificates, tls"),
        ("fixed_fee", "4500.00", "4,500.00"),
        ("out_of_hours_extra_cost", "250", "250.00"),
        ("fee_percentage", "18.00", "18 %"),
        ("fee_percentage", "12.50", "12.5 %"),
        ("out_of_hours_response_minutes", 30, "30 min"),
        ("sla.S4.resolution", 43200, "30 days"),
        ("released_on", "2025-02-10", "10 Feb 2025"),
        ("role", "partner_admin", "Partner admin"),
        ("status", "in_force", "In force"),
        ("fee_model", "fixed", "Fixed fee"),
        ("coverage", "24x7", "24x7"),
        ("business_days", "mon,tue,wed,thu,fri", "Mon–Fri"),
        ("certification_validity_months", 12, "12 months"),
        ("seats", 2200, "2,200"),
        ("in_force_version", 3, "Version 3"),
        ("region", None, "—"),
    ],
)
def test_values_read_as_words(name, value, text):
    assert value_text(name, value, NoDirectory()) == text


def test_a_change_to_one_sla_target_shows_that_target_alone():
    before = {"coverage": "24x7", "sla": {"S1": [60, 480], "S2": [240, 4320]}}
    after = {"coverage": "24x7", "sla": {"S1": [120, 480], "S2": [240, 4320]}}
    [change] = field_changes(before, after, NoDirectory())
    assert (change.label, change.before, change.after) == ("S1 first response", "1 h", "2 h")


def test_a_creation_lists_the_values_set_and_leaves_out_empty_ones():
    changes = field_changes(None, {"name": "Initech", "seats": 300, "region": ""}, NoDirectory())
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("Name", None, "Initech"),
        ("Seats", None, "300"),
    ]


def test_notes_keep_what_the_label_does_not_say():
    assert entry_note("kb_article.flagged_for_review", "Article “X” predates Orbit 4.0.0") == (
        "It applies only to releases before Orbit 4.0.0."
    )
    assert entry_note("customer.created", "Customer Initech") == ""
    assert entry_note("fee_report.approved", "Q3 report approved") == "Q3 report approved"


# --- On the page -----------------------------------------------------------------------------


def _details_text(html: str) -> str:
    """The text of the entries, without markup."""
    start = html.index('data-testid="audit-log"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:]))


def _first_entry_text(html: str) -> str:
    first = html.split('data-testid="audit-entry"')[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", first))


def _vendor_page(app, world, query=""):
    response = signed_in(app, world.user("vendor_admin")).get("/audit/" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_ids_are_replaced_by_names_and_keys_by_labels(app, world):
    admin = world.user("vendor_admin")
    manager = make_user("support_manager", name="Sam Manager")
    save_partner(
        PartnerInput(name="Acme", slug="acme", region="APAC", support_manager_id=manager.id),
        world.acme,
        actor=admin,
    )
    db.session.commit()
    text = _details_text(_vendor_page(app, world))
    assert "Partner details changed" in text
    assert "Support manager changed from — → to Sam Manager" in text
    assert "Region changed from EMEA → to APAC" in text
    for raw in (
        "partner.updated",
        "support_manager_id",
        "partner_id",
        "None",
        "True",
        "False",
        "['",
        "{'",
    ):
        assert raw not in text, raw


def test_an_agreement_proposal_shows_only_the_changed_terms_in_words(app, world):
    admin = world.user("vendor_admin")
    in_force = world.acme.agreement_in_force
    terms = AgreementTerms.from_agreement(in_force)
    terms.sla["S1"] = (120, 8 * 60)
    terms.minimums[world.product.id] = 3
    terms.fee_model, terms.fixed_fee = "fixed", Decimal("4500")
    terms.customer_kb_access = True
    proposal = propose_agreement(world.acme, terms, actor=admin)
    db.session.commit()
    html = _vendor_page(app, world, "?action=agreement.proposed")
    text = _first_entry_text(html)  # newest first: this proposal
    assert "Agreement version proposed" in text and f"Version {proposal.version}" in text
    assert "S1 first response changed from 1 h → to 2 h" in text
    assert f"Certified technicians needed: {world.product.name} changed from 1 → to 3" in text
    assert "Fee model changed from Percentage of support fees → to Fixed fee" in text
    assert "Fixed fee changed from — → to 4,500.00" in text
    assert "End-customer KB access changed from No → to Yes" in text
    assert "S2 first response" not in text  # unchanged terms are not repeated
    # The version is linked for a reader who may open it.
    assert f'href="/partners/{world.acme.id}/agreements/{proposal.id}"' in html


def test_objects_are_named_and_linked_where_the_reader_may_open_them(app, world):
    admin = world.user("vendor_admin")
    release = save_release(
        world.product, "5.0.0", date(2026, 3, 1), major=True, supported=True, actor=admin
    )
    db.session.commit()
    html = _vendor_page(app, world)
    text = _details_text(html)
    assert f"Release added Release: {world.product.name} 5.0.0" in text
    assert "Release date 1 Mar 2026" in text and "Major release Yes" in text
    assert f'href="/admin/releases/{release.id}/edit"' in html
    customer = world.acme_customer
    record_change(
        "customer.updated",
        customer,
        partner_id=world.acme.id,
        actor=admin,
        before={"seats": 10},
        after={"seats": 12},
    )
    db.session.commit()
    acme_html = signed_in(app, world.user("acme_admin")).get("/audit/").get_data(as_text=True)
    assert f'href="/partners/{world.acme.id}/customers"' in acme_html
    assert "/admin/" not in acme_html  # no links to pages a partner admin may not open


def test_a_flagged_article_names_the_article_and_why(app, world):
    author = world.user("vendor_engineer")
    product = make_product("server", releases=())
    old = Release(product=product, version="3.0.0", released_on=date(2024, 1, 1), major=True)
    new = Release(product=product, version="4.0.0", released_on=date(2025, 3, 1), major=True)
    db.session.add_all([old, new])
    db.session.flush()
    article = make_article(author, title="Clustering 3.0", product=product, releases=[old])
    flag_articles_for_major_release(new, actor=None)
    db.session.commit()
    html = _vendor_page(app, world, "?action=kb_article.flagged_for_review")
    text = _details_text(html)
    assert "Article flagged for review" in text and "Clustering 3.0" in text
    assert "It applies only to releases before Server 4.0.0." in text
    assert "Needs review changed from No → to Yes" in text
    assert "System" in text
    assert f'href="/kb/articles/{article.slug}"' in html


def test_an_unknown_action_and_object_still_read_well(app, world):
    agreement = db.session.scalar(db.select(Agreement).where(Agreement.partner_id == world.acme.id))
    reviewer = world.user("vendor_admin")
    record_change(
        "agreement.renegotiation_requested",
        agreement,
        partner_id=world.acme.id,
        actor=world.user("acme_admin"),
        after={"reason_code": "volume_grew", "reviewed_by_id": reviewer.id},
        summary="Volume doubled since last year",
    )
    db.session.commit()
    text = _details_text(_vendor_page(app, world))
    assert "Agreement renegotiation requested" in text
    assert "Volume doubled since last year" in text
    assert "Reason code Volume grew" in text
    assert f"Reviewed by {reviewer.name}" in text
