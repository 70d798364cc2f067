"""Escalation pages: built by a later issue."""

from flask import Blueprint

from escalations import models  # noqa: F401  (registers the models with SQLAlchemy)

bp = Blueprint("escalations", __name__, template_folder="templates")
