"""Fixtures of the data export tests."""

import pytest

from tests.escalations.support import escalation_world
from tests.exports.support import plant_data


@pytest.fixture
def esc(request, world):
    return escalation_world(request, world)


@pytest.fixture
def canaries(esc):
    """Both partners full of data; what acme's archive must never hold."""
    return plant_data(esc)
