"""The export page: asking, following, downloading; who may, and CSRF."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.exports import services
from portal.exports.models import DataExport
from portal.extensions import db
from portal.models import AuditEntry
from portal.models.base import utcnow
from tests.factories import Browser
from tests.support import SQLITE_PASS_ONLY, row_counts

pytestmark = SQLITE_PASS_ONLY


def _signed_in(browser, world, key):
    browser.login(world.user(key).email)
    return browser


def _ready_export(world, key="acme_admin") -> DataExport:
    export = services.request_export(world.user(key))
    db.session.commit()
    services.build_next_export(utcnow())
    db.session.expire_all()
    return db.session.get(DataExport, export.id)


def test_asking_for_an_export_queues_it_and_shows_its_progress(browser, world):
    _signed_in(browser, world, "acme_admin")
    page = browser.client.get("/exports/").get_data(as_text=True)
    assert "No exports yet." in page
    response = browser.post("/exports/", form_page="/exports/")
    assert response.status_code == 302
    page = browser.client.get("/exports/").get_data(as_text=True)
    assert "Waiting for the worker" in page
    assert re.search(r'<progress[^>]+max="\d+" value="0"', page)
    assert '<meta http-equiv="refresh" content="5">' in page
    assert 'data-testid="pending-note"' in page
    assert re.search(r'<button type="submit" class="btn btn-primary" disabled', page)
    (export,) = db.session.scalars(select(DataExport)).all()
    assert export.partner_id == world.acme.id and export.status == "pending"


def test_a_second_request_while_one_is_pending_is_refused_clearly(browser, world):
    _signed_in(browser, world, "acme_admin")
    browser.post("/exports/", form_page="/exports/")
    before = row_counts()
    token = browser.csrf_token("/profile")
    response = browser.client.post("/exports/", data={"csrf_token": token})
    assert response.status_code == 409
    assert "already being prepared" in response.get_data(as_text=True)
    assert row_counts() == before


def test_asking_without_the_csrf_token_changes_nothing(browser, world):
    _signed_in(browser, world, "acme_admin")
    response = browser.client.post("/exports/", data={})
    assert response.status_code == 400
    assert db.session.scalar(select(db.func.count()).select_from(DataExport)) == 0


def test_a_ready_export_is_listed_and_downloads_as_a_zip_audited(browser, world):
    export = _ready_export(world)
    _signed_in(browser, world, "acme_admin")
    page = browser.client.get("/exports/").get_data(as_text=True)
    assert "Ready" in page and export.file_name in page
    assert f"/exports/{export.id}/download" in page
    assert "<meta http-equiv" not in page  # nothing to wait for
    response = browser.client.get(f"/exports/{export.id}/download")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert export.file_name in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "README.md" in archive.namelist()
    db.session.expire_all()
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "data_export.downloaded")
    ).all()
    assert (entry.partner_id, entry.actor_id, entry.object_id) == (
        world.acme.id,
        world.user("acme_admin").id,
        export.id,
    )


@pytest.mark.parametrize(
    ("key", "status"),
    [
        ("acme_admin", 200),
        ("globex_admin", 404),  # another partner's export
        ("acme_tech", 403),
        ("globex_tech", 403),
        ("vendor_admin", 403),
        ("support_manager", 403),
        ("vendor_engineer", 403),
    ],
)
def test_who_may_download_an_export(browser, world, key, status):
    export = _ready_export(world)
    _signed_in(browser, world, key)
    assert browser.client.get(f"/exports/{export.id}/download").status_code == status
    downloads = db.session.scalar(
        select(db.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "data_export.downloaded")
    )
    assert downloads == (1 if status == 200 else 0)


def test_another_partners_export_is_not_listed(browser, world):
    export = _ready_export(world, "globex_admin")
    _signed_in(browser, world, "acme_admin")
    page = browser.client.get("/exports/").get_data(as_text=True)
    assert export.file_name not in page and "No exports yet." in page


def test_a_pending_or_expired_export_has_nothing_to_download(browser, world):
    export = services.request_export(world.user("acme_admin"))
    db.session.commit()
    _signed_in(browser, world, "acme_admin")
    assert browser.client.get(f"/exports/{export.id}/download").status_code == 404
    services.build_next_export(utcnow())
    services.delete_expired_exports(utcnow() + timedelta(days=services.keep_days()))
    db.session.commit()
    assert browser.client.get(f"/exports/{export.id}/download").status_code == 404
    page = browser.client.get("/exports/").get_data(as_text=True)
    assert "Deleted" in page


def test_the_partner_page_links_its_admin_to_the_export(browser, world):
    _signed_in(browser, world, "acme_admin")
    page = browser.client.get(f"/partners/{world.acme.id}").get_data(as_text=True)
    assert 'data-testid="data-export-link"' in page


def test_technicians_and_vendor_staff_see_no_export_link(app, world):
    for key in ("acme_tech", "vendor_admin"):
        client = app.test_client()
        browser = Browser(client)
        browser.login(world.user(key).email)
        page = client.get(f"/partners/{world.acme.id}").get_data(as_text=True)
        assert 'data-testid="data-export-link"' not in page


def test_the_page_costs_the_same_however_many_exports(browser, world, count_queries):
    _signed_in(browser, world, "acme_admin")
    _ready_export(world)
    browser.client.get("/exports/")
    with count_queries() as few:
        browser.client.get("/exports/")
    for _ in range(4):
        _ready_export(world)
    with count_queries() as many:
        browser.client.get("/exports/")
    assert many.count == few.count
