"""Alembic revisions of the portal (a package, so that they install with it)."""
