"""What the environment buttons say before they act (see `portal.confirm`)."""

from portal.confirm import Confirmation, confirmation_builder


@confirmation_builder("environment.reattest")
def reattest(environment) -> Confirmation:
    release = environment.release.label
    return Confirmation(
        question=f"Attest again that {environment.name} runs {release} unmodified?",
        consequence=(
            f"You confirm, in your name, that {environment.name} still runs the vanilla "
            f"{release}, with no customisation, patch or plug-in. It counts as current for "
            "another attestation period from today."
        ),
        action="Attest again",
        danger=False,
    )


@confirmation_builder("environment.retire")
def retire(environment) -> Confirmation:
    return Confirmation(
        question=f"Retire {environment.name}?",
        consequence=(
            f"{environment.name} stays on record but no longer counts towards compliance on "
            f"{environment.release.product.name}, and escalations can no longer name it. "
            "A retired environment cannot be brought back: register a new one instead."
        ),
        action="Retire",
    )


@confirmation_builder("environment.verify")
def verify(environment) -> Confirmation:
    return Confirmation(
        question=f"Mark {environment.name} of {environment.partner.name} as verified?",
        consequence=(
            f"You confirm that you checked {environment.name} yourself and that it runs the "
            f"vanilla {environment.release.label}. It counts as current for another "
            "attestation period from today, and the verification is recorded in your name."
        ),
        action="Mark verified",
        danger=False,
    )
