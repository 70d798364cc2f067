"""The certification package (blueprint registered by portal.create_app)."""

from certification import compliance_events as _compliance_events
from certification import compliance_steps as _compliance_steps
from certification import counts as _counts
from certification import notices as _notices

# Compliance counts certified technicians and current environments through these; it is
# recomputed when an agreement comes into force or a release's support changes, and the
# worker sweeps for what time changes (expiry, lapse, stale environments) and sends the
# certifications' expiry notices; the partner admin's home page names what fixes each gap.
_counts.register()
_compliance_events.register()
_notices.register()
_compliance_steps.register()

from certification import lifecycle as _lifecycle  # noqa: E402

# Revocation on leaving, lapse dates on new releases, the technicians API's certifications,
# and the home pages' certification steps.
_lifecycle.register()
