"""What the portal's destructive and binding actions say before they happen.

Each builder words one action's confirmation (see `portal.confirm`): the page with the
button and the view that guards the action both use it, so the dialog and the no-script
confirmation page say the same thing.
"""

from portal.confirm import Confirmation, confirmation_builder
from portal.roles import TECHNICIAN

#: The statuses that take access away, and so need confirming; "active" gives it back.
RESTRICTING_STATUSES = ("reassigned", "left")


@confirmation_builder("technician.status")
def technician_status(technician, status: str, partner) -> Confirmation:
    name = technician.name
    if status == "left":
        return Confirmation(
            question=f"Mark {name} as left?",
            consequence=(
                f"{name} can no longer sign in, their API tokens stop working, and they no "
                f"longer count as certified for {partner.name}. Their escalations and "
                "certificates stay on record; you can make them active again later."
            ),
            action="Mark as left",
        )
    return Confirmation(
        question=f"Mark {name} as reassigned?",
        consequence=(
            f"{name} no longer works on {partner.name}'s support: they can no longer sign in, "
            f"their API tokens stop working, and they no longer count as certified for "
            f"{partner.name}. Their history stays; you can make them active again later."
        ),
        action="Mark as reassigned",
    )


@confirmation_builder("user.deactivate")
def user_deactivate(user) -> Confirmation:
    certified = ""
    if user.role == TECHNICIAN and user.partner is not None:
        certified = f" They no longer count as certified for {user.partner.name}."
    return Confirmation(
        question=f"Deactivate {user.name}?",
        consequence=(
            f"{user.name} ({user.email}) can no longer sign in or use API tokens, and their "
            f"current sign-ins end now.{certified} Their history stays; you can reactivate "
            "the account later."
        ),
        action="Deactivate",
    )


@confirmation_builder("token.revoke")
def token_revoke(token) -> Confirmation:
    return Confirmation(
        question=f"Revoke the API token “{token.name}”?",
        consequence=(
            f"Anything that uses the token starting with {token.prefix}… (a script, an "
            "integration) is refused from now on. A revoked token cannot be restored: create "
            "a new one if you need access again."
        ),
        action="Revoke the token",
    )


@confirmation_builder("sessions.end_all")
def sign_out_everywhere(session_count: int) -> Confirmation:
    sign_ins = f"{session_count} sign-in{'' if session_count == 1 else 's'}"
    return Confirmation(
        question="Sign out everywhere?",
        consequence=(
            f"Your {sign_ins} end on every device, this one included: you will have to sign "
            "in again here. Your API tokens keep working; revoke them separately."
        ),
        action="Sign out everywhere",
    )


def _in_force_other_than(agreement):
    in_force = agreement.partner.agreement_in_force
    return in_force if in_force is not None and in_force is not agreement else None


@confirmation_builder("agreement.accept")
def agreement_accept(agreement) -> Confirmation:
    partner, version = agreement.partner, agreement.version
    in_force = _in_force_other_than(agreement)
    superseded = f"; version {in_force.version}, in force today, is superseded" if in_force else ""
    return Confirmation(
        question=f"Accept version {version} of the agreement?",
        consequence=(
            f"Version {version} comes into force at once and binds {partner.name} and the "
            f"vendor to its terms{superseded}. Changing it later takes a new version proposed "
            "by the vendor and accepted by you."
        ),
        action=f"Accept version {version}",
        danger=False,
    )


@confirmation_builder("agreement.return")
def agreement_return(agreement) -> Confirmation:
    version = agreement.version
    in_force = _in_force_other_than(agreement)
    stays = f" Version {in_force.version} stays in force until then." if in_force else ""
    return Confirmation(
        question=f"Send version {version} back to the vendor?",
        consequence=(
            f"Version {version} will not come into force: you cannot accept it afterwards. "
            f"The vendor reads your comments and proposes a revised version.{stays}"
        ),
        action="Return with comments",
        danger=False,
    )


@confirmation_builder("agreement.withdraw")
def agreement_withdraw(agreement) -> Confirmation:
    partner, version = agreement.partner, agreement.version
    in_force = _in_force_other_than(agreement)
    stays = f"; version {in_force.version} stays in force" if in_force else ""
    return Confirmation(
        question=f"Withdraw version {version}?",
        consequence=(
            f"{partner.name} can no longer accept or return version {version}{stays}. A "
            "withdrawn version cannot be proposed again: propose a new version instead."
        ),
        action="Withdraw the proposal",
    )
