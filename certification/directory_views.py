"""directory_views: routes on certification.blueprint.bp."""

from certification.blueprint import bp  # noqa: F401
