"""Fee report pages: a partner's reports (declare, correct, submit; approve or send back),
each report with its history, the reports awaiting a decision, and a partner's CSV.

The rules (who may move a report where, the arithmetic) are in
`portal.management.fee_reports` and `portal.management.fees`.
"""

import csv
import io

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from portal.access import current_principal, roles_required
from portal.errors import DomainError
from portal.extensions import db
from portal.management import fee_reports
from portal.management.fees import (
    MAX_DECLARED,
    READJUST_FACTOR,
    READJUST_HISTORY,
    READJUST_MIN_HISTORY,
    money_text,
)
from portal.models.base import utcnow
from portal.models.fees import FeeReport
from portal.pagination import paginate_rows
from portal.partners.blueprint import load_owned, load_partner, refused
from portal.roles import (
    PARTNER_ADMIN,
    SUPPORT_MANAGER,
    VENDOR_ADMIN,
    VENDOR_ENGINEER,
)

bp = Blueprint("fees", __name__, url_prefix="/partners")

READERS = (VENDOR_ADMIN, SUPPORT_MANAGER, VENDOR_ENGINEER, PARTNER_ADMIN)
DECIDERS = (SUPPORT_MANAGER, VENDOR_ADMIN)


@bp.app_template_filter("money")
def money_filter(value, currency: str = "") -> str:
    """`{{ report.amount_due|money(report.currency) }}`: 'EUR 1,234.50'."""
    return money_text(value, currency)


class DeclareForm(FlaskForm):
    period = SelectField("Period", choices=[])
    declared_fees = StringField(
        "Support fees invoiced in the period",
        validators=[Length(max=40, message="That is not an amount.")],
        description=f"Before tax, in the agreement's currency; up to {MAX_DECLARED:,} "
        "with at most two decimals, such as 12500.00.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class EditForm(FlaskForm):
    declared_fees = DeclareForm.declared_fees


class SendBackForm(FlaskForm):
    note = TextAreaField(
        "What should the partner correct?",
        validators=[Length(max=fee_reports.NOTE_MAX)],
        description="Required: the partner admin reads it with the report.",
        render_kw={"rows": 3},
    )


def _report_url(report: FeeReport) -> str:
    return url_for(".report", partner_id=report.partner_id, report_id=report.id)


def _load_report(partner_id: int, report_id: int):
    partner = load_partner(partner_id)
    return partner, load_owned(FeeReport, report_id, partner)


@bp.get("/<int:partner_id>/fee-reports")
@roles_required(*READERS)
def partner_reports(partner_id):
    partner = load_partner(partner_id)
    page = paginate_rows(
        select(FeeReport)
        .where(FeeReport.partner_id == partner.id)
        .order_by(FeeReport.period_start.desc())
    )
    previous = fee_reports.previous_volumes(page.items)
    views = []
    for report in page.items:
        views.append(fee_reports.fee_view(report, previous[report.id]))
    return render_template(
        "fees/partner_reports.html",
        partner=partner,
        page=page,
        views=views,
        agreement=partner.agreement_in_force,
    )


def _with_cases(form_class, grid):
    """`form_class` with a field per month and product of `grid` (the cases the partner
    handled itself): blank means not reported."""
    fields = {
        cell.name: StringField(
            f"{cell.product.name}, {cell.month:%B %Y}",
            render_kw={"inputmode": "numeric", "autocomplete": "off", "size": 8},
        )
        for cell in grid.cells
    }
    return type(form_class.__name__, (form_class,), fields)


def _case_data(grid) -> dict:
    """The figures already reported (by the API or earlier), to prefill the fields."""
    return {cell.name: str(cell.cases) for cell in grid.cells if cell.cases is not None}


def _chosen_period(periods, value):
    """The open period whose start is `value` (the first, newest, otherwise)."""
    return next(
        (p for p in periods if p.start.isoformat() == value), periods[0] if periods else None
    )


@bp.route("/<int:partner_id>/fee-reports/new", methods=["GET", "POST"])
@roles_required(PARTNER_ADMIN)
def declare(partner_id):
    partner = load_partner(partner_id)
    principal = current_principal()
    today = utcnow().date()
    try:
        periods = fee_reports.open_periods(partner, today)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".partner_reports", partner_id=partner.id))
    posted = request.method == "POST"
    chosen = _chosen_period(periods, (request.form if posted else request.args).get("period"))
    grid = fee_reports.case_grid(
        partner, chosen.start if chosen else today, chosen.end if chosen else today, today
    )
    data = _case_data(grid)
    if chosen is not None and request.args.get("period"):
        data["period"] = chosen.start.isoformat()  # a period chosen by its link
    form = _with_cases(DeclareForm, grid)(data=data)
    form.period.choices = [(p.start.isoformat(), p.label) for p in periods]
    status = 400 if posted else 200
    if posted and form.validate_on_submit():
        try:
            report = fee_reports.declare_fees(
                partner, form.period.data, form.declared_fees.data, actor=principal, today=today
            )
            fee_reports.report_period_cases(partner, grid, request.form, actor=principal)
        except DomainError as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash("Draft saved. Check the figures below, then submit it.", "success")
            return redirect(_report_url(report))
    return render_template(
        "fees/declare.html",
        partner=partner,
        form=form,
        periods=periods,
        chosen=chosen,
        grid=grid,
        agreement=partner.agreement_in_force,
    ), status


def _render_report(partner, report, *, edit_form=None, send_back_form=None, status=200):
    grid = fee_reports.case_grid(partner, report.period_start, report.period_end)
    editing = report.status in fee_reports.EDITABLE and current_principal().role == PARTNER_ADMIN
    if edit_form is None and editing:
        edit_form = _with_cases(EditForm, grid)(
            data={"declared_fees": str(report.declared_fees), **_case_data(grid)}
        )
    return render_template(
        "fees/report.html",
        partner=partner,
        view=fee_reports.fee_view(report),
        history=fee_reports.report_history(report),
        grid=grid,
        cases=fee_reports.period_case_figures(report),
        edit_form=edit_form,
        send_back_form=send_back_form or SendBackForm(),
        factor=READJUST_FACTOR,
        history_size=READJUST_HISTORY,
        history_minimum=READJUST_MIN_HISTORY,
    ), status


@bp.get("/<int:partner_id>/fee-reports/<int:report_id>")
@roles_required(*READERS)
def report(partner_id, report_id):
    partner, report = _load_report(partner_id, report_id)
    return _render_report(partner, report)


@bp.post("/<int:partner_id>/fee-reports/<int:report_id>/edit")
@roles_required(PARTNER_ADMIN)
def edit(partner_id, report_id):
    partner, report = _load_report(partner_id, report_id)
    grid = fee_reports.case_grid(partner, report.period_start, report.period_end)
    form = _with_cases(EditForm, grid)()
    status = 400
    if form.validate_on_submit():
        principal = current_principal()
        try:
            fee_reports.edit_fees(report, form.declared_fees.data, actor=principal)
            fee_reports.report_period_cases(partner, grid, request.form, actor=principal)
        except DomainError as exc:
            status = refused(form, exc)
            if status == 409:
                return redirect(_report_url(report))
        else:
            db.session.commit()
            flash("Draft saved.", "success")
            return redirect(_report_url(report))
    db.session.refresh(report)
    return _render_report(partner, report, edit_form=form, status=status)


def _act(partner_id, report_id, action, success: str):
    """A one-button move (submit, approve); a refusal is a flash message."""
    partner, report = _load_report(partner_id, report_id)
    try:
        action(report, actor=current_principal())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(_report_url(report))


@bp.post("/<int:partner_id>/fee-reports/<int:report_id>/submit")
@roles_required(PARTNER_ADMIN)
def submit(partner_id, report_id):
    return _act(
        partner_id,
        report_id,
        fee_reports.submit_report,
        "Submitted: the support manager will approve it or send it back.",
    )


@bp.post("/<int:partner_id>/fee-reports/<int:report_id>/approve")
@roles_required(*DECIDERS)
def approve(partner_id, report_id):
    return _act(partner_id, report_id, fee_reports.approve_report, "Report approved.")


@bp.post("/<int:partner_id>/fee-reports/<int:report_id>/send-back")
@roles_required(*DECIDERS)
def send_back(partner_id, report_id):
    partner, report = _load_report(partner_id, report_id)
    form = SendBackForm()
    status = 400
    if form.validate_on_submit():
        try:
            fee_reports.send_back_report(report, form.note.data, actor=current_principal())
        except DomainError as exc:
            status = refused(form, exc)
            if status == 409:
                return redirect(_report_url(report))
        else:
            db.session.commit()
            flash("Sent back to the partner with your note.", "success")
            return redirect(_report_url(report))
    return _render_report(partner, report, send_back_form=form, status=status)


@bp.get("/fee-reports/awaiting")
@roles_required(*DECIDERS)
def awaiting():
    page = paginate_rows(
        select(FeeReport)
        .where(FeeReport.status == "submitted")
        .options(selectinload(FeeReport.partner))
        .order_by(FeeReport.submitted_at, FeeReport.id)
    )
    previous = fee_reports.previous_volumes(page.items)
    views = [fee_reports.fee_view(report, previous[report.id]) for report in page.items]
    return render_template("fees/awaiting.html", page=page, views=views, factor=READJUST_FACTOR)


# --- CSV ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    "period_start",
    "period_end",
    "status",
    "currency",
    "declared_fees",
    "fee_model",
    "fee_percentage",
    "fixed_fee",
    "tier",
    "discount_percent",
    "vendor_share",
    "discount_amount",
    "amount_due",
    "escalations",
    "cost_per_escalation",
    "submitted_at",
    "decided_at",
    "decision_note",
)
#: The figures a draft does not have yet (they are computed when it is submitted).
_UNFROZEN = frozenset(CSV_COLUMNS[5:15])


def _cell(report, name: str) -> str:
    if report.status == "draft" and name in _UNFROZEN:
        return ""
    value = getattr(report, name)
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)  # a Decimal as text: 1234.50, never a float
    # A spreadsheet must not read a partner's words as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/<int:partner_id>/fee-reports.csv")
@roles_required(*READERS)
def partner_csv(partner_id):
    """The partner's reports, oldest first, streamed: rows are read in batches on a
    connection of the stream's own, so that the request's context need not outlive it."""
    partner = load_partner(partner_id)  # the tenant check, before anything streams
    table = FeeReport.__table__
    query = select(table).where(table.c.partner_id == partner.id).order_by(table.c.period_start)
    engine = db.engine

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        with engine.connect() as connection:
            for report in connection.execution_options(yield_per=200).execute(query):
                writer.writerow([_cell(report, name) for name in CSV_COLUMNS])
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        rows(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{partner.slug}-fee-reports.csv"'},
    )
