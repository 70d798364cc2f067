"""Loads every page module of the management blueprint, so that their routes exist."""

import portal.management.review_views  # noqa: F401  (routes on bp)
from portal.management import dashboard_views  # noqa: F401  (routes on bp)
from portal.management.blueprint import bp

__all__ = ["bp"]
