"""The technician's submission form: shapes only. The gate (`escalations.gate`) judges the
rules and its messages land on these fields; the form offers only the partner's own
customers and environments (another id sent by hand is the gate's 404).

The same form saves a draft and submits (a new escalation, or a draft of the partner's).
It carries the evidence files and the deflection log: the KB articles shown, opened and
ticked as reviewed while it was written (hidden inputs the script keeps; the service
keeps only articles the writer may read).
"""

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from certification.models import ReproductionEnvironment
from escalations.file_types import ALLOWED_DESCRIPTION
from escalations.gate import EscalationInput
from escalations.models import Escalation
from escalations.services import TEXT_MAX, TITLE_MAX
from portal.extensions import db
from portal.ids import as_id
from portal.models import Customer, Product, Release
from portal.models.agreements import SEVERITIES
from portal.partners.presentation import SEVERITY_LABELS

VANILLA = "It reproduces on our vanilla reproduction environment."
NO_CUSTOMISATION = "No customisation, patch or plug-in of ours is involved."


class MarkedRequired:
    """Marks a field required on the page; the gate says what is missing."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        pass


def _id(value):
    return value if isinstance(value, int) else as_id(value)


#: Files sent with one form at most.
EVIDENCE_FILES_MAX = 10
#: Article slugs kept per deflection list from one form (more are ignored).
DEFLECTION_MAX = 100
SLUG_MAX = 200


class DeflectionList(SelectMultipleField):
    """Article slugs posted as repeated hidden inputs (or the "reviewed" check boxes)."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, choices=[], validate_choice=False, coerce=str, **kwargs)

    @property
    def slugs(self) -> list[str]:
        kept = [s.strip() for s in self.data or () if isinstance(s, str)]
        return list(dict.fromkeys(s for s in kept if s and len(s) <= SLUG_MAX))[:DEFLECTION_MAX]


class EvidenceField(MultipleFileField):
    @property
    def chosen(self) -> list:
        """The uploaded files; a file input left empty sends one without a name."""
        return [f for f in self.data or () if getattr(f, "filename", None)]


def _at_most_files(form, field):
    if len(field.chosen) > EVIDENCE_FILES_MAX:
        raise ValidationError(f"At most {EVIDENCE_FILES_MAX} files at once.")


class EscalationForm(FlaskForm):
    release_id = SelectField(
        "Product release",
        coerce=_id,
        validate_choice=False,  # the gate refuses unknown and unsupported releases
        validators=[MarkedRequired()],
        description="Only supported releases can be escalated.",
    )
    customer_id = SelectField(
        "Customer", coerce=_id, validate_choice=False, validators=[MarkedRequired()]
    )
    environment_id = SelectField(
        "Reproduction environment",
        coerce=_id,
        validate_choice=False,
        validators=[MarkedRequired()],
        description="Your partner's lab running that release, where you reproduced it.",
    )
    title = StringField(
        "Title",
        validators=[MarkedRequired(), Length(max=TITLE_MAX)],
        description="What fails, in one line: such as “Export hangs on files over 2 GB”.",
    )
    severity = RadioField(
        "Severity",
        choices=[SelectChoice(s, f"{s}: {SEVERITY_LABELS[s]}") for s in SEVERITIES],
        default="S3",
        validate_choice=False,  # the service names a wrong severity
    )
    business_impact = TextAreaField(
        "Business impact",
        validators=[Optional(), Length(max=TEXT_MAX)],
        description="Required for S1: who is stopped, and what it costs.",
    )
    steps = TextAreaField("Steps to reproduce", validators=[MarkedRequired(), Length(max=TEXT_MAX)])
    expected = TextAreaField("Expected result", validators=[MarkedRequired(), Length(max=TEXT_MAX)])
    actual = TextAreaField("Actual result", validators=[MarkedRequired(), Length(max=TEXT_MAX)])
    reproduced_on_vanilla = BooleanField(VANILLA, validators=[MarkedRequired()])
    no_customization = BooleanField(NO_CUSTOMISATION, validators=[MarkedRequired()])
    evidence = EvidenceField("Evidence", validators=[_at_most_files])
    kb_suggested = DeflectionList()
    kb_opened = DeflectionList()
    kb_reviewed = DeflectionList()

    #: Where the gate's field paths land on this form.
    FIELD_PATHS = {
        "product": "release_id",
        "release": "release_id",
        "reproduction.steps": "steps",
        "reproduction.expected": "expected",
        "reproduction.actual": "actual",
        "reproduction.reproduced_on_vanilla": "reproduced_on_vanilla",
        "reproduction.customization_involved": "no_customization",
        "reproduction.environment_id": "environment_id",
        "file": "evidence",
    }

    @classmethod
    def for_draft(cls, draft: Escalation, logged: list[dict]) -> "EscalationForm":
        """The form filled from a saved draft and its deflection log."""
        return cls(
            data={
                "release_id": draft.release_id,
                "customer_id": draft.customer_id,
                "environment_id": draft.environment_id,
                "title": draft.title,
                "severity": draft.severity,
                "business_impact": draft.business_impact,
                "steps": draft.steps_to_reproduce,
                "expected": draft.expected_result,
                "actual": draft.actual_result,
                "reproduced_on_vanilla": draft.attested_vanilla,
                "no_customization": draft.attested_no_customization,
                "kb_suggested": [e["slug"] for e in logged if e["suggested"]],
                "kb_opened": [e["slug"] for e in logged if e["opened"]],
                "kb_reviewed": [e["slug"] for e in logged if e["reviewed"]],
            }
        )

    @property
    def evidence_description(self) -> str:
        limit = current_app.config["ESCALATION_ATTACHMENT_MAX_BYTES"] // (1024 * 1024) or 1
        return (
            f"Logs, screenshots or a support bundle: {ALLOWED_DESCRIPTION}; at most {limit} MB "
            f"each, {EVIDENCE_FILES_MAX} files at once."
        )

    def evidence_files(self) -> list[tuple[str, bytes]]:
        """The files chosen, as (name, content); an empty file input sends none."""
        return [(f.filename, f.read()) for f in self.evidence.chosen]

    def symptoms_text(self) -> str:
        """What the KB suggestions match: the title and the symptoms."""
        parts = (self.title.data, self.actual.data, self.steps.data)
        return "\n".join(p for p in parts if p)

    def field_for(self, path: str):
        return getattr(self, self.FIELD_PATHS.get(path, path), None)

    def fill_choices(self, partner_id: int) -> None:
        """Supported releases by product; the partner's customers and environments."""
        releases = db.session.execute(
            select(Release.id, Release.version, Product.name)
            .join(Product, Release.product_id == Product.id)
            .where(Release.supported.is_(True))
            .order_by(Product.name, Release.released_on.desc())
        ).all()
        groups: dict[str, list[tuple[int, str]]] = {}
        for release_id, version, product in releases:
            groups.setdefault(product, []).append((release_id, f"{product} {version}"))
        self.release_groups = list(groups.items())
        self.release_id.choices = {
            product: [SelectChoice(value, label) for value, label in options]
            for product, options in groups.items()
        }
        self.customer_id.choices = [SelectChoice("", "Choose a customer…")] + [
            SelectChoice(c.id, c.name)
            for c in db.session.scalars(
                select(Customer).where(Customer.partner_id == partner_id).order_by(Customer.name)
            )
        ]
        self.environment_id.choices = [SelectChoice("", "Choose an environment…")] + [
            SelectChoice(e.id, f"{e.name} ({e.release.label})")
            for e in db.session.scalars(
                select(ReproductionEnvironment)
                .options(joinedload(ReproductionEnvironment.release).joinedload(Release.product))
                .where(
                    ReproductionEnvironment.partner_id == partner_id,
                    ReproductionEnvironment.retired_at.is_(None),
                )
                .order_by(ReproductionEnvironment.name)
            )
        ]

    def to_input(self) -> EscalationInput:
        release = db.session.get(Release, self.release_id.data) if self.release_id.data else None
        return EscalationInput(
            title=self.title.data or "",
            severity=self.severity.data or "",
            product=release.product.slug if release is not None else None,
            release=release.version if release is not None else None,
            customer_id=self.customer_id.data,
            environment_id=self.environment_id.data,
            business_impact=self.business_impact.data or "",
            steps=self.steps.data or "",
            expected=self.expected.data or "",
            actual=self.actual.data or "",
            reproduced_on_vanilla=bool(self.reproduced_on_vanilla.data),
            customization_involved=not self.no_customization.data,
            kb_articles_suggested=self.kb_suggested.slugs,
            kb_articles_opened=self.kb_opened.slugs,
            kb_articles_reviewed=self.kb_reviewed.slugs,
        )
