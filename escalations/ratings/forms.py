"""The customer's rating form."""

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from escalations.ratings.services import COMMENT_MAX

SCORE_LABELS = {
    1: "1 – very poor",
    2: "2 – poor",
    3: "3 – fair",
    4: "4 – good",
    5: "5 – excellent",
}


class RatingForm(FlaskForm):
    score = RadioField(
        "How would you rate the support you received?",
        choices=[SelectChoice(score, label) for score, label in SCORE_LABELS.items()],
        coerce=int,
        validators=[InputRequired("Choose a rating from 1 to 5.")],
    )
    comment = TextAreaField(
        "Anything you would like to tell us? (optional)",
        validators=[Length(max=COMMENT_MAX)],
        description=f"At most {COMMENT_MAX:,} characters. Please leave out personal data.",
        render_kw={"rows": 5, "maxlength": COMMENT_MAX},
    )
