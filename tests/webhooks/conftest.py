"""Fixtures of the webhook tests: the escalation world and a real HTTP receiver on loopback."""

import pytest

from tests.escalations.support import escalation_world
from tests.webhooks.support import Receiver


@pytest.fixture
def esc(request, world):
    return escalation_world(request, world)


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()
