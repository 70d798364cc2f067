"""Escalation pages: built by a later issue."""

from flask import Blueprint

bp = Blueprint("escalations", __name__, template_folder="templates")
