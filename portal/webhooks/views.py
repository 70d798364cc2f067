"""A partner admin's webhook pages: the endpoints, one endpoint's delivery log.

Vendor staff do not see them: the endpoints are the partner's own systems (the partner's
audit log records every change, which vendor admins can read).
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from portal.access import current_principal, get_visible_or_404, roles_required, scoped
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Partner
from portal.pagination import paginate_rows
from portal.partners.forms import show_domain_errors
from portal.roles import PARTNER_ADMIN
from portal.webhooks import confirmations  # noqa: F401  (registers the confirmations' words)
from portal.webhooks import delivery as _delivery  # noqa: F401  (registers the worker's check)
from portal.webhooks.forms import EVENT_LABELS, EndpointForm
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from portal.webhooks.services import (
    create_endpoint,
    delete_endpoint,
    rotate_secret,
    send_again,
    set_enabled,
)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks", template_folder="templates")
NO_STORE = {"Cache-Control": "no-store"}


def _own_partner() -> Partner:
    return get_visible_or_404(Partner, current_principal().partner_id)


def _index_page(form: EndpointForm, status: int = 200):
    partner = _own_partner()
    endpoints = db.session.scalars(
        scoped(WebhookEndpoint)
        .where(WebhookEndpoint.partner_id == partner.id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    ).all()
    return render_template(
        "webhooks/index.html",
        partner=partner,
        endpoints=endpoints,
        form=form,
        event_labels=EVENT_LABELS,
    ), status


def _secret_page(endpoint: WebhookEndpoint, secret: str, created: bool):
    page = render_template(
        "webhooks/secret.html", endpoint=endpoint, secret=secret, created=created
    )
    return page, 200, NO_STORE


@bp.get("/")
@roles_required(PARTNER_ADMIN)
def index():
    return _index_page(EndpointForm(formdata=None))


@bp.post("/")
@roles_required(PARTNER_ADMIN)
def create():
    form = EndpointForm()
    if not form.validate_on_submit():
        return _index_page(form, 400)
    try:
        endpoint, secret = create_endpoint(_own_partner(), form.to_input(), current_principal())
    except DomainError as exc:
        db.session.rollback()
        show_domain_errors(form, exc)
        return _index_page(form, 409 if exc.status == 409 else 400)
    db.session.commit()
    return _secret_page(endpoint, secret, created=True)


@bp.get("/<int:endpoint_id>")
@roles_required(PARTNER_ADMIN)
def endpoint(endpoint_id):
    endpoint = get_visible_or_404(WebhookEndpoint, endpoint_id)
    page = paginate_rows(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )
    return render_template(
        "webhooks/endpoint.html", endpoint=endpoint, page=page, event_labels=EVENT_LABELS
    )


def _act(endpoint: WebhookEndpoint, action, done: str):
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for(".endpoint", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/enable")
@roles_required(PARTNER_ADMIN)
def enable(endpoint_id):
    endpoint = get_visible_or_404(WebhookEndpoint, endpoint_id)
    return _act(
        endpoint,
        lambda: set_enabled(endpoint, True, current_principal()),
        "Enabled: the deliveries still queued go out first, then each new event.",
    )


@bp.post("/<int:endpoint_id>/disable")
@roles_required(PARTNER_ADMIN)
def disable(endpoint_id):
    endpoint = get_visible_or_404(WebhookEndpoint, endpoint_id)
    return _act(
        endpoint,
        lambda: set_enabled(endpoint, False, current_principal()),
        "Disabled: nothing is sent until you enable it again.",
    )


@bp.post("/<int:endpoint_id>/delete")
@roles_required(PARTNER_ADMIN)
def delete(endpoint_id):
    endpoint = get_visible_or_404(WebhookEndpoint, endpoint_id)
    if not is_confirmed():
        return ask_to_confirm(
            confirmation("webhook_endpoint.delete", endpoint=endpoint),
            cancel_url=url_for(".endpoint", endpoint_id=endpoint.id),
        )
    delete_endpoint(endpoint, current_principal())
    db.session.commit()
    flash("The endpoint and its delivery log are deleted.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:endpoint_id>/rotate-secret")
@roles_required(PARTNER_ADMIN)
def rotate(endpoint_id):
    endpoint = get_visible_or_404(WebhookEndpoint, endpoint_id)
    if not is_confirmed():
        return ask_to_confirm(
            confirmation("webhook_endpoint.rotate_secret", endpoint=endpoint),
            cancel_url=url_for(".endpoint", endpoint_id=endpoint.id),
        )
    secret = rotate_secret(endpoint, current_principal())
    db.session.commit()
    return _secret_page(endpoint, secret, created=False)


@bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/send-again")
@roles_required(PARTNER_ADMIN)
def resend(endpoint_id, delivery_id):
    endpoint = get_visible_or_404(WebhookEndpoint, endpoint_id)
    delivery = get_visible_or_404(WebhookDelivery, delivery_id)
    if delivery.endpoint_id != endpoint.id:
        abort(404)
    later = "" if endpoint.enabled else " It goes once the endpoint is enabled."
    return _act(
        endpoint,
        lambda: send_again(delivery, current_principal()),
        f"Message {delivery.message_id} will be sent again shortly.{later}",
    )
