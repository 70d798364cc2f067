"""Forms of the training pages. They read types (a date is a date); the services judge."""

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from certification.training import (
    DESCRIPTION_MAX,
    LOCATION_MAX,
    TITLE_MAX,
    TRAINER_MAX,
    VIDEO_URL_MAX,
    SessionInput,
    local_time,
)
from portal.ids import as_id

LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _id_or_none(value):
    return None if value in (None, "") else as_id(value)


class TrainingSessionForm(FlaskForm):
    release_id = SelectField("Release", coerce=_id_or_none, validators=[Optional()])
    title = StringField("Title", validators=[Length(max=TITLE_MAX)])
    timezone = StringField(
        "Time zone",
        validators=[Length(max=64)],
        description="The start and end are in this zone, e.g. Europe/Berlin or America/New_York.",
        render_kw={"list": "timezones", "autocomplete": "off"},
    )
    starts_local = DateTimeLocalField("Starts", format=LOCAL_FORMAT, validators=[Optional()])
    ends_local = DateTimeLocalField("Ends", format=LOCAL_FORMAT, validators=[Optional()])
    trainer = StringField("Trainer", validators=[Length(max=TRAINER_MAX)])
    location = StringField(
        "Place",
        validators=[Length(max=LOCATION_MAX)],
        description="A room and address; leave empty for an online session.",
    )
    video_url = URLField(
        "Video link",
        validators=[Length(max=VIDEO_URL_MAX)],
        description="The meeting's https:// link; leave empty for a session in person.",
    )
    description = TextAreaField(
        "Description",
        validators=[Length(max=DESCRIPTION_MAX)],
        description="What the session covers and what to prepare.",
        render_kw={"rows": 5},
    )

    def set_releases(self, releases) -> None:
        """Releases as options grouped by product; unsupported ones are labelled."""
        groups: dict[str, list[SelectChoice]] = {}
        for release in releases:
            label = release.version + ("" if release.supported else " (no longer supported)")
            groups.setdefault(release.product.name, []).append(SelectChoice(release.id, label))
        self.release_id.choices = {"": [SelectChoice("", "Choose a release")], **groups}

    def fill_from(self, session) -> None:
        self.release_id.data = session.release_id
        self.title.data = session.title
        self.timezone.data = session.timezone
        self.starts_local.data = local_time(session).replace(tzinfo=None)
        self.ends_local.data = local_time(session, session.ends_at).replace(tzinfo=None)
        self.trainer.data = session.trainer
        self.location.data = session.location
        self.video_url.data = session.video_url
        self.description.data = session.description

    def to_input(self) -> SessionInput:
        return SessionInput(
            release_id=self.release_id.data,
            title=self.title.data or "",
            starts_local=self.starts_local.data,
            ends_local=self.ends_local.data,
            timezone=self.timezone.data or "",
            trainer=self.trainer.data or "",
            location=self.location.data or "",
            video_url=self.video_url.data or "",
            description=self.description.data or "",
        )


class EnrolByEmailForm(FlaskForm):
    """The vendor admin names any technician by e-mail address."""

    email = EmailField("Technician's e-mail", validators=[InputRequired(), Length(max=254)])


class EnrolOwnTechnicianForm(FlaskForm):
    """A partner admin picks one of its own technicians."""

    technician = SelectField("Technician", coerce=_id_or_none, validators=[InputRequired()])

    def set_technicians(self, technicians) -> None:
        self.technician.choices = [SelectChoice("", "Choose a technician")] + [
            SelectChoice(t.id, f"{t.name} ({t.email})") for t in technicians
        ]


class AttendanceForm(FlaskForm):
    attended = RadioField(
        "Attended",
        choices=[SelectChoice("yes", "Attended"), SelectChoice("no", "Did not attend")],
        validators=[InputRequired()],
    )


class MaterialForm(FlaskForm):
    """The picker's buttons: `add` or `remove`, each with an article id as its value."""

    add = StringField(validators=[Optional()])
    remove = StringField(validators=[Optional()])
