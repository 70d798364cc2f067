"""The certification package (blueprint registered by portal.create_app)."""
