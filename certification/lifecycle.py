"""The certification lifecycle's hooks into the portal, connected when the package loads.

- a holder leaving or reassigned loses their certifications (`revocation`);
- a release published or re-dated moves lapse dates (`lapses`);
- the partners API lists technicians' certifications (`summaries`);
- home pages list certifications that need acting on (`next_steps`).
"""

from certification import lapses, next_steps, revocation, summaries
from portal.partners.compliance import register_providers
from portal.signals import major_release_published, release_saved, user_status_changed


def register() -> None:
    user_status_changed.connect(revocation.on_user_status_changed)
    major_release_published.connect(lapses.on_major_release_published)
    release_saved.connect(lapses.on_release_saved)
    register_providers(
        certifications=summaries.certifications_of,
        certifications_by_user=summaries.certifications_by_user,
    )
    next_steps.register()
