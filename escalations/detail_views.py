"""An escalation's page and its files, for those who may see it (`escalations.scope`).

The page offers only what its reader may do now: the workflow actions that
`escalations.workflow.allowed_actions` allows, comments (vendor-internal notes for vendor
staff), evidence while it takes files, assignment for vendor staff, and a KB article once
resolved. The forms post to `escalations.action_views`, which renders this page again
with the refused form and its messages.
"""

from flask import render_template

from escalations.action_forms import AssignForm, CommentForm, EvidenceForm, transition_form
from escalations.blueprint import bp
from escalations.clock import queue_sla, sla_state
from escalations.knowledge_capture import (
    captured_article,
    may_start_article,
    rejection_article_shown,
)
from escalations.ratings.services import rating_panel
from escalations.records import attachments_of, deflection_log, timeline
from escalations.scope import get_visible_escalation_or_404
from escalations.search import similar_escalations
from escalations.storage import attachment_download
from escalations.workflow import TRANSITIONS, allowed_actions
from knowledge_base.models import Article
from knowledge_base.services import visible_articles
from portal.access import current_principal, signed_in
from portal.extensions import db
from portal.models.base import utcnow

#: The states in which an escalation takes no more files (`services.add_attachment`).
NO_MORE_FILES = ("closed", "withdrawn")
#: The actions that ask for confirmation first (`escalations.action_confirmations`).
CONFIRMED_ACTIONS = ("reject", "withdraw", "close")


def _readable(article: Article | None, principal) -> Article | None:
    if article is None:
        return None
    return db.session.scalar(visible_articles(principal).where(Article.id == article.id))


def render_detail(escalation, principal, *, forms=None, refusal=None, status: int = 200):
    """The page; `forms` replaces the page's blank forms by name (a refused one, with its
    messages), `refusal` is said on top."""
    forms = forms or {}
    now = utcnow()
    deflections = deflection_log(escalation)
    actions = allowed_actions(escalation, principal, now)
    transition_forms = {
        action: forms.get(action) or transition_form(action, escalation, deflections)
        for action in actions
    }
    assign_form = None
    if principal.is_vendor:
        assign_form = forms.get("assign") or AssignForm(assignee=str(escalation.assignee_id or ""))
        assign_form.fill_engineers()
    takes_files = escalation.status not in NO_MORE_FILES
    return render_template(
        "escalations/detail.html",
        escalation=escalation,
        sla=queue_sla(escalation, now),
        clocks=sla_state(escalation, now),
        timeline=timeline(escalation, principal),
        attachments=attachments_of(escalation),
        deflections=deflections,
        transitions=TRANSITIONS,
        transition_forms=transition_forms,
        confirmed_actions=CONFIRMED_ACTIONS,
        comment_form=forms.get("comment") or CommentForm(),
        evidence_form=(forms.get("evidence") or EvidenceForm()) if takes_files else None,
        assign_form=assign_form,
        refusal=refusal,
        rejection_article=_readable(escalation.rejection_article, principal),
        rejection_shown=rejection_article_shown(escalation, deflections),
        kb_article=captured_article(escalation, principal),
        may_start_article=may_start_article(escalation, principal),
        similar=similar_escalations(escalation, principal),
        **rating_panel(escalation, principal, now),
    ), status


@bp.get("/escalations/<int:escalation_id>")
@signed_in
def detail(escalation_id: int):
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    return render_detail(escalation, principal)


@bp.get("/escalations/<int:escalation_id>/attachments/<int:attachment_id>")
@signed_in
def attachment(escalation_id: int, attachment_id: int):
    """The file, as an attachment (never rendered inline), to those who see the escalation."""
    escalation = get_visible_escalation_or_404(escalation_id, current_principal())
    return attachment_download(escalation, attachment_id)
