"""The dashboard (every partner's figures and flags, as a page and as CSV) and the flags'
thresholds page (routes on `management.bp`).

The dashboard is the partner-support manager's tool; the vendor admin uses it too. The
vendor engineers work the escalation queue instead, and partner users see their own
figures on their partner's pages, never the other partners' or the vendor median.
"""

import csv
import io

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from portal.access import current_principal, roles_required
from portal.errors import DomainError
from portal.extensions import db
from portal.management.blueprint import bp
from portal.management.dashboard import (
    DASHBOARD_SORT,
    DEFAULT_DAYS,
    MAX_MONTHS,
    WINDOW_DAYS,
    DashboardFilters,
    WindowChoice,
    build_dashboard,
    choose_window,
    shown_rows,
)
from portal.management.flags import FIELDS, FLAGS, current_thresholds, set_thresholds
from portal.management.metrics import Window
from portal.management.sparklines import sparkline
from portal.models.base import utcnow
from portal.models.partners import PARTNER_TIERS
from portal.next_steps import next_steps_for
from portal.roles import SUPPORT_MANAGER, VENDOR_ADMIN

#: Who reads the dashboard and sets its thresholds.
DASHBOARD_ROLES = (SUPPORT_MANAGER, VENDOR_ADMIN)


def review_url(partner, **kwargs) -> str:
    """The partner's review page; its detail page where the review does not exist."""
    if "management.review" in current_app.view_functions:
        return url_for("management.review", slug=partner.slug, **kwargs)
    return url_for("partners.detail", partner_id=partner.id)


def _dashboard_request():
    """The dashboard, the rows shown and the sorting the request asks for; a window that
    is not valid falls back to the default, with the error to show."""
    today = utcnow().date()
    error = None
    try:
        choice = choose_window(request.args, today)
    except DomainError as exc:
        error = exc
        choice = WindowChoice(Window.last_days(DEFAULT_DAYS, today), days=DEFAULT_DAYS)
    principal = current_principal()
    filters = DashboardFilters.from_args(request.args, principal)
    sorting = DASHBOARD_SORT.from_request()
    dashboard = build_dashboard(choice, today)
    return dashboard, shown_rows(dashboard, filters, sorting), filters, sorting, error


@bp.get("/")
@roles_required(*DASHBOARD_ROLES)
def dashboard():
    dashboard, rows, filters, sorting, error = _dashboard_request()
    principal = current_principal()
    mine = sum(1 for row in dashboard.rows if row.partner.support_manager_id == principal.id)
    # The dashboard is the support manager's home: what waits for it comes first.
    steps = next_steps_for(principal) if principal.role == SUPPORT_MANAGER else []
    return render_template(
        "management/dashboard.html",
        dashboard=dashboard,
        rows=rows,
        filters=filters,
        sorting=sorting,
        error=error,
        flags=FLAGS,
        tiers=PARTNER_TIERS,
        window_days=WINDOW_DAYS,
        max_months=MAX_MONTHS,
        my_partner_count=mine,
        steps=steps,
        sparkline=sparkline,
        review_url=review_url,
        args=request.args,
    ), (400 if error else 200)


CSV_COLUMNS = (
    "partner",
    "slug",
    "region",
    "tier",
    "support_manager",
    "window_start",
    "window_end",
    "escalations",
    "seats",
    "rate_per_100_seats",
    "cases_handled",
    "escalations_per_100_cases",
    "unwarranted",
    "unwarranted_rate_percent",
    "vendor_median_percent",
    "median_triage_hours",
    "certified",
    "minimum",
    "compliant",
    "last_checkin",
    "next_checkin",
    "ratings_count",
    "ratings_mean",
    "onboarding",
    "flags",
)


def csv_cell(value) -> str:
    """A value as CSV text: Decimals and dates as written, nothing read as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_record(row, dashboard) -> list:
    window = dashboard.choice.window
    return [
        row.partner.name,
        row.partner.slug,
        row.partner.region,
        row.partner.tier,
        row.manager_name,
        window.start,
        window.end,
        row.escalations,
        row.seats,
        row.rate_per_100_seats,
        row.cases.cases if row.cases else None,
        row.per_100_cases,
        row.unwarranted,
        row.unwarranted_rate,
        dashboard.vendor_median,
        row.median_triage_hours,
        row.certified,
        row.minimum,
        row.compliant,
        row.last_checkin,
        row.next_checkin,
        row.ratings.count,
        row.ratings.mean,
        row.onboarding,
        " ".join(row.flags),
    ]


@bp.get("/dashboard.csv")
@roles_required(*DASHBOARD_ROLES)
def dashboard_csv():
    """The dashboard as shown (window, filters and order), one line per partner.

    Every figure is read here, within the request; the stream only writes the lines, so
    that it needs neither the request's context nor its database session (a WSGI server
    may send the body after both are gone)."""
    dashboard, rows, *_ = _dashboard_request()
    records = [[csv_cell(value) for value in _csv_record(row, dashboard)] for row in rows]

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for record in records:
            writer.writerow(record)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    window = dashboard.choice.window
    return Response(
        lines(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="partner-dashboard-{window.start}-{window.end}.csv"'
            )
        },
    )


@bp.route("/thresholds", methods=["GET", "POST"])
@roles_required(*DASHBOARD_ROLES)
def thresholds():
    current = current_thresholds()
    values = {name: str(getattr(current, name)) for name in FIELDS}
    errors, status = {}, 200
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in FIELDS}
        try:
            changed = set_thresholds(values, actor=current_principal())
        except DomainError as exc:
            db.session.rollback()
            errors, status = exc.fields, 400
        else:
            db.session.commit()
            flash(
                "Thresholds saved; the flags follow them." if changed else "Nothing changed.",
                "success" if changed else "info",
            )
            return redirect(url_for("management.dashboard"))
    return render_template(
        "management/thresholds.html", values=values, errors=errors, current=current
    ), status
