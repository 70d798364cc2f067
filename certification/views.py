"""Certification pages, one module per subject; importing this module registers them all."""

from certification import (  # noqa: F401  (each module adds its routes to bp)
    certificate_views,
    directory_views,
    environment_views,
    models,  # noqa: F401  (registers the models with SQLAlchemy)
    quiz_views,
    training_views,
)
from certification.blueprint import bp

__all__ = ["bp"]
