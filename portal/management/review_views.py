"""A partner's review (routes on `management.bp`): the page, the same as a printable PDF,
and each of its tables as CSV.

Vendor staff review any partner; a partner's admin reviews its own ("Our figures"), and
another partner's review is a 404 to it, as every tenant-owned page. Technicians work
the queue and have no review. The window is the dashboard's: `window=30|90|365`, or
`from=YYYY-MM&to=YYYY-MM`.
"""

import csv
import io
from datetime import timedelta

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from escalations.models import REJECTION_REASONS
from portal.access import current_principal, roles_required, scoped
from portal.errors import DomainError
from portal.extensions import db
from portal.management.blueprint import bp
from portal.management.charts import reason_label, review_charts
from portal.management.dashboard import DEFAULT_DAYS, WINDOW_DAYS, WindowChoice, choose_window
from portal.management.dashboard_views import csv_cell
from portal.management.metrics import Window, next_month
from portal.management.review import PartnerReview, build_review, load_review_partner
from portal.models import Partner
from portal.models.base import utcnow
from portal.navigation import can_use
from portal.pdf import render_pdf, static_asset
from portal.roles import PARTNER_ADMIN, VENDOR_ROLES

#: Who reads a review: vendor staff (any partner), a partner's admin (its own).
REVIEW_ROLES = (*VENDOR_ROLES, PARTNER_ADMIN)


def drill_down_url(review: PartnerReview, reason: str | None, first, last) -> str:
    """The queue, filtered to the partner's escalations rejected for `reason` (any reason
    when None) and submitted in the months `first` to `last`."""
    args = {
        "partner": review.partner.id,
        "status": "rejected",
        "submitted_from": first.isoformat(),
        "submitted_to": (next_month(last) - timedelta(days=1)).isoformat(),
    }
    if reason:
        args["reason"] = reason
    return url_for("escalations.queue", **args)


def _link_if_allowed(endpoint: str, **kwargs) -> str | None:
    """The URL of a page of the partner's, when the reader's role may open it."""
    if endpoint not in current_app.view_functions or not can_use(endpoint):
        return None
    return url_for(endpoint, **kwargs)


def _review_request(slug: str) -> tuple[PartnerReview, DomainError | None]:
    """The review the request asks for: 404 for a partner the principal may not see; a
    window that is not valid falls back to the default, with the error to show."""
    principal = current_principal()
    partner = load_review_partner(slug, scoped(Partner, principal))
    if partner is None:
        abort(404)
    today = utcnow().date()
    error = None
    try:
        choice = choose_window(request.args, today)
    except DomainError as exc:
        error = exc
        choice = WindowChoice(Window.last_days(DEFAULT_DAYS, today), days=DEFAULT_DAYS)
    review = build_review(partner, choice, for_vendor=principal.is_vendor, today=today)
    return review, error


def _page_context(review: PartnerReview) -> dict:
    partner = review.partner
    return {
        "review": review,
        "charts": review_charts(review),
        "reason_label": reason_label,
        "drill_down_url": drill_down_url,
        "args": review.choice.query_args(),
        "checkins_url": _link_if_allowed("checkins.log", partner_id=partner.id),
        "fees_url": _link_if_allowed("fees.partner_reports", partner_id=partner.id),
        "ratings_url": _link_if_allowed("ratings.partner_ratings", partner_id=partner.id),
    }


@bp.get("/partners/<slug>")
@roles_required(*REVIEW_ROLES)
def review(slug):
    review, error = _review_request(slug)
    return render_template(
        "management/review.html",
        error=error,
        window_days=WINDOW_DAYS,
        form_args=request.args,
        **_page_context(review),
    )


def _refused_window(error: DomainError) -> Response:
    problems = "; ".join(f"{name}: {message}" for name, message in error.fields.items())
    return Response(f"{error.message} {problems}\n", status=400, mimetype="text/plain")


def _filename(review: PartnerReview, what: str, extension: str) -> str:
    window = review.choice.window
    return f"{review.partner.slug}-{what}-{window.start}-{window.end}.{extension}"


@bp.get("/partners/<slug>/review.pdf")
@roles_required(*REVIEW_ROLES)
def review_pdf(slug):
    review, error = _review_request(slug)
    if error is not None:
        return _refused_window(error)
    html = render_template(
        "management/review_pdf.html",
        stylesheet=static_asset("review-print.css"),
        vendor_name=current_app.config["VENDOR_NAME"],
        generated_on=utcnow(),
        **_page_context(review),
    )
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{_filename(review, "review", "pdf")}"'},
    )


def _reasons_table(review: PartnerReview):
    # Every reason has its column, counted or not, so that the columns never move.
    reasons = [*REJECTION_REASONS, *(r for r in review.reasons if r not in REJECTION_REASONS)]
    yield ["month", *reasons, "unwarranted"]
    for row in review.months:
        counts = [row.reason_count(reason) for reason in reasons]
        yield [f"{row.month:%Y-%m}", *counts, row.unwarranted]


def _months_table(review: PartnerReview):
    yield [
        "month",
        "escalations",
        "accepted",
        "unwarranted",
        "unwarranted_rate_percent",
        "seats",
        "per_100_seats",
        "median_triage_hours",
    ]
    for row in review.months:
        yield [
            f"{row.month:%Y-%m}",
            row.escalations,
            row.tally.accepted,
            row.unwarranted,
            row.unwarranted_rate,
            row.seats,
            row.per_100_seats,
            row.median_triage_hours,
        ]


def _technicians_table(review: PartnerReview):
    yield ["name", "email", "status", "certifications"]
    for technician in review.technicians:
        held = review.certifications.get(technician.id, [])
        yield [
            technician.name,
            technician.email,
            technician.status,
            "; ".join(
                f"{c['product']} {c['release']} ({c['status']}, until {c['expires_on']})"
                for c in held
            ),
        ]


_TABLES = {
    "reasons": _reasons_table,
    "months": _months_table,
    "technicians": _technicians_table,
}


@bp.get("/partners/<slug>/<table>.csv")
@roles_required(*REVIEW_ROLES)
def review_csv(slug, table):
    if table not in _TABLES:
        abort(404)
    review, error = _review_request(slug)
    if error is not None:
        return _refused_window(error)
    records = _TABLES[table](review)

    # The review is read whole before the first line goes out (a few dozen rows at
    # most), so the lines need no request context while they stream.
    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for record in records:
            writer.writerow([csv_cell(value) for value in record])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return Response(
        lines(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(review, table, "csv")}"'
        },
    )


@bp.get("/our-figures")
@roles_required(PARTNER_ADMIN)
def my_review():
    """A partner admin's own review ("Our figures" in its navigation)."""
    partner_id = current_principal().partner_id
    partner = db.session.get(Partner, partner_id) if partner_id is not None else None
    if partner is None:
        abort(404)
    return redirect(url_for(".review", slug=partner.slug, **request.args))
