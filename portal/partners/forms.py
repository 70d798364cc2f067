"""Forms of the partner pages.

Forms check types and formats (a number is a number); the services check the rules
(a percentage is at most 100). A service's `DomainError.fields` are put back onto the
form's fields with `show_domain_errors`, so every message appears next to its input.
"""

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.management.fees import CURRENCIES
from portal.models.agreements import SEVERITIES, WEEKDAYS
from portal.models.partners import PARTNER_STATUSES
from portal.partners.agreements import TERM_FIELDS, AgreementTerms
from portal.partners.presentation import (
    COVER_LABELS,
    FEE_PERIOD_LABELS,
    SEVERITY_LABELS,
    WEEKDAY_LABELS,
)
from portal.partners.services import PartnerInput

PARTY_CHOICES = [("partner", "The partner"), ("vendor", "The vendor")]
TECHNICIAN_STATUS_CHOICES = [
    ("active", "Active"),
    ("reassigned", "Reassigned"),
    ("left", "Left the company"),
]
NOT_ASSIGNED = ("", "— not assigned —")

# The largest values the columns hold (PostgreSQL integer, numeric(12, 2)): the services
# judge what is sensible, these only keep a typo from overflowing the database.
WHOLE_NUMBER = NumberRange(max=2_000_000_000, message="That number is too large.")
AMOUNT = NumberRange(max=9_999_999_999, message="That amount is too large.")
#: Room for the most closed dates an agreement keeps, one per line, and some blank lines.
CLOSED_DATES_TEXT_MAX = 12_000


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def optional_int(value):
    """Coerce a select's value to an int, '' and None meaning "none chosen"."""
    if value in (None, "", "None"):
        return None
    return int(value)


def field_by_path(form, key: str):
    """The field a service's error key names (`name`, or `sla.S1.first_response`)."""
    field = form
    for part in key.split("."):
        try:
            field = field[part]
        except (KeyError, TypeError):
            return None
    return field


def show_domain_errors(form, error) -> None:
    """Put a DomainError's messages next to the fields they concern.

    Keys that match no field, and errors without fields, go to the top of the form.
    """
    resolve = getattr(form, "field_for", None) or (lambda key: field_by_path(form, key))
    for key, message in (error.fields or {}).items():
        field = resolve(key)
        if field is None or field is form:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]
    if not error.fields:
        form.form_errors.append(error.message)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- Partners ------------------------------------------------------------------------


class PartnerForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Slug",
        validators=[DataRequired(), Length(max=60)],
        description="Lower-case letters, digits and hyphens; used in links and the API.",
    )
    region = StringField(
        "Region", validators=[Optional(), Length(max=60)], description="For example EMEA."
    )
    status = SelectField(
        "Status",
        choices=options((s, s.capitalize()) for s in PARTNER_STATUSES),
        description="A suspended partner cannot escalate.",
    )
    support_manager_id = SelectField(
        "Support manager", coerce=optional_int, choices=options([NOT_ASSIGNED])
    )

    def set_managers(self, managers) -> None:
        self.support_manager_id.choices = options(
            [NOT_ASSIGNED, *((m.id, f"{m.name} ({m.email})") for m in managers)]
        )

    def to_input(self) -> PartnerInput:
        return PartnerInput(
            name=self.name.data or "",
            slug=(self.slug.data or "").strip(),
            region=self.region.data or "",
            status=self.status.data,
            support_manager_id=self.support_manager_id.data,
        )


class PartnerFilterForm(Form):
    """The GET filters of the partner list (no CSRF: it changes nothing)."""

    q = StringField("Search", validators=[Optional()])
    status = SelectField(
        "Status",
        choices=options([("", "Any status"), *((s, s.capitalize()) for s in PARTNER_STATUSES)]),
    )


# --- Agreements ----------------------------------------------------------------------


#: The units an SLA target may be typed in, and their length in minutes.
DURATION_UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
DURATION = [NumberRange(min=0, message="Zero or more."), WHOLE_NUMBER]


def duration_unit_field(label: str) -> SelectField:
    """The unit beside a duration; a post without it (an older client) means minutes."""
    return SelectField(label, choices=options((u, u) for u in DURATION_UNITS), default="minutes")


def as_amount_and_unit(minutes: int | None) -> tuple[int | None, str]:
    """43200 -> (30, "days"), 480 -> (8, "hours"), 90 -> (90, "minutes"): the largest exact unit."""
    if not minutes:
        return minutes, "minutes"
    for unit in ("days", "hours"):
        if minutes % DURATION_UNITS[unit] == 0:
            return minutes // DURATION_UNITS[unit], unit
    return minutes, "minutes"


class SlaTargetForm(Form):
    """One severity's targets, each typed as a number and a unit; the agreement keeps minutes."""

    first_response = DecimalField("First response", places=None, validators=[Optional(), *DURATION])
    first_response_unit = duration_unit_field("First response unit")
    resolution = DecimalField("Resolution", places=None, validators=[Optional(), *DURATION])
    resolution_unit = duration_unit_field("Resolution unit")

    def _exact_minutes(self, name: str) -> Decimal | None:
        amount = self[name].data
        if amount is None:
            return None
        return amount * DURATION_UNITS.get(self[f"{name}_unit"].data, 1)

    def minutes(self, name: str) -> int | None:
        """The target `name` ("first_response" or "resolution") in minutes; None if blank."""
        exact = self._exact_minutes(name)
        return None if exact is None else int(exact)

    def validate_first_response(self, field):
        self._check_whole_minutes(field)

    def validate_resolution(self, field):
        self._check_whole_minutes(field)

    def _check_whole_minutes(self, field) -> None:
        exact = self._exact_minutes(field.short_name)
        if exact is not None and exact != exact.to_integral_value():
            raise ValidationError("Use whole minutes: 1.5 hours is fine, 1.5 minutes is not.")


class SlaTargetsForm(Form):
    S1 = FormField(SlaTargetForm, label=f"S1 · {SEVERITY_LABELS['S1']}")
    S2 = FormField(SlaTargetForm, label=f"S2 · {SEVERITY_LABELS['S2']}")
    S3 = FormField(SlaTargetForm, label=f"S3 · {SEVERITY_LABELS['S3']}")
    S4 = FormField(SlaTargetForm, label=f"S4 · {SEVERITY_LABELS['S4']}")


class AgreementForm(FlaskForm):
    """Every term of `AgreementTerms`. Use `agreement_form(products)` to get one."""

    # Responsibilities.
    customer_owner = SelectField(
        "Who owns the customer relationship", choices=options(PARTY_CHOICES)
    )
    customer_billing = SelectField("Who bills the customer", choices=options(PARTY_CHOICES))
    troubleshooting_required = TextAreaField(
        "Troubleshooting the partner does before escalating",
        validators=[Length(max=4000)],
        render_kw={"rows": 3},
    )
    customer_kb_access = BooleanField("End-customers may read the partner knowledge base")
    update_distribution = TextAreaField(
        "How updates reach the customers", validators=[Length(max=4000)], render_kw={"rows": 2}
    )
    vendor_may_contact_customers = BooleanField("The vendor may contact customers directly")

    # Financial terms.
    fee_model = RadioField(
        "Fee model",
        choices=options(
            [
                ("percentage", "A percentage of the partner's support fees"),
                ("fixed", "A fixed fee per period"),
            ]
        ),
    )
    fee_percentage = DecimalField(
        "Percentage of support fees",
        places=2,
        validators=[Optional(), AMOUNT],
        description="For the percentage model only: 0 to 100.",
    )
    fixed_fee = DecimalField(
        "Fixed fee",
        places=2,
        validators=[Optional(), AMOUNT],
        description="For the fixed-fee model only: the amount per fee period.",
    )
    fee_period = SelectField("Fee period", choices=options(FEE_PERIOD_LABELS.items()))
    currency = SelectField(
        "Currency",
        choices=options((code, code) for code in CURRENCIES),
        default="EUR",
        description="The fees' currency (ISO 4217); fee reports are in it.",
    )
    certification_validity_months = IntegerField(
        "Certification validity (months)",
        validators=[Optional(), WHOLE_NUMBER],
        description="A certificate expires this long after it is earned, at the latest.",
    )

    # Coverage.
    coverage = RadioField(
        "Coverage",
        choices=options([("business_hours", "Business hours"), ("24x7", "24x7, around the clock")]),
    )
    timezone = StringField(
        "Time zone",
        validators=[Length(max=64)],
        description="An IANA name such as Europe/Berlin or America/New_York.",
        render_kw={"list": "timezones", "autocomplete": "off"},
    )
    business_days = MultiCheckboxField(
        "Working days", choices=options((d, WEEKDAY_LABELS[d]) for d in WEEKDAYS)
    )
    business_start = StringField(
        "Working day starts",
        validators=[Length(max=5)],
        render_kw={"type": "time"},
        description="For business-hours coverage only.",
    )
    business_end = StringField(
        "Working day ends",
        validators=[Length(max=5)],
        render_kw={"type": "time"},
        description="For business-hours coverage only.",
    )
    holiday_country = StringField(
        "Public holidays of (country)",
        description="A two-letter ISO code such as DE or US; blank for no public holidays.",
        render_kw={"list": "holiday-countries", "autocomplete": "off", "maxlength": 2},
    )
    holiday_region = StringField(
        "Region",
        description="Optional: a state or province code such as BY or NY, for its own "
        "holidays too.",
        render_kw={"autocomplete": "off", "maxlength": 10},
    )
    closed_dates = TextAreaField(
        "Also closed on",
        validators=[
            Length(max=CLOSED_DATES_TEXT_MAX, message="Too long for a list of closed dates.")
        ],
        description="The agreement's own closed dates (a company holiday, a shutdown): "
        "one YYYY-MM-DD per line.",
        render_kw={"rows": 3, "placeholder": "2026-12-24\n2026-12-31"},
    )

    # Communication channels.
    vendor_contact = StringField(
        "Vendor contact",
        validators=[Length(max=200)],
        description="Name and e-mail or phone of the vendor's named contact.",
    )
    partner_contact = StringField(
        "Partner contact",
        validators=[Length(max=200)],
        description="Name and e-mail or phone of the partner's named contact.",
    )
    out_of_hours_cover = SelectField("Out-of-hours cover", choices=options(COVER_LABELS.items()))
    out_of_hours_response_minutes = IntegerField(
        "Out-of-hours response (minutes)",
        validators=[Optional(), WHOLE_NUMBER],
        description="How fast out-of-hours cover answers (only with out-of-hours cover).",
    )
    out_of_hours_extra_cost = DecimalField(
        "Out-of-hours extra cost",
        places=2,
        validators=[Optional(), AMOUNT],
        description="Per call-out, if any (only with out-of-hours cover).",
    )

    sla = FormField(SlaTargetsForm, label="SLA targets")

    #: (product id, field name) for each product's minimum, set by `agreement_form`.
    minimum_fields: list[tuple[int, str]] = []

    def field_for(self, key: str):
        if key.startswith("minimums."):
            return field_by_path(self, "minimums.product_" + key.split(".", 1)[1])
        return field_by_path(self, key)

    def to_terms(self) -> AgreementTerms:
        values = {}
        for name in TERM_FIELDS:
            value = self[name].data
            values[name] = value.strip() if isinstance(value, str) else value
        chosen = set(self.business_days.data or [])
        values["business_days"] = ",".join(d for d in WEEKDAYS if d in chosen)
        terms = AgreementTerms(**values)
        terms.sla = {
            s: (self.sla[s].minutes("first_response"), self.sla[s].minutes("resolution"))
            for s in SEVERITIES
        }
        terms.minimums = {
            product_id: self.minimums[name].data
            for product_id, name in self.minimum_fields
            if self.minimums[name].data is not None
        }
        return terms


def terms_as_form_data(terms: AgreementTerms) -> dict:
    """`AgreementTerms` as the nested dict an `AgreementForm` is pre-filled from."""
    data = {name: getattr(terms, name) for name in TERM_FIELDS}
    data["business_days"] = [d for d in terms.business_days.split(",") if d]
    data["sla"] = {}
    for severity, (first, resolution) in terms.sla.items():
        first_amount, first_unit = as_amount_and_unit(first)
        resolution_amount, resolution_unit = as_amount_and_unit(resolution)
        data["sla"][severity] = {
            "first_response": first_amount,
            "first_response_unit": first_unit,
            "resolution": resolution_amount,
            "resolution_unit": resolution_unit,
        }
    data["minimums"] = {f"product_{pid}": minimum for pid, minimum in terms.minimums.items()}
    return data


def agreement_form(products, terms: AgreementTerms | None = None) -> AgreementForm:
    """An agreement form with one minimum field per product, pre-filled from `terms` on GET."""

    class MinimumsForm(Form):
        pass

    minimum_fields = []
    for product in products:
        name = f"product_{product.id}"
        setattr(
            MinimumsForm,
            name,
            IntegerField(product.name, validators=[Optional(), WHOLE_NUMBER]),
        )
        minimum_fields.append((product.id, name))

    class ProductAgreementForm(AgreementForm):
        minimums = FormField(MinimumsForm, label="Minimum certified technicians")

    ProductAgreementForm.minimum_fields = minimum_fields
    data = terms_as_form_data(terms) if terms is not None else None
    return ProductAgreementForm(data=data)


class ReturnAgreementForm(FlaskForm):
    comments = TextAreaField(
        "What should change?",
        validators=[Length(max=5000)],
        description="The vendor reads these comments and proposes a revised version.",
        render_kw={"rows": 4},
    )


# --- Technicians and customers ---------------------------------------------------------


class TechnicianForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "E-mail",
        validators=[DataRequired(), Email(), Length(max=254)],
        description="An invitation to choose a password is sent to this address.",
    )


class TechnicianStatusForm(FlaskForm):
    status = SelectField("Status", choices=options(TECHNICIAN_STATUS_CHOICES))


class CustomerForm(FlaskForm):
    name = StringField("Customer name", validators=[DataRequired(), Length(max=160)])
    seats = IntegerField(
        "Seats",
        validators=[Optional(), WHOLE_NUMBER],
        description="The customer's size; escalation rates are normalised by seats.",
    )
    contact_email = EmailField(
        "Contact e-mail",
        validators=[Optional(), Email(), Length(max=254)],
        description="Where the vendor may send the customer a rating link for a resolved "
        "escalation, when your agreement lets the vendor contact customers directly.",
    )
