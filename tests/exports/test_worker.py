"""The worker builds exports step by step, one worker per export, and deletes them later."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from portal.errors import DomainError
from portal.exports import collect, services
from portal.exports.models import DataExport, DataExportArchive
from portal.extensions import db
from portal.models import AuditEntry
from portal.models.base import utcnow
from tests.exports.support import archive_files, request_and_build


def _entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_the_worker_command_builds_a_requested_export(app, world):
    export = services.request_export(world.user("acme_admin"))
    db.session.commit()
    assert export.status == "pending"
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    export = db.session.get(DataExport, export.id)
    assert export.status == "ready"
    assert export.steps_done == export.steps_total == services.STEPS_TOTAL
    assert export.size == len(db.session.get(DataExportArchive, export.id).data) > 0
    assert export.file_name.startswith("acme-data-export-") and export.file_name.endswith(".zip")
    assert "partner.json" in archive_files(export)


def test_progress_is_saved_at_each_step_while_the_build_goes_on(world, monkeypatch):
    seen = []
    audit_log = collect.audit_log

    def watching(reader):
        # Another connection sees what the page would see in the middle of the build.
        with db.engine.connect() as other:
            seen.append(other.execute(text("SELECT status, steps_done FROM data_exports")).one())
        yield from audit_log(reader)

    files = [
        (n, label, watching if n == "audit_log.json" else c) for n, label, c in collect.RECORD_FILES
    ]
    monkeypatch.setattr(collect, "RECORD_FILES", tuple(files))
    export = request_and_build(world.user("acme_admin"))
    assert export.status == "ready"
    # partner.json and every record file listed before the audit log were done by then.
    before = [name for name, _, _ in collect.RECORD_FILES].index("audit_log.json")
    assert seen == [("building", 1 + before)]


def test_one_export_at_a_time_per_partner(world):
    admin = world.user("acme_admin")
    services.request_export(admin)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.request_export(admin)
    assert refused.value.code == "export_in_progress" and refused.value.status == 409
    db.session.rollback()
    # Another partner is not held up, and acme may ask again once its export is built.
    services.request_export(world.user("globex_admin"))
    db.session.commit()
    now = utcnow()
    assert services.build_next_export(now) == 1
    assert services.build_next_export(now) == 1
    assert services.build_next_export(now) == 0
    services.request_export(admin)
    db.session.commit()


def test_the_schema_keeps_one_export_in_progress_per_partner(world):
    for _ in range(2):
        db.session.add(
            DataExport(
                partner_id=world.acme.id,
                requested_by_id=world.user("acme_admin").id,
                status="pending",
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("role", ["acme_tech", "vendor_admin", "support_manager"])
def test_only_a_partner_admin_asks_for_an_export(world, role):
    with pytest.raises(DomainError) as refused:
        services.request_export(world.user(role))
    assert refused.value.status == 403
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(DataExport)) == 0


def test_a_claimed_export_is_built_by_one_worker_only(world):
    export = services.request_export(world.user("acme_admin"))
    db.session.commit()
    now = utcnow()
    claimed = services._claim(now)
    assert claimed.id == export.id and claimed.status == "building"
    assert services._claim(now) is None  # a second worker finds nothing to do
    # A worker that listed it before the first one claimed it does not take it too.
    assert services._take(export.id, now) is None
    # A worker that died mid-build: its claim is taken over once stale.
    later = now + timedelta(minutes=16)
    assert services._claim(later).id == export.id


def test_a_failed_build_is_marked_failed_and_frees_the_partner(world, monkeypatch):
    def broken(reader):
        raise RuntimeError("disk full")
        yield

    files = [
        (n, label, broken if n == "fee_reports.json" else c) for n, label, c in collect.RECORD_FILES
    ]
    monkeypatch.setattr(collect, "RECORD_FILES", tuple(files))
    export = request_and_build(world.user("acme_admin"))
    assert export.status == "failed" and export.error
    assert db.session.get(DataExportArchive, export.id) is None
    monkeypatch.undo()
    services.request_export(world.user("acme_admin"))  # not refused: nothing in progress
    db.session.commit()


def test_the_archive_is_deleted_once_its_time_is_up(app, world):
    now = utcnow()
    export = request_and_build(world.user("acme_admin"), now=now)
    keep = timedelta(days=app.config["EXPORT_KEEP_DAYS"])
    assert export.expires_at == now + keep
    assert services.delete_expired_exports(now + keep - timedelta(seconds=1)) == 0
    db.session.commit()
    assert db.session.get(DataExportArchive, export.id) is not None
    assert services.delete_expired_exports(now + keep) == 1
    db.session.commit()
    assert services.delete_expired_exports(now + keep) == 0  # once, even run again
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).status == "expired"
    assert db.session.get(DataExportArchive, export.id) is None
    (entry,) = _entries("data_export.expired")
    assert entry.partner_id == world.acme.id and entry.actor_id is None


def test_request_and_build_are_audited_for_the_partner(world):
    admin = world.user("acme_admin")
    export = request_and_build(admin)
    (requested,) = _entries("data_export.requested")
    assert (requested.partner_id, requested.actor_id, requested.object_id) == (
        world.acme.id,
        admin.id,
        export.id,
    )
    (ready,) = _entries("data_export.ready")
    assert ready.partner_id == world.acme.id and ready.after["sha256"] == export.sha256
