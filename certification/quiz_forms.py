"""Forms of the quiz pages. They read types; `certification.quizzes` judges the values."""

from datetime import UTC

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from certification.quizzes import (
    CHOICE_TEXT_MAX,
    CHOICES_MAX,
    EXPLANATION_MAX,
    FEEDBACK_MAX,
    TEXT_MAX,
    TITLE_MAX,
    ChoiceInput,
    QuestionInput,
    QuizSettings,
)

LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
#: Empty choice rows the question form offers beyond those filled in.
SPARE_CHOICES = 2
MIN_CHOICE_ROWS = 5


def _whole(label: str, low: int, high: int, description: str = "") -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired("Enter a whole number."), NumberRange(low, high)],
        description=description,
    )


class QuizForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=TITLE_MAX)])
    questions_per_attempt = _whole(
        "Questions per attempt", 1, 100, "Drawn at random from the bank for each attempt."
    )
    pass_mark = _whole("Pass mark (%)", 1, 100, "Percent of the drawn questions answered right.")
    time_limit_minutes = _whole("Time limit (minutes)", 1, 8 * 60)
    attempts_per_window = _whole("Attempts allowed", 1, 100)
    window_hours = _whole("…in any period of (hours)", 1, 24 * 90)
    cooldown_minutes = _whole(
        "Cooldown (minutes)", 0, 7 * 24 * 60, "The wait between one attempt and the next."
    )
    opens_at = DateTimeLocalField(
        "Opens (UTC)",
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description="Empty: open now.",
    )
    closes_at = DateTimeLocalField(
        "Closes (UTC)",
        format=LOCAL_FORMAT,
        validators=[Optional()],
        description="Empty: open until you close it.",
    )
    show_feedback = BooleanField(
        "Show results in detail",
        description="After grading, a technician sees which answers were wrong, with the "
        "explanations.",
    )

    def settings(self) -> QuizSettings:
        def utc(moment):
            return moment.replace(tzinfo=UTC) if moment is not None else None

        return QuizSettings(
            title=self.title.data or "",
            questions_per_attempt=self.questions_per_attempt.data,
            pass_mark=self.pass_mark.data,
            time_limit_s=(self.time_limit_minutes.data or 0) * 60,
            attempts_per_window=self.attempts_per_window.data,
            window_hours=self.window_hours.data,
            cooldown_minutes=self.cooldown_minutes.data,
            opens_at=utc(self.opens_at.data),
            closes_at=utc(self.closes_at.data),
            show_feedback=bool(self.show_feedback.data),
        )

    def fill_from(self, settings: QuizSettings) -> None:
        self.title.data = settings.title
        self.questions_per_attempt.data = settings.questions_per_attempt
        self.pass_mark.data = settings.pass_mark
        self.time_limit_minutes.data = settings.time_limit_s // 60
        self.attempts_per_window.data = settings.attempts_per_window
        self.window_hours.data = settings.window_hours
        self.cooldown_minutes.data = settings.cooldown_minutes
        for field, moment in (
            (self.opens_at, settings.opens_at),
            (self.closes_at, settings.closes_at),
        ):
            field.data = moment.astimezone(UTC).replace(tzinfo=None) if moment else None
        self.show_feedback.data = settings.show_feedback

    def add_service_errors(self, errors: dict[str, str]) -> None:
        names = {"time_limit_s": "time_limit_minutes"}
        for name, message in errors.items():
            target = getattr(self, names.get(name, name), None)
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, message]
            else:
                self.form_errors.append(message)


class ChoiceRowForm(Form):
    """One choice of the question form (a row left empty is no choice)."""

    text = TextAreaField("Choice", validators=[Length(max=CHOICE_TEXT_MAX)], render_kw={"rows": 1})
    correct = BooleanField("Right")
    feedback = StringField("Feedback when chosen", validators=[Length(max=FEEDBACK_MAX)])


class QuestionForm(FlaskForm):
    kind = RadioField(
        "Kind",
        choices=[
            SelectChoice("single", "Single choice: one right choice"),
            SelectChoice("multiple", "Multiple choice: every right choice, all or nothing"),
        ],
        default="single",
        validators=[InputRequired("Choose the kind of question.")],
    )
    title = StringField(
        "Short title",
        validators=[Length(max=TITLE_MAX)],
        description="Optional; for the bank and GIFT files, never shown to technicians.",
    )
    text = TextAreaField("Question", validators=[Length(max=TEXT_MAX)], render_kw={"rows": 3})
    choices = FieldList(
        FormField(ChoiceRowForm), min_entries=MIN_CHOICE_ROWS, max_entries=CHOICES_MAX
    )
    explanation = TextAreaField(
        "Explanation",
        validators=[Length(max=EXPLANATION_MAX)],
        description="Shown after grading with a wrong answer, when the quiz shows results in "
        "detail.",
        render_kw={"rows": 3},
    )

    def question(self) -> QuestionInput:
        rows = [row.form for row in self.choices]
        return QuestionInput(
            kind=self.kind.data or "",
            title=self.title.data or "",
            text=self.text.data or "",
            explanation=self.explanation.data or "",
            choices=tuple(
                ChoiceInput(r.text.data or "", bool(r.correct.data), r.feedback.data or "")
                for r in rows
                if (r.text.data or "").strip() or (r.feedback.data or "").strip()
            ),
        )

    def fill_from(self, question) -> None:
        self.kind.data = question.kind
        self.title.data = question.title
        self.text.data = question.text
        self.explanation.data = question.explanation
        while len(self.choices):
            self.choices.pop_entry()
        rows = list(question.choices)
        for choice in rows:
            self.choices.append_entry(
                {"text": choice.text, "correct": choice.correct, "feedback": choice.feedback}
            )
        spare = max(MIN_CHOICE_ROWS - len(rows), SPARE_CHOICES)
        for _ in range(min(spare, CHOICES_MAX - len(rows))):
            self.choices.append_entry()

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Place `choices.2.text`-style messages next to their rows (of the kept rows)."""
        kept = [
            row.form
            for row in self.choices
            if (row.form.text.data or "").strip() or (row.form.feedback.data or "").strip()
        ]
        for path, message in errors.items():
            parts = path.split(".")
            if parts[0] == "choices" and len(parts) == 3 and int(parts[1]) < len(kept):
                field = getattr(kept[int(parts[1])], parts[2])
                field.errors = [*field.errors, message]
            elif parts[0] in ("kind", "title", "text", "explanation"):
                field = getattr(self, parts[0])
                field.errors = [*field.errors, message]
            else:
                self.form_errors.append(message)


class GiftImportForm(FlaskForm):
    file = FileField(
        "GIFT file",
        description="A text file (UTF-8) of single- and multiple-choice questions, as Moodle "
        "exports them. Its questions are added to the bank; a file with any error adds none.",
    )


class ConfirmForm(FlaskForm):
    """A POST with only its CSRF token (start, remove, restore, submit)."""
