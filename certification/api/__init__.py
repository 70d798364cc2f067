"""The certification part of the JSON API: one flask-smorest Blueprint, routes by subject."""

from flask_smorest import Blueprint

blp = Blueprint("certification_api", __name__, url_prefix="/api/v1", description="Certification")

from certification.api import (  # noqa: E402, F401  (each module adds its routes to blp)
    certificates,
    environments,
    quizzes,
)
