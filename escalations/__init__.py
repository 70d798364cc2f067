"""The escalations package (blueprint registered by portal.create_app)."""
