"""What the training pages' destructive actions say before they happen (see portal.confirm)."""

from portal.confirm import Confirmation, confirmation_builder


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


@confirmation_builder("training.delete")
def delete_session(session, upcoming: bool) -> Confirmation:
    attendees = len(session.attendees)
    quizzes = len(session.quizzes)
    parts = []
    if attendees:
        told = " (they are told by e-mail that it is cancelled)" if upcoming else ""
        parts.append(f"its list of {_plural(attendees, 'attendee')}{told}")
    if quizzes:
        parts.append(f"its {_plural(quizzes, 'quiz', 'quizzes')} and their questions")
    also = f" It takes {' and '.join(parts)} with it." if parts else ""
    return Confirmation(
        question=f"Delete the training session “{session.title}”?",
        consequence=(
            f"The session disappears from every list and its calendar file stops working."
            f"{also} The knowledge-base articles handed out stay in the knowledge base. "
            "This cannot be undone."
        ),
        action="Delete the session",
    )


@confirmation_builder("training.remove_attendee")
def remove_attendee(attendee, session) -> Confirmation:
    name = attendee.user.name
    return Confirmation(
        question=f"Take {name} off the list for “{session.title}”?",
        consequence=(
            f"{name} is no longer expected at the session and is told so by e-mail. "
            "They can sign up again while the session has not started."
        ),
        action="Remove from the list",
    )
