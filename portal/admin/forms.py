"""Forms of the vendor admin pages: products and releases, users."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.models.users import USER_STATUSES
from portal.partners.forms import optional_int, options
from portal.roles import (
    PARTNER_ADMIN,
    ROLE_LABELS,
    SUPPORT_MANAGER,
    TECHNICIAN,
    VENDOR_ADMIN,
    VENDOR_ENGINEER,
)
from portal.users.services import UserInput

NO_PARTNER = ("", "— none (vendor staff) —")


class ProductForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Slug",
        validators=[DataRequired(), Length(max=60)],
        description="Lower-case letters, digits and hyphens; used in the API and escalations.",
    )
    description = TextAreaField("Description", validators=[Length(max=500)], render_kw={"rows": 3})


class ReleaseForm(FlaskForm):
    version = StringField(
        "Version", validators=[DataRequired(), Length(max=40)], description="For example 4.2.0."
    )
    released_on = DateField("Release date", validators=[Optional()])
    major = BooleanField(
        "Major release",
        description="The second major release after a certified one starts that "
        "certification's grace period.",
    )
    supported = BooleanField(
        "Supported",
        default=True,
        description="Only supported releases count as vanilla for escalations.",
    )


#: The roles from the least to the most powerful, as the user form offers them.
ROLES_BY_PRIVILEGE = (TECHNICIAN, PARTNER_ADMIN, VENDOR_ENGINEER, SUPPORT_MANAGER, VENDOR_ADMIN)
CHOOSE_ROLE = ("", "— Choose a role —")


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    # No default: a new account's role (and so its power) is always a deliberate choice.
    role = SelectField(
        "Role",
        choices=options([CHOOSE_ROLE, *((r, ROLE_LABELS[r]) for r in ROLES_BY_PRIVILEGE)]),
        validators=[DataRequired(message="Choose a role.")],
    )
    partner_id = SelectField(
        "Partner",
        coerce=optional_int,
        choices=options([NO_PARTNER]),
        description="Partner admins and technicians belong to one partner; vendor staff to none.",
    )

    def set_partners(self, partners) -> None:
        self.partner_id.choices = options([NO_PARTNER, *((p.id, p.name) for p in partners)])

    def to_input(self) -> UserInput:
        return UserInput(
            email=self.email.data or "",
            name=self.name.data or "",
            role=self.role.data,
            partner_id=self.partner_id.data,
        )


class UserFilterForm(Form):
    """The GET filters of the user list (no CSRF: it changes nothing)."""

    q = StringField("Search", validators=[Optional()])
    role = SelectField("Role", choices=options([("", "Any role"), *ROLE_LABELS.items()]))
    #: "", "vendor" (no partner) or a partner id.
    partner_id = SelectField("Partner", choices=options([("", "Any partner")]))
    status = SelectField(
        "Status",
        choices=options([("", "Any status"), *((s, s.capitalize()) for s in USER_STATUSES)]),
    )

    def set_partners(self, partners) -> None:
        self.partner_id.choices = options(
            [("", "Any partner"), ("vendor", "Vendor staff"), *((p.id, p.name) for p in partners)]
        )


class UserStatusForm(FlaskForm):
    status = SelectField("Status", choices=options((s, s.capitalize()) for s in USER_STATUSES))
