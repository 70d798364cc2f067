"""The certification package (blueprint registered by portal.create_app)."""

from certification import counts as _counts

# Compliance counts certified technicians and current environments through these.
_counts.register()

from certification import lifecycle as _lifecycle  # noqa: E402

# Revocation on leaving, lapse dates on new releases, the technicians API's certifications,
# and the home pages' certification steps.
_lifecycle.register()
