"""Domain events that feature packages subscribe to, so `portal/` never imports them.

Receivers run inside the sender's transaction: what they write commits or rolls back
with the change that caused it.
"""

from blinker import Namespace

_signals = Namespace()

#: Sent with the Release when a release is created as, or turned into, a major release.
major_release_published = _signals.signal("major-release-published")
