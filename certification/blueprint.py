"""The certification blueprint; its routes live in the *_views modules, by subject."""

from flask import Blueprint

# cli_group=None: the package's commands are top-level (`flask --app app make-signing-key`).
bp = Blueprint("certification", __name__, template_folder="templates", cli_group=None)
