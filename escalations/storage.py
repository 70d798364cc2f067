"""Where attachments' bytes live: behind this small interface, in the database by default.

In the database, an escalation and its evidence commit (or roll back) together and every
app server reads the same files. Another store (object storage) would implement the same
two functions.
"""

import hashlib

from escalations.models import Attachment, AttachmentBlob
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
