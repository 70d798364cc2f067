"""Asking for a data export, building it in the worker, keeping it, deleting it.

`request_export` (the page) adds a pending export, audited; `build_next_export` (a periodic
check the worker runs) claims one with a conditional update, so two workers never build the
same export, writes the archive step by step, committing its progress so the page can show
it, and keeps the ZIP for `EXPORT_KEEP_DAYS`; `delete_expired_exports` deletes the archives
past that. Archives live in the database, like attachments, so that the worker that builds
one and the app server that serves it need not share a disk.
"""

import hashlib
import json
import logging
import tempfile
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, render_template
from sqlalchemy import or_, select, update

from portal import periodic
from portal.access import scoped
from portal.audit import record_change
from portal.db_errors import register_conflict_message
from portal.errors import DomainError
from portal.exports import collect
from portal.exports.models import IN_PROGRESS, DataExport, DataExportArchive
from portal.extensions import db
from portal.models.base import utcnow
from portal.roles import PARTNER_ADMIN

log = logging.getLogger(__name__)

#: The archive's format version (README.md and manifest.json): the major number changes
#: when a file or field is removed or changes meaning, the minor when one is added.
FORMAT_VERSION = "1.1"
ALREADY_RUNNING = (
    "An export of your partner's data is already being prepared. Wait for it to finish "
    "before asking for another."
)
register_conflict_message("uq_data_exports_one_in_progress", None, ALREADY_RUNNING)

#: Steps of a build: partner.json, one per record file, the attachments, README + manifest.
STEPS_TOTAL = 1 + len(collect.RECORD_FILES) + 2


def request_export(actor, now: datetime | None = None) -> DataExport:
    """Queue an export of `actor`'s partner for the worker; audited.

    :raises DomainError: `forbidden` (403) for anyone but a partner admin,
        `export_in_progress` (409) while the partner's previous export is not finished.
    """
    now = now or utcnow()
    if actor.role != PARTNER_ADMIN or actor.partner_id is None:
        raise DomainError("forbidden", "Only a partner admin exports its data.", status=403)
    running = db.session.scalar(
        scoped(DataExport, actor)
        .where(DataExport.partner_id == actor.partner_id, DataExport.status.in_(IN_PROGRESS))
        .limit(1)
    )
    if running is not None:
        raise DomainError("export_in_progress", ALREADY_RUNNING, status=409)
    export = DataExport(
        partner_id=actor.partner_id,
        requested_by_id=actor.id,
        status="pending",
        steps_total=STEPS_TOTAL,
        created_at=now,
    )
    db.session.add(export)
    db.session.flush()  # its id, for the audit entry
    record_change(
        "data_export.requested",
        export,
        partner_id=export.partner_id,
        actor=actor,
        after={"status": "pending"},
        summary=f"Data export #{export.id} requested",
    )
    return export


def record_download(export: DataExport, actor) -> None:
    """Audit one download of `export`'s archive (the caller checked who may)."""
    record_change(
        "data_export.downloaded",
        export,
        partner_id=export.partner_id,
        actor=actor,
        after={"file_name": export.file_name, "size": export.size},
        summary=f"Data export #{export.id} downloaded",
    )


def archive_bytes(export: DataExport, reader) -> bytes | None:
    """The archive of a ready export, read within `reader`'s scope; None when gone."""
    if export.status != "ready":
        return None
    return db.session.scalar(
        scoped(DataExportArchive, reader)
        .with_only_columns(DataExportArchive.data)
        .where(DataExportArchive.export_id == export.id)
    )


# --- The worker ----------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # money stays exact: a string such as "1234.50"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, indent=2)


def _write_records(archive: zipfile.ZipFile, name: str, records) -> int:
    """Stream `records` into `name` as one JSON array; returns how many were written."""
    count = 0
    with archive.open(name, "w") as out:
        out.write(b"[")
        for record in records:
            out.write((",\n" if count else "\n").encode())
            out.write(_dumps(record).encode())
            count += 1
        out.write(b"\n]\n" if count else b"]\n")
    return count


def _claimable(now: datetime):
    stale = now - timedelta(minutes=current_app.config["EXPORT_STALE_MINUTES"])
    return or_(
        DataExport.status == "pending",
        (DataExport.status == "building") & (DataExport.heartbeat_at < stale),
    )


def _candidates(now: datetime) -> list[int]:
    """The oldest exports waiting (or abandoned by a dead worker), a few at a time."""
    return db.session.scalars(
        select(DataExport.id)
        .where(_claimable(now))
        .order_by(DataExport.created_at, DataExport.id)
        .limit(5)
    ).all()


def _take(export_id: int, now: datetime) -> DataExport | None:
    """Claim one export, unless another worker took it since it was listed."""
    claimed = db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id, _claimable(now))
        .values(
            status="building",
            started_at=now,
            heartbeat_at=now,
            steps_done=0,
            steps_total=STEPS_TOTAL,
            current_step="Starting",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return None
    return db.session.get(DataExport, export_id, populate_existing=True)


def _claim(now: datetime) -> DataExport | None:
    """Take the oldest export waiting (or abandoned by a dead worker); None if none."""
    for export_id in _candidates(now):
        export = _take(export_id, now)
        if export is not None:
            return export
    return None


def _progress(export: DataExport, step: str) -> None:
    """One step done: saved at once, so the export page shows it while the build goes on."""
    export.steps_done = min(export.steps_done + 1, export.steps_total)
    export.current_step = step
    export.heartbeat_at = utcnow()
    db.session.commit()


def _write_archive(export: DataExport, target, now: datetime) -> None:
    reader = collect.PartnerReader(partner_id=export.partner_id, id=export.requested_by_id)
    counts = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        partner = collect.partner_record(reader)
        archive.writestr("partner.json", _dumps(partner) + "\n")
        _progress(export, "Partner")
        for name, label, collector in collect.RECORD_FILES:
            counts[name] = _write_records(archive, name, collector(reader))
            _progress(export, label)
        files = 0
        for path, data in collect.attachment_files(reader):
            archive.writestr(path, data)
            files += 1
        counts["attachments/"] = files
        _progress(export, "Attachments")
        manifest = {
            "format": "partner-support-portal/data-export",
            "format_version": FORMAT_VERSION,
            "partner": {"id": partner["id"], "name": partner["name"], "slug": partner["slug"]},
            "export_id": export.id,
            "generated_at": now,
            "counts": counts,
        }
        archive.writestr("manifest.json", _dumps(manifest) + "\n")
        readme = render_template(
            "exports/README.md",
            partner=partner,
            manifest=manifest,
            format_version=FORMAT_VERSION,
            generated_at=now,
            keep_days=current_app.config["EXPORT_KEEP_DAYS"],
        )
        archive.writestr("README.md", readme)


def _finish(export: DataExport, data: bytes, now: datetime) -> None:
    db.session.add(DataExportArchive(export_id=export.id, data=data))
    export.status = "ready"
    export.steps_done = export.steps_total
    export.current_step = "Ready"
    export.finished_at = now
    export.expires_at = now + timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])
    export.file_name = f"{export.partner.slug}-data-export-{now:%Y%m%d}-{export.id}.zip"
    export.size = len(data)
    export.sha256 = hashlib.sha256(data).hexdigest()
    export.heartbeat_at = None
    record_change(
        "data_export.ready",
        export,
        partner_id=export.partner_id,
        actor=_System(),
        after={"file_name": export.file_name, "size": export.size, "sha256": export.sha256},
        summary=f"Data export #{export.id} ready",
    )
    db.session.commit()


def _fail(export_id: int, now: datetime) -> None:
    db.session.rollback()
    export = db.session.get(DataExport, export_id, populate_existing=True)
    if export is None:
        return
    export.status = "failed"
    export.finished_at = now
    export.heartbeat_at = None
    export.error = "The export could not be built. Ask for a new one; the vendor was told."
    db.session.commit()


def build_export(export: DataExport, now: datetime | None = None) -> None:
    """Build a claimed export's archive; on failure it is marked failed (and logged)."""
    now = now or utcnow()
    export_id = export.id
    try:
        with tempfile.TemporaryFile() as target:
            _write_archive(export, target, now)
            target.seek(0)
            data = target.read()
        _finish(export, data, now)
    except Exception:
        log.exception("data export %s failed", export_id)
        _fail(export_id, now)


def build_next_export(now: datetime) -> int:
    """The worker's check: build one waiting export, if any; returns 1 when it built one."""
    export = _claim(now)
    if export is None:
        return 0
    build_export(export, now)
    return 1


def delete_expired_exports(now: datetime) -> int:
    """The worker's check: delete the archives kept past their time; audited per export."""
    expired = db.session.scalars(
        select(DataExport.id).where(DataExport.status == "ready", DataExport.expires_at <= now)
    ).all()
    deleted = 0
    for export_id in expired:
        # Only the worker that flips the status deletes (several workers run this check).
        flipped = db.session.execute(
            update(DataExport)
            .where(DataExport.id == export_id, DataExport.status == "ready")
            .values(status="expired")
            .execution_options(synchronize_session=False)
        ).rowcount
        if not flipped:
            continue
        db.session.execute(
            DataExportArchive.__table__.delete().where(DataExportArchive.export_id == export_id)
        )
        export = db.session.get(DataExport, export_id, populate_existing=True)
        record_change(
            "data_export.expired",
            export,
            partner_id=export.partner_id,
            actor=_System(),
            after={"status": "expired"},
            summary=f"Data export #{export.id} deleted after {keep_days()} days",
        )
        deleted += 1
    return deleted


def keep_days() -> int:
    return current_app.config["EXPORT_KEEP_DAYS"]


class _System:
    """The worker, as the audit log names it ("system")."""

    is_authenticated = False


periodic.register("exports.build_next_export", build_next_export)
periodic.register("exports.delete_expired_exports", delete_expired_exports)
