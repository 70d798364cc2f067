"""An escalation's page and its files, for those who may see it (`escalations.scope`)."""

from flask import render_template

from escalations.blueprint import bp
from escalations.clock import queue_sla, sla_state
from escalations.records import attachments_of, deflection_log, timeline
from escalations.scope import get_visible_escalation_or_404
from escalations.storage import attachment_download
from portal.access import current_principal, signed_in
from portal.models.base import utcnow


@bp.get("/escalations/<int:escalation_id>")
@signed_in
def detail(escalation_id: int):
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    now = utcnow()
    return render_template(
        "escalations/detail.html",
        escalation=escalation,
        sla=queue_sla(escalation, now),
        clocks=sla_state(escalation, now),
        timeline=timeline(escalation, principal),
        attachments=attachments_of(escalation),
        deflections=deflection_log(escalation),
    )


@bp.get("/escalations/<int:escalation_id>/attachments/<int:attachment_id>")
@signed_in
def attachment(escalation_id: int, attachment_id: int):
    """The file, as an attachment (never rendered inline), to those who see the escalation."""
    escalation = get_visible_escalation_or_404(escalation_id, current_principal())
    return attachment_download(escalation, attachment_id)
