"""The partner-support management blueprint: the dashboard, the partner review and the
flags' thresholds. Its routes live in the *_views modules, by subject
(portal.management.views imports them all)."""

from flask import Blueprint

bp = Blueprint("management", __name__, url_prefix="/management")
