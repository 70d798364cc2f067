"""Which escalations a principal may see: the only way views and the API fetch them.

The portal's tenant rule (a partner's users see their own partner's; vendor roles see
every partner's), plus drafts: a draft belongs to its partner alone until submitted.
"""

from flask import abort
from sqlalchemy import Select

from escalations.models import Escalation
from portal.access import current_principal, scoped
from portal.extensions import db
from portal.ids import as_id


def visible_escalations(principal=None) -> Select:
    principal = principal if principal is not None else current_principal()
    stmt = scoped(Escalation, principal)
    if principal.is_vendor:
        stmt = stmt.where(Escalation.status != "draft")
    return stmt


def get_visible_escalation_or_404(escalation_id, principal=None) -> Escalation:
    """One escalation within the principal's scope; absent and not visible look the same."""
    escalation_id = as_id(escalation_id)
    if escalation_id is None:
        abort(404)
    escalation = db.session.scalar(
        visible_escalations(principal).where(Escalation.id == escalation_id)
    )
    if escalation is None:
        abort(404)
    return escalation
