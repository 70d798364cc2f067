"""The escalation's page: its reproduction, timeline, SLA clocks and files, to those who
see the escalation; vendor-internal notes only to vendor staff; bounded queries."""

import re

from escalations import services
from portal.extensions import db
from tests.escalations.support import escalation_in, service_input
from tests.factories import make_user, signed_in
from tests.support import SQLITE_PASS_ONLY

# Pages: what they show and the forms they offer; the services beneath are tested on
# both databases.
pytestmark = SQLITE_PASS_ONLY


def _page(app, user, escalation):
    return signed_in(app, user).get(f"/escalations/{escalation.id}")


def test_the_page_shows_the_reproduction_timeline_and_clocks(app, esc):
    escalation = escalation_in(esc, "waiting_on_partner")
    response = _page(app, esc.user("acme_tech"), escalation)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1. Open a 3 GB file 2. Export" in html
    assert 'data-sla="paused"' in html and "Paused: waiting on the partner" in html
    kinds = re.findall(r'data-kind="(\w+)"', html)
    assert kinds == ["transition", "transition"]  # submit, request info


def test_vendor_internal_notes_show_to_vendor_staff_only(app, esc):
    escalation = escalation_in(esc, "submitted")
    services.add_comment(escalation, esc.user("vendor_engineer"), "Suspect the cache", True)
    services.add_comment(escalation, esc.user("vendor_engineer"), "Please send the logs")
    db.session.commit()
    vendor = _page(app, esc.user("vendor_admin"), escalation).get_data(as_text=True)
    assert "Suspect the cache" in vendor and "Please send the logs" in vendor
    for key in ("acme_tech", "acme_admin"):
        partner = _page(app, esc.user(key), escalation).get_data(as_text=True)
        assert "Please send the logs" in partner
        assert "Suspect the cache" not in partner and 'data-internal="yes"' not in partner


def test_files_download_as_attachments_to_those_who_see_the_escalation(app, esc):
    escalation = escalation_in(esc, "submitted")
    attachment = services.add_attachment(
        escalation, esc.user("acme_tech"), "server.log", b"ERROR export stalled\n"
    )
    db.session.commit()
    url = f"/escalations/{escalation.id}/attachments/{attachment.id}"
    assert url in _page(app, esc.user("vendor_engineer"), escalation).get_data(as_text=True)
    download = signed_in(app, esc.user("vendor_engineer")).get(url)
    assert download.status_code == 200 and download.data == b"ERROR export stalled\n"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert signed_in(app, esc.user("globex_tech")).get(url).status_code == 404
    own = escalation_in(esc, "submitted", partner="globex")
    foreign = f"/escalations/{own.id}/attachments/{attachment.id}"
    assert signed_in(app, esc.user("globex_tech")).get(foreign).status_code == 404


def test_another_partner_and_the_vendor_on_a_draft_get_404(app, esc):
    escalation = escalation_in(esc, "submitted")
    draft = services.save_draft(esc.user("acme_newbie"), service_input(esc, title="Draft"))
    db.session.commit()
    for key in ("globex_tech", "globex_admin"):
        assert _page(app, esc.user(key), escalation).status_code == 404
    assert _page(app, esc.user("vendor_engineer"), draft).status_code == 404
    assert _page(app, esc.user("acme_admin"), draft).status_code == 200


def test_the_page_runs_the_same_queries_for_few_or_many_timeline_lines(app, esc, count_queries):
    escalation = escalation_in(esc, "submitted")
    client = signed_in(app, esc.user("vendor_engineer"))

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
    db.session.commit()
    assert queries() == few
