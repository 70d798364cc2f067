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

from certification import attempts as _attempts  # noqa: E402
from certification import quiz_next_steps as _quiz_next_steps  # noqa: E402
from portal import periodic as _periodic  # noqa: E402

# The worker grades attempts left open past their deadline, on their saved answers; the
# technician's home names the quiz to take next.
_periodic.register("certification.grade_overdue_attempts", _attempts.grade_overdue_attempts)
_quiz_next_steps.register()
