"""Certification pages (training sessions, quizzes, certificates)."""

from flask import Blueprint

from certification import models  # noqa: F401  (registers the models with SQLAlchemy)

bp = Blueprint("certification", __name__, template_folder="templates")
