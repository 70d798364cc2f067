"""The partner admin's data export page: ask for an export, follow it, download it.

Only a partner admin, for its own partner: the data is the partner's, and vendor staff
read it in the portal already. Another partner's export is a 404 (scoped loader).
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from portal.access import current_principal, get_visible_or_404, roles_required, scoped
from portal.errors import DomainError
from portal.exports import models, services  # noqa: F401  (models known, worker checks registered)
from portal.exports.models import DataExport
from portal.extensions import db
from portal.models import Partner
from portal.pagination import paginate_rows
from portal.roles import PARTNER_ADMIN

bp = Blueprint("exports", __name__, url_prefix="/exports", template_folder="templates")

PER_PAGE = 10
#: While an export is being built, the page reloads itself this often (seconds).
REFRESH_SECONDS = 5


class RequestExportForm(FlaskForm):
    """No fields: the button, and its CSRF token."""


def _index_page(form: RequestExportForm, status: int = 200):
    principal = current_principal()
    partner = get_visible_or_404(Partner, principal.partner_id)
    page = paginate_rows(
        scoped(DataExport)
        .where(DataExport.partner_id == partner.id)
        .order_by(DataExport.created_at.desc(), DataExport.id.desc()),
        per_page=PER_PAGE,
    )
    running = any(export.in_progress for export in page.items)
    return render_template(
        "exports/index.html",
        partner=partner,
        page=page,
        form=form,
        running=running,
        refresh_seconds=REFRESH_SECONDS if running else None,
        keep_days=services.keep_days(),
        format_version=services.FORMAT_VERSION,
    ), status


@bp.get("/")
@roles_required(PARTNER_ADMIN)
def index():
    return _index_page(RequestExportForm(formdata=None))


@bp.post("/")
@roles_required(PARTNER_ADMIN)
def request_export():
    form = RequestExportForm()
    if not form.validate_on_submit():
        flash("The form expired. Ask again.", "error")
        return _index_page(form, 400)
    try:
        services.request_export(current_principal())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _index_page(form, exc.status)
    db.session.commit()
    flash("Your export is being prepared. This page shows its progress.", "success")
    return redirect(url_for(".index"))


@bp.get("/<int:export_id>/download")
@roles_required(PARTNER_ADMIN)
def download(export_id):
    principal = current_principal()
    export = get_visible_or_404(DataExport, export_id)
    data = services.archive_bytes(export, principal)
    if data is None:  # still being built, failed or expired: nothing to download
        abort(404)
    services.record_download(export, principal)
    db.session.commit()
    response = Response(data, mimetype="application/zip")
    response.headers.set("Content-Disposition", "attachment", filename=export.file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
