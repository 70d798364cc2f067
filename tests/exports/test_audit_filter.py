"""The audit page finds a partner's export entries under the object "Data export"."""

import re

from sqlalchemy import select

from portal.exports import services
from portal.exports.models import DataExport
from portal.extensions import db
from portal.models.base import utcnow
from tests.factories import Browser
from tests.support import SQLITE_PASS_ONLY

pytestmark = SQLITE_PASS_ONLY

EXPORT_ACTIONS = {"data_export.requested", "data_export.ready"}


def _export_of(world, key: str) -> DataExport:
    export = services.request_export(world.user(key))
    db.session.commit()
    services.build_next_export(utcnow())
    db.session.expire_all()
    return db.session.get(DataExport, export.id)


def _actions(page: str) -> list[str]:
    return re.findall(r'data-testid="audit-entry" data-action="([^"]+)"', page)


def test_a_partner_admin_filters_its_audit_page_by_data_export(browser, world):
    export = _export_of(world, "acme_admin")
    _export_of(world, "globex_admin")
    browser.login(world.user("acme_admin").email)
    page = browser.client.get("/audit/").get_data(as_text=True)
    assert '<option value="DataExport">Data export</option>' in page
    response = browser.client.get("/audit/?type=DataExport")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Acme's two entries (asked for, ready) and nothing else: none of globex's export.
    assert sorted(_actions(page)) == sorted(EXPORT_ACTIONS)
    assert '<option selected value="DataExport">Data export</option>' in page
    assert f"Export #{export.id}" in page
    assert 'href="/exports/"' in page  # the entry links to the export page
    assert "is-invalid" not in page


def _page_for(app, world, key: str, url: str) -> str:
    browser = Browser(app.test_client())
    browser.login(world.user(key).email)
    return browser.client.get(url).get_data(as_text=True)


def test_the_export_entries_are_only_the_partners_own(app, world):
    _export_of(world, "acme_admin")
    assert _actions(_page_for(app, world, "globex_admin", "/audit/?type=DataExport")) == []
    page = _page_for(app, world, "vendor_admin", "/audit/?type=DataExport")
    assert sorted(_actions(page)) == sorted(EXPORT_ACTIONS)
    assert 'href="/exports/"' not in page  # vendor staff have no export page


def test_filtering_by_one_export_action(browser, world):
    export = _export_of(world, "acme_admin")
    browser.login(world.user("acme_admin").email)
    browser.client.get(f"/exports/{export.id}/download")
    page = browser.client.get("/audit/?action=data_export.downloaded").get_data(as_text=True)
    assert _actions(page) == ["data_export.downloaded"]
    ids = db.session.scalars(select(DataExport.id)).all()
    assert ids == [export.id]
