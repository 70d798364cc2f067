"""The escalation pages: importing this module registers every route on the blueprint.

The models are imported so that SQLAlchemy knows them wherever the blueprint is.
"""

from escalations import (  # noqa: F401  (importing a module registers its routes)
    action_views,
    detail_views,
    home_steps,
    models,
    queue_views,
    submission_views,
    suggest_views,
)
from escalations.blueprint import bp

home_steps.register()  # the home page's escalations: a technician's, a partner admin's

__all__ = ["bp"]
