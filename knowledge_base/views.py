"""Knowledge-base pages."""

from flask import Blueprint, render_template

from portal.access import public

bp = Blueprint("kb", __name__, url_prefix="/kb", template_folder="templates")


@bp.get("/")
@public
def index():
    return render_template("kb/index.html")
