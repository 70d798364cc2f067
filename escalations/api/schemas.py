"""The escalations API's bodies: what it reads and what it answers."""

from marshmallow import Schema, fields, validate

from escalations.file_types import ALLOWED_TYPES
from escalations.models import EVENT_KINDS, REJECTION_REASONS, STATUSES
from escalations.workflow import ACTIONS
from portal.api.fields import Timestamp
from portal.models.agreements import SEVERITIES


class ReproductionInSchema(Schema):
    environment_id = fields.Integer(allow_none=True, load_default=None)
    steps = fields.String(load_default="")
    expected = fields.String(load_default="")
    actual = fields.String(load_default="")
    reproduced_on_vanilla = fields.Boolean(load_default=False)
    customization_involved = fields.Boolean(load_default=False)


class EscalationCreateSchema(Schema):
    """The body of POST /escalations. Missing gate fields are refused by the gate, with
    its code (`reproduction_required`, `release_not_supported`...), not as malformed."""

    product = fields.String(load_default=None, metadata={"description": "Product slug"})
    release = fields.String(load_default=None, metadata={"description": "Release version"})
    customer_id = fields.Integer(load_default=None)
    title = fields.String(load_default="")
    severity = fields.String(load_default="S3", metadata={"enum": list(SEVERITIES)})
    business_impact = fields.String(load_default="", metadata={"description": "Required for S1"})
    reproduction = fields.Nested(ReproductionInSchema, load_default=dict)
    kb_articles_reviewed = fields.List(
        fields.String(), load_default=list, validate=validate.Length(max=100)
    )
    kb_articles_suggested = fields.List(
        fields.String(), load_default=list, validate=validate.Length(max=100)
    )


class EscalationCommentInSchema(Schema):
    # Not `required`: the escalation is looked up (404) before the body is judged.
    body = fields.String(load_default="")
    internal = fields.Boolean(load_default=False)


class EscalationTransitionSchema(Schema):
    # No defaults: the escalation is looked up (404) before the body is judged, and the
    # service names a missing action, reason or note with its own code.
    action = fields.String(metadata={"enum": list(ACTIONS)})
    reason = fields.String(
        allow_none=True,
        metadata={"enum": list(REJECTION_REASONS), "description": "Required to reject"},
    )
    note = fields.String(allow_none=True, metadata={"description": "Required to resolve"})
    article = fields.String(
        allow_none=True,
        metadata={"description": "With reason documented_in_kb: the article's slug"},
    )


class EscalationSlaSchema(Schema):
    first_response_due = Timestamp(allow_none=True)
    resolution_due = Timestamp(allow_none=True)
    paused = fields.Boolean()
    breached = fields.Boolean()


class ReproductionOutSchema(ReproductionInSchema):
    pass


class EscalationDeflectionSchema(Schema):
    slug = fields.String()
    title = fields.String()
    suggested = fields.Boolean()
    opened = fields.Boolean()
    reviewed = fields.Boolean()


class EscalationAttachmentSchema(Schema):
    id = fields.Integer()
    file_name = fields.String()
    content_type = fields.String(metadata={"enum": sorted(ALLOWED_TYPES)})
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    created_at = Timestamp()
    url = fields.String(metadata={"description": "Download (as an attachment)"})


class EscalationCommentSchema(Schema):
    id = fields.Integer()
    body = fields.String()
    internal = fields.Boolean()
    author = fields.String()
    created_at = Timestamp()


class EscalationTimelineEntrySchema(Schema):
    at = Timestamp()
    kind = fields.String(metadata={"enum": list(EVENT_KINDS)})
    action = fields.String(allow_none=True)
    from_status = fields.String(allow_none=True, data_key="from")
    to_status = fields.String(allow_none=True, data_key="to")
    actor = fields.String(allow_none=True)
    note = fields.String()
    internal = fields.Boolean()
    comment = fields.Nested(EscalationCommentSchema, allow_none=True)
    attachment = fields.Nested(EscalationAttachmentSchema, allow_none=True)


class EscalationSchema(Schema):
    id = fields.Integer()
    partner_id = fields.Integer()
    partner = fields.String(metadata={"description": "Partner slug"})
    customer_id = fields.Integer(allow_none=True)
    product = fields.String(allow_none=True, metadata={"description": "Product slug"})
    release = fields.String(allow_none=True)
    title = fields.String()
    severity = fields.String(metadata={"enum": list(SEVERITIES)})
    status = fields.String(metadata={"enum": list(STATUSES)})
    business_impact = fields.String()
    reproduction = fields.Nested(ReproductionOutSchema)
    submitter_id = fields.Integer(allow_none=True)
    drafted_by_id = fields.Integer()
    assignee_id = fields.Integer(allow_none=True)
    rejection_reason = fields.String(allow_none=True, metadata={"enum": list(REJECTION_REASONS)})
    rejection_article = fields.String(allow_none=True)
    submitted_at = Timestamp(allow_none=True)
    first_response_at = Timestamp(allow_none=True)
    resolved_at = Timestamp(allow_none=True)
    closed_at = Timestamp(allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()
    sla = fields.Nested(EscalationSlaSchema)


class EscalationDetailSchema(EscalationSchema):
    timeline = fields.List(fields.Nested(EscalationTimelineEntrySchema))
    attachments = fields.List(fields.Nested(EscalationAttachmentSchema))
    kb_articles = fields.List(fields.Nested(EscalationDeflectionSchema))
