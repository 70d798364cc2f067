"""The vendor admin's revocation form, and what it asks before revoking."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from certification.revocation import REASON_MAX
from portal.confirm import Confirmation, confirmation_builder


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Say why the certification is revoked."),
            Length(max=REASON_MAX),
        ],
        description="Kept in the audit log and shown to the holder and their partner admin. "
        "The public verification page says only that the vendor revoked it.",
        render_kw={"rows": 3, "maxlength": REASON_MAX},
    )


@confirmation_builder("certification.revoke")
def certification_revoke(certification) -> Confirmation:
    holder = certification.user.name
    subject = f"{certification.product.name} {certification.release.version}"
    return Confirmation(
        question=f"Revoke {holder}'s {subject} certification?",
        consequence=(
            f"It stops counting at once: {holder} can no longer escalate on "
            f"{certification.product.name}, the compliance of {certification.partner.name} is "
            "recomputed, and the verification page says it is revoked. A revocation cannot be "
            "undone: to be certified again, they pass a quiz again."
        ),
        action="Revoke the certification",
    )
