"""The customer's rating page (public, through its link) and a partner's ratings.

Importing this module registers the routes and the models (for Alembic's metadata).
"""

from flask import Blueprint, current_app, make_response, redirect, render_template, url_for
from sqlalchemy import select

from escalations.models import Escalation
from escalations.ratings import models  # noqa: F401  (registers the model)
from escalations.ratings.forms import RatingForm
from escalations.ratings.models import RatingRequest
from escalations.ratings.services import record_rating, request_for_token
from escalations.ratings.summary import partner_ratings_summary
from portal.access import get_visible_or_404, public, roles_required, scoped
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.models import Partner
from portal.pagination import paginate_rows
from portal.roles import PARTNER_ADMIN, VENDOR_ROLES

bp = Blueprint("ratings", __name__, template_folder="templates")


def rating_limit() -> str:
    return current_app.config["RATING_RATE_LIMIT"]


#: Per client address, the page and its form together: links are unguessable, the limit
#: keeps anyone from hammering the public route.
limit_rating = limiter.shared_limit(rating_limit, scope="customer-rating")


def _private(response):
    """The page's URL is the link itself: keep it out of caches and search engines."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(error: DomainError):
    page = render_template("ratings/link_refused.html", error=error)
    return _private(make_response(page, error.status))


@bp.route("/rate/<rating_token>", methods=["GET", "POST"])
@public
@limit_rating
def rate(rating_token: str):
    try:
        rating = request_for_token(rating_token)
    except DomainError as error:
        return _refused(error)
    form = RatingForm()
    status = 200
    if form.validate_on_submit():
        try:
            record_rating(rating_token, form.score.data, form.comment.data)
        except DomainError as error:
            if error.status != 422:
                return _refused(error)
            for name, message in error.fields.items():
                getattr(form, name).errors.append(message)
        else:
            db.session.commit()
            return redirect(url_for("ratings.thanks"))
    if form.errors:
        status = 400
    escalation = rating.escalation
    page = render_template(
        "ratings/rate.html",
        form=form,
        title=escalation.title,
        product=escalation.product.name,
        partner=escalation.partner.name,
    )
    return _private(make_response(page, status))


@bp.get("/rate/thanks")
@public
def thanks():
    return _private(make_response(render_template("ratings/thanks.html")))


@bp.get("/partners/<int:partner_id>/ratings")
@roles_required(PARTNER_ADMIN, *VENDOR_ROLES)
def partner_ratings(partner_id: int):
    """The partner's ratings: its own admin's and the vendor's view (404 for another's)."""
    partner = get_visible_or_404(Partner, partner_id)
    rated = (
        scoped(RatingRequest)
        .where(RatingRequest.partner_id == partner.id, RatingRequest.rated_at.is_not(None))
        .order_by(RatingRequest.rated_at.desc(), RatingRequest.id.desc())
    )
    page = paginate_rows(rated)
    escalation_ids = [row.escalation_id for row in page.items]
    titles = dict(
        db.session.execute(
            select(Escalation.id, Escalation.title).where(Escalation.id.in_(escalation_ids))
        ).all()
    )
    return render_template(
        "ratings/partner_ratings.html",
        partner=partner,
        summary=partner_ratings_summary(partner.id, comments=0),
        page=page,
        titles=titles,
    )
