"""What happens on an escalation: comments, workflow transitions, attachments.

Each route loads the escalation within the caller's scope (404 otherwise), then calls
one service; the request commits once.
"""

from flask import current_app, request

from escalations import services
from escalations.api import blp
from escalations.api.schemas import (
    EscalationAttachmentSchema,
    EscalationCommentInSchema,
    EscalationCommentSchema,
    EscalationDetailSchema,
    EscalationTransitionSchema,
)
from escalations.records import attachment_record, comment_record, detail_record
from escalations.scope import get_visible_escalation_or_404
from escalations.storage import attachment_download
from portal.access import current_principal, signed_in
from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import utcnow

SECURITY = [{"bearerAuth": []}]


@blp.post("/escalations/<int:escalation_id>/comments")
@signed_in
@blp.arguments(EscalationCommentInSchema)
@blp.response(201, EscalationCommentSchema)
@blp.alt_response(403, description="forbidden: internal notes are for vendor roles")
@blp.alt_response(404, description="not_found")
@blp.doc(security=SECURITY)
def add_comment(body, escalation_id: int):
    """Comment on an escalation; `internal: true` (vendor roles) hides it from the partner."""
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    comment = services.add_comment(escalation, principal, body["body"], body["internal"])
    db.session.flush()
    record = comment_record(comment)
    db.session.commit()
    return record, 201


@blp.post("/escalations/<int:escalation_id>/transitions")
@signed_in
@blp.arguments(EscalationTransitionSchema)
@blp.response(200, EscalationDetailSchema)
@blp.alt_response(403, description="forbidden: your role cannot take this action")
@blp.alt_response(404, description="not_found")
@blp.alt_response(409, description="invalid_transition, reopen_window_passed")
@blp.alt_response(
    422, description="reason_required, note_required, article_required, unknown_action"
)
@blp.doc(security=SECURITY)
def transition(body, escalation_id: int):
    """Move the escalation through its workflow (accept, request_info, respond, reject,
    resolve, reopen, close, withdraw)."""
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    now = utcnow()
    services.transition(
        escalation,
        principal,
        body.get("action") or "",
        reason=body.get("reason"),
        note=body.get("note"),
        article_slug=body.get("article"),
        now=now,
    )
    db.session.flush()
    record = detail_record(escalation, principal, now)
    db.session.commit()
    return record


def _uploaded_file():
    """The multipart `file`, read up to one byte over the limit (nothing more is kept)."""
    upload = request.files.get("file")
    if upload is None:
        raise DomainError(
            "validation_error",
            "Send the file as multipart form data in the field `file`.",
            status=400,
            fields={"file": "Required."},
        )
    limit = current_app.config["ESCALATION_ATTACHMENT_MAX_BYTES"]
    return upload.filename or "", upload.stream.read(limit + 1)


@blp.post("/escalations/<int:escalation_id>/attachments")
@signed_in
@blp.response(201, EscalationAttachmentSchema)
@blp.alt_response(404, description="not_found")
@blp.alt_response(413, description="too_large: over the size limit")
@blp.alt_response(422, description="file_type: a type that is not accepted")
@blp.doc(
    security=SECURITY,
    requestBody={
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        }
    },
)
def add_attachment(escalation_id: int):
    """Attach evidence (logs, screenshots, PDF, archives); its type is judged from its
    content."""
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    file_name, data = _uploaded_file()
    attachment = services.add_attachment(escalation, principal, file_name, data)
    db.session.flush()
    record = attachment_record(attachment)
    db.session.commit()
    return record, 201


@blp.get("/escalations/<int:escalation_id>/attachments/<int:attachment_id>")
@signed_in
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream")
@blp.alt_response(404, description="not_found")
@blp.doc(security=SECURITY)
def download_attachment(escalation_id: int, attachment_id: int):
    """The file, as an attachment (never rendered inline)."""
    escalation = get_visible_escalation_or_404(escalation_id, current_principal())
    return attachment_download(escalation, attachment_id)
