"""API: certificates (routes on certification.api.blp)."""
