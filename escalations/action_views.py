"""What the escalation's page posts: workflow actions, comments, evidence, assignment and
the start of a KB article.

Each route loads the escalation within the caller's scope (404 otherwise), checks the
form (CSRFProtect has checked its token before), calls one service and commits once. A
refusal renders the page again with the reason and changes nothing; reject, withdraw and
close are confirmed first (`portal.confirm`).
"""

from flask import current_app, flash, redirect, request, url_for

from escalations import action_confirmations as _confirmations  # noqa: F401  (their words)
from escalations import services
from escalations.action_forms import AssignForm, CommentForm, EvidenceForm, transition_form
from escalations.blueprint import bp
from escalations.detail_views import CONFIRMED_ACTIONS, render_detail
from escalations.knowledge_capture import origin_of, start_article
from escalations.records import deflection_log
from escalations.scope import get_visible_escalation_or_404
from escalations.workflow import REOPEN_WINDOW, TRANSITIONS, allowed_actions
from knowledge_base.services import EDITOR_ROLES
from portal.access import current_principal, roles_required, signed_in, vendor_only
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db
from portal.partners.forms import show_domain_errors

# The KB's article page asks where an article came from (shown to those who see it).
bp.add_app_template_global(origin_of, "kb_article_origin")


def _page_url(escalation, anchor: str = "") -> str:
    return url_for(".detail", escalation_id=escalation.id) + (f"#{anchor}" if anchor else "")


def _refusal_of(escalation, principal, action: str) -> DomainError | None:
    """Why the workflow refuses `action` to `principal` now, None when it allows it."""
    if action in allowed_actions(escalation, principal):
        return None
    rule = TRANSITIONS[action]
    if principal.role not in rule.roles:
        return DomainError("forbidden", f"Your role cannot {rule.label.lower()}.", status=403)
    status = escalation.status.replace("_", " ")
    if action == "reopen" and escalation.status == "resolved":
        return DomainError(
            "reopen_window_passed",
            f"A resolved escalation can be reopened within {REOPEN_WINDOW.days} days of its "
            "resolution; submit a new escalation instead.",
            status=409,
        )
    return DomainError(
        "invalid_transition",
        f"“{rule.label}” is not possible now: the escalation is {status}. Nothing was changed.",
        status=409,
    )


def _refused(escalation, principal, name: str, form, error: DomainError):
    """The page again, the form of `name` with the error's messages; nothing changed."""
    db.session.rollback()
    if error.fields:
        show_domain_errors(form, error)
    return render_detail(
        escalation,
        principal,
        forms={name: form},
        # A field's own message says it all for invalid input; other refusals say why.
        refusal=None if error.code == "validation_error" and error.fields else error.message,
        status=error.status,
    )


def _invalid(escalation, principal, name: str, form):
    return render_detail(escalation, principal, forms={name: form}, status=400)


@bp.post("/escalations/<int:escalation_id>/transitions")
@signed_in
def transition(escalation_id: int):
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    action = request.form.get("action", "")
    if action not in TRANSITIONS:
        return render_detail(
            escalation, principal, refusal="Choose one of the actions offered.", status=400
        )
    form = transition_form(action, escalation, deflection_log(escalation))
    refusal = _refusal_of(escalation, principal, action)
    if refusal is not None:
        return render_detail(escalation, principal, refusal=refusal.message, status=refusal.status)
    if not form.validate_on_submit():
        return _invalid(escalation, principal, action, form)
    arguments = form.service_arguments()
    if action in CONFIRMED_ACTIONS and not is_confirmed():
        values = {"action": action}
        values.update({f.name: f.data for f in form if f.type not in ("CSRFTokenField",)})
        return ask_to_confirm(
            confirmation(f"escalation.{action}", escalation=escalation, **_reason(arguments)),
            cancel_url=_page_url(escalation),
            values=values,
        )
    try:
        services.transition(escalation, principal, action, **arguments)
    except DomainError as exc:
        return _refused(escalation, principal, action, form, exc)
    db.session.commit()
    label = escalation.status.replace("_", " ")
    flash(f"Escalation #{escalation.id} is {label}.", "success")
    return redirect(_page_url(escalation))


def _reason(arguments: dict) -> dict:
    return {"reason": arguments["reason"]} if "reason" in arguments else {}


@bp.post("/escalations/<int:escalation_id>/comments")
@signed_in
def comment(escalation_id: int):
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    form = CommentForm()
    if not form.validate_on_submit():
        return _invalid(escalation, principal, "comment", form)
    try:
        services.add_comment(escalation, principal, form.body.data, internal=form.internal.data)
    except DomainError as exc:
        return _refused(escalation, principal, "comment", form, exc)
    db.session.commit()
    added = "Your internal note is added." if form.internal.data else "Your comment is added."
    flash(added, "success")
    return redirect(_page_url(escalation, "timeline"))


@bp.post("/escalations/<int:escalation_id>/attachments")
@signed_in
def add_evidence(escalation_id: int):
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _invalid(escalation, principal, "evidence", form)
    upload = form.file.data
    limit = current_app.config["ESCALATION_ATTACHMENT_MAX_BYTES"]
    try:
        attachment = services.add_attachment(
            escalation, principal, upload.filename or "", upload.stream.read(limit + 1)
        )
    except DomainError as exc:
        return _refused(escalation, principal, "evidence", form, exc)
    db.session.commit()
    flash(f"{attachment.file_name} is attached.", "success")
    return redirect(_page_url(escalation, "evidence"))


@bp.post("/escalations/<int:escalation_id>/assignment")
@vendor_only
def assign(escalation_id: int):
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    form = AssignForm()
    form.fill_engineers(including_me=principal)
    if not form.validate_on_submit():
        return _invalid(escalation, principal, "assign", form)
    assignee = form.chosen(principal)
    try:
        services.assign(escalation, principal, assignee)
    except DomainError as exc:
        return _refused(escalation, principal, "assign", form, exc)
    db.session.commit()
    name = assignee.name if assignee is not None else "nobody"
    flash(f"Escalation #{escalation.id} is assigned to {name}.", "success")
    return redirect(_page_url(escalation))


@bp.post("/escalations/<int:escalation_id>/kb-article")
@roles_required(*EDITOR_ROLES)
def start_kb_article(escalation_id: int):
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    try:
        article = start_article(escalation, principal)
    except DomainError as exc:
        db.session.rollback()
        return render_detail(escalation, principal, refusal=exc.message, status=exc.status)
    db.session.commit()
    flash(
        f"A draft article is started from escalation #{escalation.id}: edit it, then publish.",
        "success",
    )
    return redirect(url_for("kb.edit", slug=article.slug))
