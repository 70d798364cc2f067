"""The partner admin's home page: each compliance gap with the action that fixes it, named.

"Orbit Mobile: 0 of 1 certified technicians" with who could take the quiz or whom to
recertify; "Orbit Server: no current environment on a supported release" with the lab
to re-attest (stale since when) or a link to register one. The portal's home page asks
for these through `portal.partners.compliance.compliance_actions`; three queries
(`remedies.remedies_for`) whatever the number of products.
"""

from flask import current_app, url_for

from certification.remedies import Remedy, remedies_for
from portal.models.base import utcnow
from portal.next_steps import StepItem
from portal.partners.compliance import ProductCompliance, register_providers

#: How many names an item lists before "and N more".
NAMES_SHOWN = 3


def _names(users) -> str:
    names = [user.name for user in users[:NAMES_SHOWN]]
    more = len(users) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def _certifications_url() -> str:
    """The partner's certification matrix where it exists, else its technicians."""
    if "certification.my_partner_certifications" in current_app.view_functions:
        return url_for("certification.my_partner_certifications")
    return url_for("partners.my_technicians")


def _technician_item(remedy: Remedy) -> StepItem:
    row = remedy.compliance
    label = f"{row.product.name}: {row.certified_active} of {row.minimum} certified technicians"
    actions = []
    if remedy.recertify:
        actions.append(
            "recertify "
            + ", ".join(
                f"{item.user.name} ({item.status}"
                + (f" on {item.ended_on:%Y-%m-%d})" if item.ended_on else ")")
                for item in remedy.recertify[:NAMES_SHOWN]
            )
        )
    if remedy.uncertified:
        actions.append(f"have someone take the quiz: {_names(list(remedy.uncertified))}")
    if not actions:
        actions.append("add a technician and have them take the quiz")
    note = f"{row.shortfall} more needed: " + "; or ".join(actions) + "."
    return StepItem(label, _certifications_url(), note[0].upper() + note[1:])


def _environment_items(remedy: Remedy) -> list[StepItem]:
    product = remedy.product.name
    stale = [item for item in remedy.stale_environments if item.state == "stale"]
    unsupported = [item for item in remedy.stale_environments if item.state == "unsupported"]
    if stale:
        return [
            StepItem(
                f"{product}: re-attest {item.environment.name}",
                url_for("certification.environments", product=remedy.product.id),
                f"Stale since {item.stale_since:%Y-%m-%d}: attest again that it runs "
                f"{item.environment.release.version} unmodified, and it counts again.",
            )
            for item in stale
        ]
    items = [
        StepItem(
            f"{product}: move {item.environment.name} to a supported release",
            url_for("certification.environment_edit", environment_id=item.environment.id),
            f"It runs {item.environment.release.version}, which is no longer supported.",
        )
        for item in unsupported
    ]
    if not items:
        items.append(
            StepItem(
                f"{product}: no current environment on a supported release",
                url_for("certification.environment_new"),
                "Register one: without it, nobody can escalate on this product.",
            )
        )
    return items


def compliance_actions(partner, rows: list[ProductCompliance]) -> list[StepItem]:
    items = []
    for remedy in remedies_for(partner, rows, utcnow().date()):
        if remedy.needs_technicians:
            items.append(_technician_item(remedy))
        if remedy.needs_environment:
            items.extend(_environment_items(remedy))
    return items


def register() -> None:
    register_providers(compliance_actions=compliance_actions)
