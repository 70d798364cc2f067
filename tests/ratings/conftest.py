"""Fixtures of the rating tests: the escalation world (`esc`)."""

from tests.escalations.conftest import esc  # noqa: F401  (the fixture, shared)
