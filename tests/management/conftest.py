"""Fixtures of the partner-support management tests."""

import pytest

from tests.escalations.support import build_escalation_world


@pytest.fixture
def esc(world):
    return build_escalation_world(world)
