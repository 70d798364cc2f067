"""Loads every page module of the management blueprint, so that their routes exist."""

from portal.management.blueprint import bp

__all__ = ["bp"]
