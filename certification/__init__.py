"""The certification package (blueprint registered by portal.create_app)."""

from certification import counts as _counts

# Compliance counts certified technicians and current environments through these.
_counts.register()
