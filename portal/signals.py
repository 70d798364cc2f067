"""Domain events that feature packages subscribe to, so `portal/` never imports them.

Receivers run inside the sender's transaction: what they write commits or rolls back
with the change that caused it.
"""

from blinker import Namespace

_signals = Namespace()

#: Sent with the Release when a release is created as, or turned into, a major release.
major_release_published = _signals.signal("major-release-published")

#: Sent with the Release whenever a release is created or its fields change (kwargs:
#: `before`, the old field values or None for a new release; `actor`). Supported flags
#: and dates decide which certifications lapse and which environments are current.
release_saved = _signals.signal("release-saved")

#: Sent with the User when their status changes (kwargs: `before`, the old status;
#: `actor`). A technician who leaves or is reassigned no longer counts as certified.
user_status_changed = _signals.signal("user-status-changed")

#: Sent with the Agreement that has just come into force (kwargs: `previous`, the version
#: it supersedes or None; `actor`). Its minimums and validity change compliance.
agreement_in_force = _signals.signal("agreement-in-force")
