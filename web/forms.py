"""HTML forms with CSRF protection (Flask-WTF); the service validates the content again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from registry.events.models import COMPLAINT_CATEGORIES

from .templating import LABELS


class AmountField(DecimalField):
    """A decimal that is a number: ``NaN``, ``sNaN`` and ``Infinity`` parse as Decimals,
    and NumberRange's isnan() raises ValueError on a signaling NaN (a 500)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class ComplaintForm(FlaskForm):
    category = SelectField(
        _l("What kind of problem?"),
        validators=[DataRequired()],
        # No category is preselected: "fraud" first in the list must not be the default.
        choices=[SelectChoice("", _l("Choose one"))]
        + [SelectChoice(c, LABELS["category"][c]) for c in COMPLAINT_CATEGORIES],
    )
    narrative = TextAreaField(
        _l("What happened?"),
        validators=[DataRequired(), Length(min=10, max=5000)],
        description=_l(
            "Dates, what you paid for, what went wrong. "
            "Phone numbers, ID and card numbers are hidden "
            "before anything is published."
        ),
    )
    order_ref = StringField(_l("Order number"), validators=[Optional(), Length(max=64)])
    amount = AmountField(
        _l("Amount paid (yuan)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    desired_resolution = StringField(
        _l("What would resolve it?"), validators=[Optional(), Length(max=500)]
    )
    complainant_name = StringField(
        _l("Your name (private)"), validators=[Optional(), Length(max=100)]
    )
    contact = StringField(
        _l("Phone or e-mail (private, never published)"),
        validators=[DataRequired(), Length(max=200)],
    )
    # Read by web.payload.evidence_files and checked by content in the service.
    evidence = MultipleFileField(
        _l("Evidence (optional, private)"),
        description=_l(
            "Photos (JPEG or PNG) or PDF documents: at most 5 files of 5 MB each. "
            "Only you, the merchant and the moderators can open them; location and camera "
            "data are removed from photos."
        ),
    )


class SiteReportForm(ComplaintForm):
    site = StringField(
        _l("The website or shop address"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("As it appears in your browser, for example https://shop.example.cn/item/1"),
    )


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Your public reply"), validators=[DataRequired(), Length(max=5000)])


class ConfirmForm(FlaskForm):
    resolved = RadioField(
        _l("Was your problem resolved?"),
        validators=[DataRequired()],
        choices=[
            SelectChoice("yes", _l("Yes, it was resolved")),
            SelectChoice("no", _l("No, it was not resolved")),
        ],
    )
