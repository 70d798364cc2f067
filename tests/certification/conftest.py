"""Fixtures of the certification tests: a signing key of the test's own, a frozen "today"
for pages and the API, and a certification of acme's technician (issued through the real
service)."""

import json
from datetime import date

import pytest

from certification import verification
from certification.signing_keys import new_private_jwk
from tests.certification.factories import make_certification, release_of

ISSUED_ON = date(2026, 1, 12)


@pytest.fixture
def signing_jwk(app):
    """A private JWK configured as the signing key for this test only."""
    jwk = new_private_jwk()
    previous = app.config["CREDENTIAL_SIGNING_KEY"]
    app.config["CREDENTIAL_SIGNING_KEY"] = json.dumps(jwk)
    yield jwk
    app.config["CREDENTIAL_SIGNING_KEY"] = previous


@pytest.fixture
def freeze_today(monkeypatch):
    """Call with a date: pages and the API read certification statuses as of that day."""

    def freeze(day: date) -> date:
        monkeypatch.setattr(verification, "today", lambda: day)
        return day

    return freeze


@pytest.fixture
def acme_certification(world):
    """acme's technician certified on the world's product's latest release."""
    return make_certification(
        world.user("acme_tech"), release_of(world.product), issued_on=ISSUED_ON
    )
