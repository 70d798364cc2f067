"""Forms of the knowledge base: the article editor and the helpful vote."""

from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from knowledge_base.models import KIND_LABELS, KINDS
from knowledge_base.services import BODY_MAX, NOTE_MAX, TITLE_MAX, TITLE_MIN, ArticleInput
from portal.extensions import db
from portal.models import Product

VISIBILITY_CHOICES = [
    SelectChoice("public", "Public (anyone)"),
    SelectChoice("partners", "Partners (signed-in partner users)"),
    SelectChoice("internal", "Internal (vendor staff only)"),
]


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # left as is, so the choice check refuses it


class ArticleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(min=TITLE_MIN, max=TITLE_MAX)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS],
        validators=[InputRequired()],
    )
    visibility = SelectField(
        "Who may read it",
        choices=VISIBILITY_CHOICES,
        validators=[InputRequired()],
        description="Vendor staff read every article; only editors see drafts.",
    )
    product_id = SelectField("Product", coerce=_optional_int, validators=[Optional()])
    #: Check boxes grouped by product (see `release_groups`); the service checks that the
    #: releases are the chosen product's.
    release_ids = SelectMultipleField(
        "Affected releases",
        coerce=int,
        validators=[Optional()],
        description="None ticked: the article applies to every release of the product.",
    )
    tags = StringField(
        "Tags",
        validators=[Optional(), Length(max=500)],
        description="Separated by commas, e.g. ldap, single sign-on, upgrade.",
    )
    body = TextAreaField(
        "Text (Markdown)",
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description="Markdown: # headings, lists, tables, ``` code blocks, "
        "[links](https://…) and images served by this portal (/static/…).",
    )
    note = StringField(
        "What changed",
        validators=[Optional(), Length(max=NOTE_MAX)],
        description="Optional; shown in the revision history.",
    )
    revision = HiddenField()
    preview = SubmitField("Preview")
    save = SubmitField("Save")
    publish = SubmitField("Save and publish")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        products = db.session.scalars(
            select(Product).options(selectinload(Product.releases)).order_by(Product.name)
        ).all()
        self.products = products
        self.product_id.choices = [SelectChoice(None, "— Not about one product —")] + [
            SelectChoice(p.id, p.name) for p in products
        ]
        self.release_ids.choices = [
            SelectChoice(
                r.id, r.version + ("" if r.supported else " (unsupported)"), optgroup=p.name
            )
            for p in products
            for r in p.releases
        ]

    def release_groups(self) -> list[tuple[Product, list]]:
        """Each product with its releases, for the check boxes (one group per product)."""
        return [(p, list(p.releases)) for p in self.products]

    def release_checked(self, release) -> bool:
        return release.id in (self.release_ids.data or [])

    def article_input(self) -> ArticleInput:
        return ArticleInput(
            title=self.title.data or "",
            body=self.body.data or "",
            kind=self.kind.data,
            visibility=self.visibility.data,
            product_id=self.product_id.data,
            release_ids=list(self.release_ids.data or []),
            tags=self.tags.data or "",
            note=self.note.data or "",
        )

    def expected_revision(self) -> int | None:
        try:
            return int(self.revision.data)
        except (TypeError, ValueError):
            return None

    def add_service_errors(self, fields: dict[str, str]) -> None:
        """Show a service's per-field messages next to the fields they concern."""
        for name, message in fields.items():
            target = getattr(self, name, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, message]
            else:
                self.form_errors.append(message)

    @classmethod
    def for_article(cls, article) -> "ArticleForm":
        return cls(
            data={
                "title": article.title,
                "kind": article.kind,
                "visibility": article.visibility,
                "product_id": article.product_id,
                "release_ids": [r.id for r in article.releases],
                "tags": ", ".join(article.tags),
                "body": article.body,
                "revision": str(article.revision_number),
            }
        )


class ConfirmForm(FlaskForm):
    """A POST with only a CSRF token (publish, restore, mark reviewed…)."""

    revision = HiddenField()


class VoteForm(FlaskForm):
    helpful = SelectField(
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")], validators=[InputRequired()]
    )
