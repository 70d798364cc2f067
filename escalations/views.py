"""The escalation pages: importing this module registers every route on the blueprint.

The models are imported so that SQLAlchemy knows them wherever the blueprint is.
"""

from escalations import detail_views, models, queue_views, submission_views  # noqa: F401
from escalations.blueprint import bp

__all__ = ["bp"]
