"""KB articles suggested while an escalation is written: the form's JSON endpoint, and the
list the form shows when the server renders it (a draft reopened, a refusal).

The script (static/js/escalation_form.js) posts the title and symptoms as they are typed;
the knowledge base's `suggest()` answers with articles the technician may read. What the
form showed, what was opened and what was ticked as reviewed go back with the form and
are stored with the escalation (`services.record_deflection`, the deflection log).
"""

from dataclasses import dataclass

from flask import request, url_for

from escalations.blueprint import bp
from knowledge_base.models import Article
from knowledge_base.search import SUGGEST_TEXT_MAX, suggest
from knowledge_base.services import visible_articles
from portal.access import current_principal, roles_required
from portal.errors import json_error
from portal.extensions import db
from portal.roles import TECHNICIAN

#: Suggestions shown at once.
SUGGESTIONS_SHOWN = 5
#: Longer text is refused; the script sends at most SUGGEST_TEXT_MAX characters.
SUGGEST_INPUT_MAX = 2 * SUGGEST_TEXT_MAX


def _item(slug: str, title: str, kind: str, snippet: str = "", **flags) -> dict:
    return {
        "slug": slug,
        "title": title,
        "kind": kind,
        "snippet": snippet,
        "url": url_for("kb.article", slug=slug),
        "suggested": flags.get("suggested", True),
        "opened": flags.get("opened", False),
        "reviewed": flags.get("reviewed", False),
    }


def suggested_articles(text: str, reader) -> list[dict]:
    """Articles `reader` may see that match `text`, best first, for the form."""
    return [
        _item(s.slug, s.title, s.kind, s.snippet.striptags())
        for s in suggest(text, reader, limit=SUGGESTIONS_SHOWN)
    ]


@dataclass
class DeflectionPanel:
    """What the form lists (articles ticked, then those matching the text) and what it
    carries in hidden inputs (every article shown or opened so far)."""

    listed: list[dict]
    shown: list[str]
    opened: list[str]


def deflection_panel(reader, text: str, suggested, opened, reviewed) -> DeflectionPanel:
    """The panel for a form the server renders (a draft reopened, a form sent back).

    Slugs the reader may not see are dropped, like unknown ones. Two queries, whatever
    was posted (the form bounds the lists)."""
    current = suggested_articles(text, reader) if text.strip() else []
    logged_slugs = set(suggested) | set(opened) | set(reviewed)
    logged = (
        db.session.scalars(
            visible_articles(reader).where(Article.slug.in_(logged_slugs)).order_by(Article.title)
        ).all()
        if logged_slugs
        else []
    )
    ticked = [
        _item(a.slug, a.title, a.kind, opened=a.slug in opened, reviewed=True)
        for a in logged
        if a.slug in reviewed
    ]
    ticked_slugs = {item["slug"] for item in ticked}
    items = ticked + [item for item in current if item["slug"] not in ticked_slugs]
    shown = [a.slug for a in logged] + [i["slug"] for i in current]
    return DeflectionPanel(
        listed=items,
        shown=list(dict.fromkeys(shown)),
        opened=[a.slug for a in logged if a.slug in opened],
    )


@bp.post("/escalations/suggestions")
@roles_required(TECHNICIAN)
def suggestions():
    """`{"text": title and symptoms}` in, `{"articles": [...]}` out; nothing is saved.

    A JSON POST with the page's CSRF token in the X-CSRFToken header (the text may hold
    a customer's details: it stays out of URLs and logs).
    """
    payload = request.get_json(silent=True)
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str):
        return json_error(
            400,
            "validation_error",
            'Send the title and symptoms as JSON: {"text": "..."}.',
            {"text": "Required, a string."},
        )
    if len(text) > SUGGEST_INPUT_MAX:
        message = f"At most {SUGGEST_INPUT_MAX:,} characters."
        return json_error(400, "validation_error", message, {"text": message})
    articles = suggested_articles(text, current_principal())
    return {"articles": articles}, 200, {"Cache-Control": "no-store"}
