"""Filtering and paging the audit log, and the cost of a page (N+1 guard)."""

import re
from datetime import UTC, date, datetime

import pytest

from portal.audit_views import PER_PAGE
from portal.extensions import db
from portal.models import AuditEntry
from portal.partners.agreements import AgreementTerms, propose_agreement
from portal.partners.services import PartnerInput, save_customer, save_partner
from portal.products.services import save_product, save_release
from tests.factories import make_partner, make_user, signed_in


def _entry(world, action="customer.updated", when=None, actor=None, partner=None, **kwargs):
    """An entry as a service would record it, at a chosen time."""
    actor = actor or world.user("vendor_admin")
    partner = partner or world.acme
    entry = AuditEntry(
        actor_id=actor.id,
        actor_label=actor.email,
        partner_id=partner.id,
        action=action,
        object_type=kwargs.pop("object_type", "Customer"),
        object_id=kwargs.pop("object_id", world.acme_customer.id),
        created_at=when or datetime.now(UTC),
        before={"seats": 1},
        after={"seats": 2},
        **kwargs,
    )
    db.session.add(entry)
    return entry


def _entry_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="audit-entry" data-action="([^"]+)"', html)


def _get(app, world, query="", who="vendor_admin"):
    response = signed_in(app, world.user(who)).get("/audit/" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_filter_by_who(app, world):
    _entry(world, actor=world.user("acme_admin"), action="customer.created")
    _entry(world, actor=world.user("vendor_admin"), action="customer.updated")
    db.session.commit()
    html = _get(app, world, f"?actor={world.user('acme_admin').id}")
    assert set(_entry_ids(html)) == {"customer.created", "agreement.accepted"}
    assert f'<option selected value="{world.user("acme_admin").id}">' in html


def test_filter_automatic_changes(app, world):
    entry = _entry(
        world, action="partner.tier_changed", object_type="Partner", object_id=world.acme.id
    )
    entry.actor_id, entry.actor_label = None, "system"
    db.session.commit()
    # The world's accounts were created by no one (as a CLI would) and its agreements by people.
    assert set(_entry_ids(_get(app, world, "?actor=system"))) == {
        "partner.tier_changed",
        "user.created",
    }


def test_filter_by_action_and_by_object(app, world):
    _entry(world, action="customer.updated")
    db.session.commit()
    assert _entry_ids(_get(app, world, "?action=customer.updated")) == ["customer.updated"]
    by_type = _entry_ids(_get(app, world, "?type=Agreement"))
    assert by_type and set(by_type) == {"agreement.proposed", "agreement.accepted"}


def test_filter_by_date_range_includes_both_days(app, world):
    for day in (1, 2, 3, 4):
        _entry(world, action=f"test.day_{day}", when=datetime(2026, 3, day, 23, 59, tzinfo=UTC))
    _entry(world, action="test.day_5_early", when=datetime(2026, 3, 5, 0, 0, tzinfo=UTC))
    db.session.commit()
    html = _get(app, world, "?date_from=2026-03-02&date_to=2026-03-04")
    assert _entry_ids(html) == ["test.day_4", "test.day_3", "test.day_2"]
    assert _entry_ids(_get(app, world, "?date_from=2026-03-05"))[-1] == "test.day_5_early"
    assert "test.day_5_early" not in _entry_ids(_get(app, world, "?date_to=2026-03-04"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?date_from=yesterday", "Use a date such as 2026-03-31."),
        ("?date_from=2026-02-30", "Use a date such as 2026-03-31."),
        ("?date_from=2026-03-05&date_to=2026-03-01", "The end date is before the start date."),
        ("?action=<script>", "Choose an action from the list."),
        ("?type=Nothing%20Real!", "Choose a kind of object from the list."),
        ("?actor=99999999999999999999", "Choose someone from the list."),
        ("?partner=-1", "Choose a partner from the list."),
    ],
)
def test_bad_filters_are_explained_and_ignored(app, world, query, message):
    html = _get(app, world, query)
    assert message in html
    assert _entry_ids(html)  # the other filters (none) still apply


def test_extreme_dates_are_not_an_error(app, world):
    assert _entry_ids(_get(app, world, "?date_from=0001-01-01&date_to=9999-12-31"))


def test_pages_of_entries_keep_the_filters(app, world):
    for n in range(PER_PAGE + 5):
        _entry(world, action="customer.updated", when=datetime(2026, 1, 1, 0, n, tzinfo=UTC))
    _entry(world, action="customer.created", when=datetime(2026, 1, 2, tzinfo=UTC))
    db.session.commit()
    first = _get(app, world, "?action=customer.updated")
    assert _entry_ids(first) == ["customer.updated"] * PER_PAGE
    assert f"Entries 1–{PER_PAGE} of {PER_PAGE + 5}" in first
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "action=customer.updated" in next_link
    second = _get(app, world, next_link.removeprefix("/audit/"))
    assert _entry_ids(second) == ["customer.updated"] * 5
    # Past the end: an empty page that says so, not an error.
    assert "no entries on this page" in _get(app, world, "?page=40")


def test_filtering_to_nothing_says_so(app, world):
    html = _get(app, world, "?action=user.left")
    assert "No entries match these filters." in html and 'href="/audit/"' in html


# --- The cost of a page ----------------------------------------------------------------------


def _history_of_new_partners(world, numbers) -> None:
    """Per partner, entries that each name different rows: its own vendor admin (the actor),
    support manager, partner admin, customer, product, release and agreement."""
    for n in numbers:
        actor = make_user("vendor_admin")
        manager = make_user("support_manager")
        product = save_product(f"Product {n}", f"guard-product-{n}", actor=actor)
        save_release(product, "1.0.0", date(2026, 1, 1), major=True, supported=True, actor=actor)
        partner = save_partner(
            PartnerInput(name=f"Guard {n}", slug=f"guard-{n}", support_manager_id=manager.id),
            actor=actor,
        )
        make_user("partner_admin", partner)
        save_customer(partner, f"Customer {n}", 10 + n, actor=actor)
        propose_agreement(partner, AgreementTerms(minimums={product.id: n + 1}), actor=actor)
    db.session.commit()


@pytest.mark.parametrize("who", ["vendor_admin", "acme_admin"])
def test_a_page_runs_the_same_queries_whatever_its_entries_reference(
    app, world, count_queries, who
):
    counts = []
    for batch, numbers in ((1, [0]), (2, [1, 2])):  # entries naming rows of their own
        _history_of_new_partners(world, numbers)
        if who == "acme_admin":  # the partner's own log, its people and vendor staff
            for n in range(batch * 4):
                actor = make_user("vendor_admin")
                save_customer(world.acme, f"Acme customer {batch}-{n}", n, actor=actor)
            make_partner()  # nothing of it is read
            db.session.commit()
        client = signed_in(app, world.user(who))
        with count_queries() as counter:
            html = client.get("/audit/").get_data(as_text=True)
        counts.append(counter.count)
        assert len(_entry_ids(html)) > 6
    assert counts[0] == counts[1], counts
