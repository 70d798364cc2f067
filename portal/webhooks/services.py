"""A partner admin's webhook endpoints: register, enable, disable, delete, rotate, resend.

Only the partner's own admins manage its endpoints (views load them scoped, so another
partner's are a 404). Every change is audited for the partner; secrets are returned once.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.audit import record_change, snapshot
from portal.errors import DomainError
from portal.extensions import db
from portal.models.base import utcnow
from portal.roles import PARTNER_ADMIN
from portal.webhooks.addresses import check_url
from portal.webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from portal.webhooks.secrets import new_secret, seal

DESCRIPTION_MAX = 200
#: Endpoints per partner: every event fans out to each of them.
MAX_ENDPOINTS = 10
AUDITED = ("url", "description", "event_types", "enabled")


@dataclass
class EndpointInput:
    url: str
    description: str = ""
    event_types: list[str] = field(default_factory=list)


def _require_admin_of(actor, partner_id: int) -> None:
    if actor.role != PARTNER_ADMIN or actor.partner_id != partner_id:
        raise DomainError("forbidden", "Only the partner's admins manage its webhooks.", status=403)


def _checked(data: EndpointInput) -> EndpointInput:
    errors = {}
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"At most {DESCRIPTION_MAX} characters."
    events = list(dict.fromkeys(data.event_types or ()))
    if not events:
        errors["event_types"] = "Choose at least one event."
    elif set(events) - set(EVENT_TYPES):
        errors["event_types"] = "Unknown event."
    if errors:
        raise DomainError("validation_error", "Some fields are not valid.", fields=errors)
    url = (data.url or "").strip()
    check_url(url)  # AddressRefused (a DomainError) says why not
    return EndpointInput(url, description, [e for e in EVENT_TYPES if e in events])


def create_endpoint(partner, data: EndpointInput, actor) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (to show once, never again)."""
    _require_admin_of(actor, partner.id)
    data = _checked(data)
    count = db.session.scalar(select(func.count()).where(WebhookEndpoint.partner_id == partner.id))
    if count >= MAX_ENDPOINTS:
        raise DomainError(
            "limit_reached",
            f"A partner has at most {MAX_ENDPOINTS} endpoints: delete one first.",
            status=409,
        )
    secret = new_secret()
    endpoint = WebhookEndpoint(
        partner_id=partner.id,
        url=data.url,
        description=data.description,
        event_types=data.event_types,
        secret_encrypted=seal(secret),
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    record_change(
        "webhook_endpoint.created",
        endpoint,
        partner_id=partner.id,
        actor=actor,
        after=snapshot(endpoint, AUDITED),
        summary=f"Webhook endpoint {endpoint.url} registered",
    )
    return endpoint, secret


def set_enabled(endpoint: WebhookEndpoint, enabled: bool, actor) -> None:
    """Enable (after checking the URL again, with a clean failure count) or disable."""
    _require_admin_of(actor, endpoint.partner_id)
    if endpoint.enabled == enabled:
        return
    if enabled:
        check_url(endpoint.url)
        endpoint.consecutive_failures = 0
        endpoint.disabled_reason = ""
    else:
        endpoint.disabled_reason = "Disabled by a partner admin."
    endpoint.enabled = enabled
    record_change(
        "webhook_endpoint.enabled" if enabled else "webhook_endpoint.disabled",
        endpoint,
        partner_id=endpoint.partner_id,
        actor=actor,
        before={"enabled": not enabled},
        after={"enabled": enabled},
        summary=f"Webhook endpoint {endpoint.url} {'enabled' if enabled else 'disabled'}",
    )


def delete_endpoint(endpoint: WebhookEndpoint, actor) -> None:
    """Delete the endpoint and its delivery log."""
    _require_admin_of(actor, endpoint.partner_id)
    record_change(
        "webhook_endpoint.deleted",
        endpoint,
        partner_id=endpoint.partner_id,
        actor=actor,
        before=snapshot(endpoint, AUDITED),
        summary=f"Webhook endpoint {endpoint.url} deleted",
    )
    db.session.execute(
        WebhookDelivery.__table__.delete().where(WebhookDelivery.endpoint_id == endpoint.id)
    )
    db.session.delete(endpoint)
    db.session.flush()


def rotate_secret(endpoint: WebhookEndpoint, actor) -> str:
    """A new signing secret (returned once); the old one stops signing at once."""
    _require_admin_of(actor, endpoint.partner_id)
    secret = new_secret()
    endpoint.secret_encrypted = seal(secret)
    endpoint.secret_rotated_at = utcnow()
    record_change(
        "webhook_endpoint.secret_rotated",
        endpoint,
        partner_id=endpoint.partner_id,
        actor=actor,
        summary=f"Webhook endpoint {endpoint.url}: signing secret rotated",
    )
    return secret


def send_again(delivery: WebhookDelivery, actor) -> None:
    """Queue one more attempt of the same message (same id, same body), due now."""
    endpoint = delivery.endpoint
    _require_admin_of(actor, endpoint.partner_id)
    if delivery.status == "pending" and delivery.attempts == 0:
        raise DomainError("conflict", "This delivery has not been attempted yet.", status=409)
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    record_change(
        "webhook_delivery.sent_again",
        endpoint,
        partner_id=endpoint.partner_id,
        actor=actor,
        summary=f"Webhook {delivery.message_id} ({delivery.event_type}) queued again "
        f"for {endpoint.url}",
    )
