"""The escalations blueprint; its routes live in the *_views modules, by subject."""

from flask import Blueprint

bp = Blueprint("escalations", __name__, template_folder="templates")
