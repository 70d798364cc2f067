"""GET/POST /escalations and GET /escalations/{id}.

Vendor roles read every partner's submitted escalations; a partner's users read their
own partner's (drafts included); anything else is a 404. Creating runs the one gate of
`escalations.gate`, through `escalations.services.submit_escalation`.
"""

from flask import jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError

from escalations import idempotency, search
from escalations.api import blp
from escalations.api.schemas import (
    EscalationCreateSchema,
    EscalationDetailSchema,
    EscalationSchema,
    ReproductionInSchema,
)
from escalations.gate import EscalationInput
from escalations.models import STATUSES, Escalation
from escalations.records import detail_record, escalation_record, list_options
from escalations.scope import get_visible_escalation_or_404, visible_escalations
from escalations.services import submit_escalation
from portal.access import current_principal, roles_required, signed_in
from portal.api.pagination import PAGE_PARAMETERS, page_schema, paginate
from portal.errors import DomainError
from portal.extensions import db
from portal.ids import as_id
from portal.models.agreements import SEVERITIES
from portal.models.base import utcnow
from portal.roles import TECHNICIAN

SECURITY = [{"bearerAuth": []}]
Q_MAX = 200

LIST_PARAMETERS = [
    {"in": "query", "name": "status", "schema": {"type": "string", "enum": list(STATUSES)}},
    {"in": "query", "name": "partner_id", "schema": {"type": "integer"}},
    {"in": "query", "name": "severity", "schema": {"type": "string", "enum": list(SEVERITIES)}},
    {
        "in": "query",
        "name": "q",
        "schema": {"type": "string", "maxLength": Q_MAX},
        "description": "Words in the title, the reproduction or comments (partner users: "
        "partner-visible comments only), web-search syntax; ranked, title matches first",
    },
]


def _filtered(stmt):
    errors = {}
    status = request.args.get("status")
    if status:
        if status in STATUSES:
            stmt = stmt.where(Escalation.status == status)
        else:
            errors["status"] = f"One of {', '.join(STATUSES)}."
    severity = request.args.get("severity")
    if severity:
        if severity in SEVERITIES:
            stmt = stmt.where(Escalation.severity == severity)
        else:
            errors["severity"] = "One of S1, S2, S3, S4."
    partner_id = request.args.get("partner_id")
    if partner_id:
        number = as_id(partner_id)
        if number is None:
            errors["partner_id"] = "Must be a partner id."
        else:
            stmt = stmt.where(Escalation.partner_id == number)
    q = (request.args.get("q") or "").strip()
    if len(q) > Q_MAX:
        errors["q"] = f"At most {Q_MAX} characters."
    if errors:
        raise DomainError("invalid_query", "Invalid filters.", status=400, fields=errors)
    return stmt


@blp.get("/escalations")
@signed_in
@blp.response(200, page_schema(EscalationSchema))
@blp.doc(security=SECURITY, parameters=PAGE_PARAMETERS + LIST_PARAMETERS)
def list_escalations():
    """Escalations the caller may see, filtered: the newest first, or with `q` the best
    matches first (title matches before the others)."""
    principal = current_principal()
    now = utcnow()
    stmt = _filtered(visible_escalations(principal)).options(*list_options())
    q = search.cleaned_query(request.args.get("q"))
    stmt = search.ranked(stmt, q, principal) if q else stmt.order_by(Escalation.id.desc())
    return paginate(stmt, lambda escalation: escalation_record(escalation, now))


def _input(body: dict) -> EscalationInput:
    reproduction = {**ReproductionInSchema().load({}), **body["reproduction"]}
    return EscalationInput(
        title=body["title"],
        severity=body["severity"],
        product=body["product"],
        release=body["release"],
        customer_id=body["customer_id"],
        environment_id=reproduction["environment_id"],
        business_impact=body["business_impact"],
        steps=reproduction["steps"],
        expected=reproduction["expected"],
        actual=reproduction["actual"],
        reproduced_on_vanilla=reproduction["reproduced_on_vanilla"],
        customization_involved=reproduction["customization_involved"],
        kb_articles_reviewed=body["kb_articles_reviewed"],
        kb_articles_suggested=body["kb_articles_suggested"],
    )


def _answer(body: dict, status: int, replayed: bool = False):
    """The already serialised body as it is (a stored first answer is sent unchanged)."""
    response = jsonify(body)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _replayed(stored: idempotency.StoredResponse):
    return _answer(stored.body, stored.status, replayed=True)


@blp.post("/escalations")
@roles_required(TECHNICIAN)
@blp.arguments(EscalationCreateSchema)
@blp.response(201, EscalationDetailSchema)
@blp.alt_response(403, description="not_certified, partner_suspended")
@blp.alt_response(404, description="not_found: a customer or environment not of your partner")
@blp.alt_response(
    422,
    description="release_not_supported, reproduction_required, customization_involved, "
    "environment_missing, business_impact_required, idempotency_key_reused, validation_error",
)
@blp.doc(
    security=SECURITY,
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "schema": {"type": "string", "maxLength": idempotency.KEY_MAX},
            "description": "The same key and body within 24 h answers the first response",
        }
    ],
)
def create_escalation(body):
    """Submit an escalation: every gate applies to the caller; a refusal changes nothing."""
    principal = current_principal()
    now = utcnow()
    key = idempotency.checked_key(request.headers.get("Idempotency-Key"))
    fingerprint = idempotency.body_hash(request.get_json(silent=True)) if key else ""
    if key:
        stored = idempotency.replay(principal, key, fingerprint, now)
        if stored is not None:
            db.session.rollback()
            return _replayed(stored)
    try:
        escalation = submit_escalation(principal, _input(body), now=now)
        record = EscalationDetailSchema().dump(detail_record(escalation, principal, now))
        if key:
            idempotency.remember(principal, key, fingerprint, 201, record, escalation.id, now)
        db.session.commit()
    except (IntegrityError, OperationalError):
        # With a key: another request with the same key committed first (the unique key
        # refused this one, or SQLite's writer lock did). Answer as that one did.
        db.session.rollback()
        stored = idempotency.replay(principal, key, fingerprint, now) if key else None
        if stored is None:
            raise
        db.session.rollback()
        return _replayed(stored)
    return _answer(record, 201)


@blp.get("/escalations/<int:escalation_id>")
@signed_in
@blp.response(200, EscalationDetailSchema)
@blp.alt_response(404, description="not_found: absent, or not visible to you")
@blp.doc(security=SECURITY)
def get_escalation(escalation_id: int):
    """One escalation with its timeline (partner users see no internal notes), files,
    the KB articles shown while it was written, and its SLA clocks."""
    principal = current_principal()
    escalation = get_visible_escalation_or_404(escalation_id, principal)
    return detail_record(escalation, principal, utcnow())
