"""Loads every page module of the management blueprint, so that their routes exist, and
registers the support manager's next steps."""

import portal.management.review_views  # noqa: F401  (routes on bp)
from portal.management import (
    dashboard_views,  # noqa: F401  (routes on bp)
    next_steps,
)
from portal.management.blueprint import bp

next_steps.register()

__all__ = ["bp"]
