"""Marshmallow fields shared by the API modules."""

from datetime import UTC, datetime

from marshmallow import fields


class Timestamp(fields.DateTime):
    """An instant as ISO 8601 in UTC with a `Z`, as docs/api.md requires (`2026-05-04T09:30:00Z`).

    `fields.DateTime(format="iso")` writes `+00:00` instead; a naive value is taken as UTC.
    """

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat().replace("+00:00", "Z")
