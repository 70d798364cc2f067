"""Registering and managing a partner's endpoints: the secret, its storage, the audit,
who may, and what is refused with a clear message."""

import base64

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from portal.errors import DomainError
from portal.extensions import db
from portal.models.audit import AuditEntry
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from portal.webhooks.secrets import unseal
from portal.webhooks.services import (
    MAX_ENDPOINTS,
    EndpointInput,
    create_endpoint,
    delete_endpoint,
    rotate_secret,
    send_again,
    set_enabled,
)
from tests.support import database_text

URL = "https://93.184.216.34/hooks"


def audit_actions(partner_id):
    return [
        (entry.action, entry.partner_id)
        for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("webhook%")).order_by(AuditEntry.id)
        )
    ]


def test_a_new_endpoint_has_a_standard_webhooks_secret_stored_encrypted(world):
    endpoint, secret = create_endpoint(
        world.acme,
        EndpointInput(URL, "  Ticketing  ", ["escalation.comment_added", "escalation.created"]),
        actor=world.user("acme_admin"),
    )
    db.session.commit()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    Webhook(secret)  # the library accepts it
    assert unseal(endpoint.secret_encrypted) == secret
    # Neither the secret nor its key bytes are readable in the database.
    text = database_text()
    assert secret not in text and secret.removeprefix("whsec_") not in text
    assert endpoint.description == "Ticketing"
    assert endpoint.event_types == ["escalation.created", "escalation.comment_added"]
    assert endpoint.enabled and endpoint.created_by_id == world.user("acme_admin").id
    assert audit_actions(world.acme.id) == [("webhook_endpoint.created", world.acme.id)]


def test_each_endpoint_gets_its_own_secret(world):
    admin = world.user("acme_admin")
    _, first = create_endpoint(world.acme, EndpointInput(URL, "", ["escalation.created"]), admin)
    _, second = create_endpoint(world.acme, EndpointInput(URL, "", ["escalation.created"]), admin)
    assert first != second


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (EndpointInput(URL, "", []), "event_types", "Choose at least one event."),
        (EndpointInput(URL, "", ["escalation.deleted"]), "event_types", "Unknown event."),
        (EndpointInput(URL, "x" * 201, ["escalation.created"]), "description", "At most 200"),
        (EndpointInput("https://10.0.0.1/", "", ["escalation.created"]), "url", "private"),
        (EndpointInput("http://93.184.216.34/", "", ["escalation.created"]), "url", "https://"),
        (EndpointInput("not a url", "", ["escalation.created"]), "url", "URL"),
    ],
)
def test_bad_input_is_refused_with_a_message_on_its_field(world, data, field, message):
    with pytest.raises(DomainError) as refused:
        create_endpoint(world.acme, data, actor=world.user("acme_admin"))
    assert message in refused.value.fields[field]
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(WebhookEndpoint)) == 0


# Who may manage acme's endpoints, at the service level: acme's admin only.
MANAGERS = {
    "vendor_admin": False,
    "support_manager": False,
    "vendor_engineer": False,
    "acme_admin": True,
    "acme_tech": False,
    "globex_admin": False,
    "globex_tech": False,
}


@pytest.mark.parametrize(("who", "allowed"), MANAGERS.items())
def test_only_the_partners_own_admin_manages_its_endpoints(world, who, allowed):
    actor = world.user(who)
    data = EndpointInput(URL, "", ["escalation.created"])
    endpoint, _ = create_endpoint(world.acme, data, actor=world.user("acme_admin"))
    attempts = [
        lambda: create_endpoint(world.acme, data, actor=actor),
        lambda: set_enabled(endpoint, False, actor),
        lambda: rotate_secret(endpoint, actor),
        lambda: delete_endpoint(endpoint, actor),
    ]
    for attempt in attempts:
        if allowed:
            attempt()
        else:
            with pytest.raises(DomainError) as refused:
                attempt()
            assert refused.value.status == 403


def test_a_partner_has_at_most_a_few_endpoints(world):
    admin = world.user("acme_admin")
    data = EndpointInput(URL, "", ["escalation.created"])
    for _ in range(MAX_ENDPOINTS):
        create_endpoint(world.acme, data, admin)
    with pytest.raises(DomainError) as refused:
        create_endpoint(world.acme, data, admin)
    assert (refused.value.code, refused.value.status) == ("limit_reached", 409)
    create_endpoint(world.globex, data, world.user("globex_admin"))  # another partner's own


def test_disable_enable_rotate_and_delete_are_audited_for_the_partner(world):
    admin = world.user("acme_admin")
    endpoint, secret = create_endpoint(
        world.acme, EndpointInput(URL, "", ["escalation.created"]), admin
    )
    endpoint.consecutive_failures = 5
    set_enabled(endpoint, False, admin)
    assert not endpoint.enabled
    set_enabled(endpoint, True, admin)
    assert endpoint.enabled and endpoint.consecutive_failures == 0
    new = rotate_secret(endpoint, admin)
    assert new != secret and unseal(endpoint.secret_encrypted) == new
    delete_endpoint(endpoint, admin)
    db.session.commit()

    assert audit_actions(world.acme.id) == [
        ("webhook_endpoint.created", world.acme.id),
        ("webhook_endpoint.disabled", world.acme.id),
        ("webhook_endpoint.enabled", world.acme.id),
        ("webhook_endpoint.secret_rotated", world.acme.id),
        ("webhook_endpoint.deleted", world.acme.id),
    ]
    assert new not in database_text()


def test_enabling_checks_the_url_again(world, app, monkeypatch):
    admin = world.user("acme_admin")
    hosts = {"hooks.acme.test": ["93.184.216.34"]}
    monkeypatch.setitem(app.config, "WEBHOOKS_HOSTS", hosts)
    endpoint, _ = create_endpoint(
        world.acme, EndpointInput("https://hooks.acme.test/", "", ["escalation.created"]), admin
    )
    set_enabled(endpoint, False, admin)
    hosts["hooks.acme.test"] = ["192.168.0.10"]
    with pytest.raises(DomainError, match="private"):
        set_enabled(endpoint, True, admin)


def test_a_delivery_never_attempted_cannot_be_sent_again(world):
    admin = world.user("acme_admin")
    endpoint, _ = create_endpoint(world.acme, EndpointInput(URL, "", ["escalation.created"]), admin)
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id, message_id="msg_x", event_type="escalation.created", payload="{}"
    )
    db.session.add(delivery)
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        send_again(delivery, admin)
    assert refused.value.status == 409
