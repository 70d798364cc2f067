"""Fixtures of the escalation tests."""

import pytest

from tests.escalations.support import escalation_world


@pytest.fixture
def esc(request, world):
    return escalation_world(request, world)
