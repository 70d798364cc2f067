"""The form registering a webhook endpoint."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.partners.forms import MultiCheckboxField, options
from portal.webhooks.models import EVENT_TYPES
from portal.webhooks.services import DESCRIPTION_MAX, EndpointInput

EVENT_LABELS = {
    "escalation.created": "An escalation is submitted",
    "escalation.status_changed": "Its status changes",
    "escalation.comment_added": "A comment is added (never the vendor's internal notes)",
    "escalation.attachment_added": "A file is attached",
}


class EndpointForm(FlaskForm):
    url = StringField(
        "URL",
        validators=[DataRequired("Give the endpoint's URL."), Length(max=2000)],
        description="An https:// address of your own systems, reachable from the internet.",
    )
    description = StringField(
        "Description",
        validators=[Length(max=DESCRIPTION_MAX)],
        description="What receives it, e.g. “Our ticketing (production)”.",
    )
    event_types = MultiCheckboxField(
        "Events",
        choices=options((name, EVENT_LABELS[name]) for name in EVENT_TYPES),
        default=list(EVENT_TYPES),
        validators=[DataRequired("Choose at least one event.")],
    )

    def to_input(self) -> EndpointInput:
        return EndpointInput(self.url.data, self.description.data or "", self.event_types.data)
