"""The forms of an escalation's page: a workflow action, a comment, evidence, assignment.

Shapes only: the workflow (`escalations.workflow`) and the services judge the rules.
Several forms share one page, so each transition form's ids start with its action
(`reject-note`), while the names posted stay plain (`note`).
"""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from escalations.file_types import ALLOWED_DESCRIPTION
from escalations.models import REJECTION_REASONS, Escalation
from escalations.services import TEXT_MAX
from knowledge_base.models import Article
from portal.extensions import db
from portal.models import User
from portal.roles import VENDOR_ENGINEER

REJECTION_LABELS = {
    "not_reproducible_on_vanilla": "Does not reproduce on vanilla",
    "customization": "Caused by the partner's customisation",
    "documented_in_kb": "Documented in the knowledge base",
    "configuration_or_user_error": "Configuration or user error",
    "out_of_scope": "Out of scope of the agreement",
    "duplicate": "Duplicate of another escalation",
}
#: The articles offered to name a `documented_in_kb` rejection, at most.
ARTICLE_CHOICES_MAX = 200
SHOWN_GROUP, OTHERS_GROUP = "Shown while it was written", "Other articles"


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _note(label: str, required: str | None = None, description: str = "") -> TextAreaField:
    validators = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(
        label,
        validators=[*validators, Length(max=TEXT_MAX)],
        filters=[_stripped],
        description=description,
        render_kw={"rows": 3},
    )


class TransitionForm(FlaskForm):
    """A workflow action without fields of its own (accept, close)."""

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        for field in self:
            if field.type != "CSRFTokenField":
                field.id = f"{action}-{field.name}"
                field.label.field_id = field.id

    @property
    def fields_to_fill(self) -> list:
        return [field for field in self if field.type != "CSRFTokenField"]

    def service_arguments(self) -> dict:
        """The keyword arguments of `services.transition`."""
        return {"note": self.note.data if hasattr(self, "note") else None}


class RequestInfoForm(TransitionForm):
    note = _note(
        "What do you need from the partner?",
        "Say what you need from the partner.",
        "The partner reads this; the SLA clock pauses until they respond.",
    )


class RespondForm(TransitionForm):
    note = _note(
        "Your answer",
        description="Add files under Evidence and longer notes as comments first if needed.",
    )


class ResolveForm(TransitionForm):
    note = _note("How was it resolved?", "Say how it was resolved.", "The partner reads this.")


class ReopenForm(TransitionForm):
    note = _note("What still fails?", "Say what still fails.")


class WithdrawForm(TransitionForm):
    note = _note("Why withdraw it? (optional)")


class RejectForm(TransitionForm):
    reason = SelectField(
        "Reason",
        choices=[SelectChoice("", "Choose a reason")]
        + [SelectChoice(r, REJECTION_LABELS[r]) for r in REJECTION_REASONS],
        validators=[InputRequired("Choose the reason it is unwarranted.")],
    )
    article = SelectField(
        "The article that documents it",
        choices=[SelectChoice("", "Choose the article")],
        default="",
        description="Required when documented in the knowledge base.",
    )
    note = _note("Explain to the partner", "Explain the rejection to the partner.")

    def validate_article(self, field):
        if self.reason.data == "documented_in_kb" and not field.data:
            raise ValidationError("Choose the article that documents it.")

    def fill_articles(self, escalation: Escalation, shown: list[dict]) -> None:
        """The articles the partner could read: those shown while writing first, then the
        product's others (published, for partners or the public)."""
        shown_slugs = {d["slug"] for d in shown}
        others = db.session.execute(
            select(Article.slug, Article.title)
            .where(
                Article.status == "published",
                Article.visibility.in_(("public", "partners")),
                (Article.product_id == escalation.product_id) | Article.product_id.is_(None),
                Article.slug.not_in(shown_slugs),
            )
            .order_by(Article.title, Article.id)
            .limit(ARTICLE_CHOICES_MAX)
        ).all()
        self.article.choices = [
            SelectChoice("", "Choose the article"),
            *(SelectChoice(d["slug"], d["title"], optgroup=SHOWN_GROUP) for d in shown),
            *(SelectChoice(slug, title, optgroup=OTHERS_GROUP) for slug, title in others),
        ]

    def service_arguments(self) -> dict:
        return {
            "reason": self.reason.data,
            "note": self.note.data,
            "article_slug": self.article.data or None,
        }


TRANSITION_FORMS = {
    "accept": TransitionForm,
    "request_info": RequestInfoForm,
    "respond": RespondForm,
    "reject": RejectForm,
    "resolve": ResolveForm,
    "reopen": ReopenForm,
    "close": TransitionForm,
    "withdraw": WithdrawForm,
}


def transition_form(action: str, escalation: Escalation, shown: list[dict], **kwargs):
    """The form of `action` (None for an unknown action)."""
    form_class = TRANSITION_FORMS.get(action)
    if form_class is None:
        return None
    form = form_class(action=action, **kwargs)
    if isinstance(form, RejectForm):
        form.fill_articles(escalation, shown)
    return form


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Comment",
        validators=[InputRequired("Write a comment."), Length(max=TEXT_MAX)],
        render_kw={"rows": 3},
    )
    internal = BooleanField(
        "Vendor-internal note",
        description="Only vendor staff read it; the partner never sees it.",
    )


class EvidenceForm(FlaskForm):
    file = FileField(
        "Add a file",
        validators=[FileRequired("Choose a file.")],
        description=f"Accepted: {ALLOWED_DESCRIPTION}.",
    )


class AssignForm(FlaskForm):
    """An active vendor engineer, nobody (""), or "me" (the "Assign to me" button)."""

    assignee = SelectField("Assign to")

    def fill_engineers(self, including_me=None) -> None:
        engineers = db.session.execute(
            select(User.id, User.name)
            .where(User.role == VENDOR_ENGINEER, User.status == "active")
            .order_by(User.name, User.id)
        ).all()
        self.assignee.choices = [SelectChoice("", "Nobody")] + [
            SelectChoice(str(i), name) for i, name in engineers
        ]
        if including_me is not None:
            self.assignee.choices.append(SelectChoice("me", including_me.name))

    def chosen(self, principal) -> User | None:
        value = self.assignee.data
        if value == "me":
            return principal
        return db.session.get(User, int(value)) if value else None

    def field_for(self, key: str):
        return self.assignee if key == "assignee_id" else None
