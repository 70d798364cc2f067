"""N+1 guards of the queue, a partner's list and search (page and API), with related rows
that differ from row to row (each escalation its own partner where the reader sees
several, its own product, release and engineer), so the identity map cannot hide a
query per row."""

import re

from portal.extensions import db
from tests.escalations.support import escalation_in
from tests.factories import bearer, make_partner, make_product, make_user, signed_in

#: The default title of the escalations of `escalation_in`: a search finds them all.
WORD = "export"


def _escalations(esc, first: int, last: int, *, own_partners: bool):
    """Escalations numbered first..last-1 of acme (or each of a partner of its own),
    each with its own product, release and engineer."""
    made = []
    for n in range(first, last):
        escalation = escalation_in(esc, "submitted" if n % 2 else "accepted")
        product = make_product(f"product-{n}", releases=(f"{n}.0.0", f"{n}.1.0"))
        escalation.product = product
        escalation.release = product.releases[n % 2]
        escalation.assignee = make_user(
            "vendor_engineer", name=f"Engineer {n}", email=f"engineer{n}@vendor.example"
        )
        if own_partners:
            escalation.partner = make_partner(f"partner-{n}", name=f"Partner {n}")
        made.append(escalation)
    db.session.commit()
    return made


def _page_queries(client, count_queries, url: str, rows: int, *must_show: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert len(re.findall(r'data-escalation="\d+"', html)) == rows, url
    for text in must_show:
        assert text in html, text
    return counter.count


def _api_queries(client, count_queries, url: str, headers, rows: int) -> int:
    with count_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    assert len(response.get_json()["items"]) == rows, url
    return counter.count


def test_the_vendor_queue_and_its_search_run_the_same_queries_for_2_or_5_rows(
    app, esc, count_queries
):
    client = signed_in(app, esc.user("vendor_engineer"))
    urls = ("/escalations", f"/escalations?q={WORD}", f"/escalations?q={WORD}&status=&sla=")
    _escalations(esc, 0, 2, own_partners=True)
    two = [_page_queries(client, count_queries, url, 2, "Partner 1", "Engineer 1") for url in urls]
    _escalations(esc, 2, 5, own_partners=True)
    five = [_page_queries(client, count_queries, url, 5, "Partner 4", "Engineer 4") for url in urls]
    assert five == two


def test_a_partners_list_and_its_search_run_the_same_queries_for_2_or_5_rows(
    app, esc, count_queries
):
    client = signed_in(app, esc.user("acme_admin"))
    urls = ("/escalations", f"/escalations?q={WORD}", f"/escalations?q={WORD}&sla=&assignee=")
    _escalations(esc, 0, 2, own_partners=False)
    # The assignee filter offers the partner's engineers: one query, however many.
    two = [_page_queries(client, count_queries, url, 2, "Engineer 1") for url in urls]
    _escalations(esc, 2, 5, own_partners=False)
    five = [_page_queries(client, count_queries, url, 5, "Engineer 4") for url in urls]
    assert five == two


def test_the_api_list_and_its_search_run_the_same_queries_for_2_or_5_items(
    client, esc, count_queries
):
    vendor = bearer(esc.user("vendor_engineer"))
    partner = bearer(esc.user("acme_tech"))
    urls = ("/api/v1/escalations", f"/api/v1/escalations?q={WORD}")
    for headers in (vendor, partner):  # a token's first use is recorded once
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    _escalations(esc, 0, 2, own_partners=True)
    acme = _escalations(esc, 10, 12, own_partners=False)
    two = [_api_queries(client, count_queries, url, vendor, 4) for url in urls]
    two += [_api_queries(client, count_queries, url, partner, 2) for url in urls]
    _escalations(esc, 2, 5, own_partners=True)
    acme += _escalations(esc, 12, 15, own_partners=False)
    five = [_api_queries(client, count_queries, url, vendor, 10) for url in urls]
    five += [_api_queries(client, count_queries, url, partner, 5) for url in urls]
    assert five == two
    assert len(acme) == 5
