"""What the quiz pages' binding and destructive actions say before they happen
(see portal.confirm)."""

from portal.confirm import Confirmation, confirmation_builder


def _minutes(seconds: int) -> str:
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@confirmation_builder("quiz.start")
def start(quiz, allowance) -> Confirmation:
    left = allowance.left
    after = (
        "it is your last attempt in this period"
        if left <= 1
        else f"{left - 1} more attempt(s) remain in this period"
    )
    return Confirmation(
        question=f"Start “{quiz.title}” now?",
        consequence=(
            f"{quiz.questions_per_attempt} questions are drawn for you and the "
            f"{_minutes(quiz.time_limit_s)} clock starts at once; it does not stop if you "
            f"leave the page. Your answers are saved as you choose them. This uses an "
            f"attempt: {after}."
        ),
        action="Start the quiz",
        danger=False,
    )


@confirmation_builder("quiz.question_remove")
def remove_question(question, drawn: bool) -> Confirmation:
    if drawn:
        consequence = (
            "Attempts have drawn this question, so it is archived rather than deleted: "
            "those attempts keep it as it was, and no new attempt draws it. You can restore "
            "it later."
        )
    else:
        consequence = (
            "No attempt has drawn it: it is deleted from the bank with its choices and "
            "explanation. This cannot be undone (export the bank first to keep a copy)."
        )
    return Confirmation(
        question="Remove this question from the bank?",
        consequence=consequence,
        action="Archive the question" if drawn else "Delete the question",
    )
