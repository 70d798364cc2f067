"""The environment form: what the lab runs, and the attestation that it is unmodified.

The form checks shapes; `certification.environments` checks the rules (a supported
release, the attestation given, a name not taken) and its messages land on these fields.
"""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from certification.environments import EnvironmentInput, supported_releases
from portal.ids import as_id

ATTESTATION = "I attest this environment runs the vanilla, unmodified release."


class MarkedRequired:
    """Marks a field required (the label's asterisk, `required` on the input); the service
    says what is missing, next to every field at once."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        pass


def _release_id(value):
    """The chosen release id, or None (the service then asks for a release)."""
    return value if isinstance(value, int) else as_id(value)


class EnvironmentForm(FlaskForm):
    release_id = SelectField(
        "Product release",
        coerce=_release_id,
        validate_choice=False,  # the service refuses unknown and unsupported releases
        description="Only supported releases can be chosen.",
    )
    name = StringField(
        "Name", validators=[MarkedRequired(), Length(max=120)], description="Such as Lab-2."
    )
    operating_system = StringField(
        "Operating system",
        validators=[MarkedRequired(), Length(max=120)],
        description="Such as Debian 12.",
    )
    database = StringField(
        "Database",
        validators=[Optional(), Length(max=120)],
        description="Such as PostgreSQL 15; leave empty when the product uses none.",
    )
    product_build = StringField(
        "Product build",
        validators=[MarkedRequired(), Length(max=120)],
        description="The exact build installed, such as 4.2.0+build.118.",
    )
    notes = TextAreaField(
        "Notes",
        validators=[Optional(), Length(max=2000)],
        description="Anything the vendor should know to use it (access, data sets).",
    )
    attested = BooleanField(ATTESTATION, validators=[MarkedRequired()])

    def fill_releases(self) -> None:
        """Supported releases grouped by product (the template writes the optgroups)."""
        groups: dict[str, list[tuple[int, str]]] = {}
        for release in supported_releases():
            groups.setdefault(release.product.name, []).append((release.id, release.version))
        self.release_groups = list(groups.items())
        self.release_id.choices = groups

    def to_input(self) -> EnvironmentInput:
        return EnvironmentInput(
            release_id=self.release_id.data,
            name=self.name.data or "",
            operating_system=self.operating_system.data or "",
            database=self.database.data or "",
            product_build=self.product_build.data or "",
            notes=self.notes.data or "",
            attested=bool(self.attested.data),
        )
