"""The certification blueprint; its routes live in the *_views modules, by subject."""

from flask import Blueprint

bp = Blueprint("certification", __name__, template_folder="templates")
