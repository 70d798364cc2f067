"""The escalations part of the JSON API: one flask-smorest Blueprint, routes by subject."""

from flask_smorest import Blueprint

blp = Blueprint("escalations_api", __name__, url_prefix="/api/v1", description="Escalations")

from escalations.api import activity, escalations  # noqa: E402, F401  (routes on blp)
