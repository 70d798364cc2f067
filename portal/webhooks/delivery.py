"""Sending due webhook deliveries: signed, pinned to the checked address, retried.

`deliver_due` runs on every poll of `flask --app app worker` (registered with
portal.periodic). Each delivery is one POST of its stored body with the Standard Webhooks
headers (webhook-id, webhook-timestamp, webhook-signature) made by the `standardwebhooks`
library. The URL is checked again before each attempt (portal.webhooks.addresses) and the
connection goes to the very address that was checked, with the host's name in the Host
header and in TLS (SNI and certificate); redirects are not followed. A failure retries
with the outbox's exponential backoff; WEBHOOKS_DISABLE_AFTER_FAILURES failures in a row
disable the endpoint and tell the partner's admins by e-mail.
"""

import http.client
import socket
import ssl
from datetime import datetime

from cryptography.exceptions import InvalidTag
from flask import current_app
from sqlalchemy import select
from standardwebhooks import Webhook

from portal import periodic
from portal.audit import record_change
from portal.extensions import db
from portal.mail import backoff_delay, enqueue_mail
from portal.models import User
from portal.models.base import utcnow
from portal.roles import PARTNER_ADMIN
from portal.webhooks.addresses import AddressRefused, Target, check_url
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from portal.webhooks.secrets import unseal

USER_AGENT = "PartnerSupportPortal-Webhooks/1"
#: A receiver's answer is not read beyond this: only its status code matters.
RESPONSE_READ_MAX = 4096


class DeliveryFailed(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to `target.address` (only ever loopback, in tests)."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to `target.address`, verifying the certificate for `target.host` (SNI too)."""

    def __init__(self, target: Target, timeout: float):
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._address = target.address

    def connect(self):
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def signed_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> dict[str, str]:
    """The Standard Webhooks headers, signed with the endpoint's secret at this moment."""
    moment = utcnow()  # the receiver compares it with its own clock: always the real time
    signature = Webhook(unseal(endpoint.secret_encrypted)).sign(
        delivery.message_id, moment, delivery.payload
    )
    return {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> int:
    """POST the delivery once; its HTTP status. DeliveryFailed with the reason if not 2xx."""
    try:
        target = check_url(endpoint.url)
        headers = signed_headers(endpoint, delivery)
    except AddressRefused as exc:
        raise DeliveryFailed(f"Refused: {exc.message}") from None
    except InvalidTag:
        raise DeliveryFailed(
            "The signing secret cannot be read (SECRET_KEY changed): rotate the secret."
        ) from None
    timeout = current_app.config["WEBHOOKS_TIMEOUT_S"]
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=delivery.payload.encode(), headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_MAX)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        # A redirect is an answer too, never followed: the URL to call is the registered one.
        raise DeliveryFailed(f"The endpoint answered HTTP {response.status}.", response.status)
    return response.status


def _next_due(now: datetime) -> WebhookDelivery | None:
    stmt = (
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        # Several workers may run: each claims a different delivery.
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    return db.session.scalars(stmt).first()


def deliver_due(now: datetime | None = None, limit: int = 20) -> int:
    """Attempt up to `limit` due deliveries once each; how many were attempted.

    One at a time, each committed before the next is taken: a delivery's row stays locked
    (PostgreSQL) only while its own request is made, so several workers share the queue
    without sending a message twice, no write waits on a slow receiver, and what was sent
    stays recorded as sent if a later attempt goes wrong.
    """
    now = now or utcnow()
    done = 0
    while done < limit and (delivery := _next_due(now)) is not None:
        attempt(delivery, now)
        db.session.commit()
        done += 1
    return done


def attempt(delivery: WebhookDelivery, now: datetime) -> None:
    """One attempt of `delivery`, recorded on it and on its endpoint."""
    endpoint = delivery.endpoint
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        delivery.response_status = post(endpoint, delivery)
    except DeliveryFailed as exc:
        delivery.response_status = exc.status
        delivery.last_error = str(exc)[:500]
        if delivery.attempts >= current_app.config["WEBHOOKS_MAX_ATTEMPTS"]:
            delivery.status = "failed"
        else:
            delivery.next_attempt_at = now + backoff_delay(delivery.attempts)
        endpoint.consecutive_failures += 1
        if endpoint.consecutive_failures >= current_app.config["WEBHOOKS_DISABLE_AFTER_FAILURES"]:
            disable_after_failures(endpoint, delivery.last_error)
    else:
        delivery.status = "delivered"
        delivery.delivered_at = utcnow()
        delivery.last_error = ""
        endpoint.consecutive_failures = 0


def disable_after_failures(endpoint: WebhookEndpoint, last_error: str) -> None:
    """Stop sending to a failing endpoint; audit it and tell the partner's admins."""
    if not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = (
        f"Disabled after {endpoint.consecutive_failures} failed attempts in a row "
        f"(last: {last_error})"
    )[:300]
    record_change(
        "webhook_endpoint.disabled",
        endpoint,
        partner_id=endpoint.partner_id,
        before={"enabled": True},
        after={"enabled": False},
        summary=f"Webhook endpoint {endpoint.url} disabled after repeated failures",
    )
    admins = db.session.scalars(
        select(User.email).where(
            User.partner_id == endpoint.partner_id,
            User.role == PARTNER_ADMIN,
            User.status == "active",
        )
    ).all()
    # Built without a request: the worker sends this.
    path = current_app.url_map.bind("").build("webhooks.endpoint", {"endpoint_id": endpoint.id})
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    for admin in admins:
        enqueue_mail(
            admin,
            "A webhook endpoint was disabled after repeated failures",
            "webhooks/mail/endpoint_disabled.txt",
            endpoint=endpoint,
            link=link,
        )


periodic.register("webhooks.deliver_due", deliver_due)
