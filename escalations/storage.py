"""Where attachments' bytes live: behind this small interface, in the database by default.

In the database, an escalation and its evidence commit (or roll back) together and every
app server reads the same files. Another store (object storage) would implement the same
two functions.
"""

import hashlib

from flask import Response, abort
from sqlalchemy import select

from escalations.models import Attachment, AttachmentBlob, Escalation
from portal.extensions import db


class DatabaseStorage:
    """Bytes in `escalation_attachment_blobs`, in the caller's transaction."""

    def put(self, attachment: Attachment, data: bytes) -> None:
        db.session.flush()  # the attachment's id
        db.session.add(AttachmentBlob(attachment_id=attachment.id, data=data))

    def get(self, attachment: Attachment) -> bytes:
        blob = db.session.get(AttachmentBlob, attachment.id)
        return blob.data if blob is not None else b""


def storage() -> DatabaseStorage:
    return DatabaseStorage()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attachment_download(escalation: Escalation, attachment_id: int) -> Response:
    """One of `escalation`'s files as a download: never rendered inline, never sniffed.

    The caller has loaded `escalation` within the principal's scope; a file of another
    escalation is a 404.
    """
    attachment = db.session.scalar(
        select(Attachment).where(
            Attachment.id == attachment_id, Attachment.escalation_id == escalation.id
        )
    )
    if attachment is None:
        abort(404)
    response = Response(storage().get(attachment), mimetype=attachment.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=attachment.file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
