"""What the escalation page's destructive actions say before they act (`portal.confirm`)."""

from escalations.action_forms import REJECTION_LABELS
from portal.confirm import Confirmation, confirmation_builder


@confirmation_builder("escalation.reject")
def reject(escalation, reason: str = "") -> Confirmation:
    why = f" as “{REJECTION_LABELS[reason].lower()}”" if reason in REJECTION_LABELS else ""
    return Confirmation(
        question=f"Reject escalation #{escalation.id}{why}?",
        consequence=(
            f"It leaves the queue as unwarranted, its SLA clocks stop and "
            f"{escalation.partner.name} is told by mail, with your explanation. It counts "
            "against the partner's escalation quality and cannot be reopened."
        ),
        action="Reject",
    )


@confirmation_builder("escalation.withdraw")
def withdraw(escalation) -> Confirmation:
    return Confirmation(
        question=f"Withdraw escalation #{escalation.id}?",
        consequence=(
            "The vendor's engineers stop working on it and its SLA clocks stop. A withdrawn "
            "escalation cannot be brought back: submit a new one if the problem returns."
        ),
        action="Withdraw",
    )


@confirmation_builder("escalation.close")
def close(escalation) -> Confirmation:
    return Confirmation(
        question=f"Close escalation #{escalation.id}?",
        consequence=(
            "It is done for good: it can no longer be reopened and takes no more files. "
            "Submit a new escalation if the problem returns."
        ),
        action="Close",
    )
