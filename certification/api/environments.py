"""API: environments (routes on certification.api.blp)."""
