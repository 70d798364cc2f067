"""Forms of the check-in pages: they check types and formats; the services check the rules."""

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from portal.management.checkins import MAX_ACTIONS, ActionInput, CheckInInput
from portal.partners.forms import MultiCheckboxField, field_by_path, options

CHANNEL_LABELS = {"video": "Video call", "phone": "Phone", "on_site": "On site", "email": "E-mail"}
OWNER_LABELS = {"partner": "Partner", "vendor": "Vendor"}
#: Blank action rows the form offers (more appear after a submission that fills them all).
BLANK_ACTION_ROWS = 3
NOT_A_DATE = "Not a valid date: use YYYY-MM-DD."


class ActionForm(Form):
    description = StringField("What was agreed")
    owner_side = SelectField("Owner", choices=options(OWNER_LABELS.items()), default="partner")
    owner_name = StringField("Owner's name")
    due_on = DateField("Due on", validators=[Optional()], render_kw={"type": "date"})

    def is_blank(self) -> bool:
        return not (
            (self.description.data or "").strip()
            or (self.owner_name.data or "").strip()
            or self.due_on.data
            or (self.due_on.raw_data or [""])[0]
        )


class CheckInForm(FlaskForm):
    held_on = DateField(
        "Held on", validators=[InputRequired(NOT_A_DATE)], render_kw={"type": "date"}
    )
    channel = SelectField("Channel", choices=options(CHANNEL_LABELS.items()), default="video")
    vendor_attendees = TextAreaField(
        "Vendor attendees",
        description="Names, one per line or separated by commas.",
        render_kw={"rows": 2},
    )
    partner_attendees = TextAreaField(
        "Partner attendees",
        description="Names, one per line or separated by commas.",
        render_kw={"rows": 2},
    )
    notes = TextAreaField("Notes", render_kw={"rows": 6})
    done_action_ids = MultiCheckboxField("Done since the last check-in", coerce=int, choices=[])
    actions = FieldList(
        FormField(ActionForm), min_entries=BLANK_ACTION_ROWS, max_entries=MAX_ACTIONS
    )

    def set_open_actions(self, actions) -> None:
        self.done_action_ids.choices = [(a.id, a.description) for a in actions]

    def field_for(self, key: str):
        """The field a service's error key names: `actions.1.due_on` is the second row
        with something typed in (the service never sees the blank ones)."""
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "actions" and parts[1].isdigit():
            rows = self.action_rows()
            index = int(parts[1])
            return rows[index][parts[2]] if index < len(rows) else None
        return field_by_path(self, key)

    def to_input(self) -> CheckInInput:
        return CheckInInput(
            held_on=self.held_on.data,
            channel=self.channel.data or "",
            vendor_attendees=self.vendor_attendees.data or "",
            partner_attendees=self.partner_attendees.data or "",
            notes=self.notes.data or "",
            actions=[
                ActionInput(
                    description=row.description.data or "",
                    owner_side=row.owner_side.data or "",
                    owner_name=row.owner_name.data or "",
                    due_on=row.due_on.data,
                )
                for row in self.action_rows()
            ],
            done_action_ids=list(self.done_action_ids.data or []),
        )

    def action_rows(self):
        """The rows with something typed in (blank rows are left out)."""
        return [entry.form for entry in self.actions if not entry.form.is_blank()]


class CadenceForm(FlaskForm):
    days = IntegerField(
        "Days between check-ins",
        validators=[InputRequired("A whole number of days.")],
        description="From 7 to 366; the next check-in's due date moves with it.",
    )
