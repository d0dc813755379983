"""HTML forms with CSRF protection (Flask-WTF); the service validates the content again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from registry.complaints.rules import MAX_AMOUNT, RESPONSES
from registry.disputes.models import KINDS as DISPUTE_KINDS
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
        description=_l(
            "With an e-mail address you are told of every step, and can get a code "
            "there if you lose your private link."
        ),
    )
    publish_narrative = RadioField(
        _l("What may the public read?"),
        validators=[DataRequired()],
        default="yes",
        choices=[
            SelectChoice("yes", _l("My account of what happened, with personal data hidden")),
            SelectChoice("no", _l("Only the kind of problem and the outcome")),
        ],
    )
    # Read by web.payload.evidence_files and checked by content in the service.
    evidence = MultipleFileField(
        _l("Evidence (optional, private)"),
        description=_l(
            "Photos (JPEG or PNG) or PDF documents: at most 5 files of 5 MB each. Only you, "
            "the merchant, the moderators and, once the case is escalated, the regulator can "
            "open them; location and camera data are removed from photos."
        ),
    )


class EvidenceForm(FlaskForm):
    """The merchant's files for a case (read by web.payload.evidence_files)."""

    evidence = MultipleFileField(
        _l("Evidence (private)"),
        description=_l(
            "Photos (JPEG or PNG) or PDF documents: at most 5 files of 5 MB each. Only you "
            "and the seller's other staff, the consumer, the moderators and, once the case is "
            "escalated, the regulator can open them; location and camera data are removed "
            "from photos."
        ),
    )


class SiteReportForm(ComplaintForm):
    site = StringField(
        _l("The website or shop address"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("As it appears in your browser, for example https://shop.example.cn/item/1"),
    )


class ReplyForm(FlaskForm):
    response = RadioField(
        _l("What does your answer do?"),
        default="explanation",
        validators=[Optional()],  # an answer that says nothing more is an explanation
        choices=[SelectChoice(k, LABELS["merchant_response"][k]) for k in RESPONSES],
    )
    settlement = AmountField(
        _l("Settlement offered (yuan), for monetary relief"),
        validators=[Optional(), NumberRange(min=0.01, max=float(MAX_AMOUNT))],
    )
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


class OpenForm(FlaskForm):
    """The private code of a complaint's link (filled in from the fragment by the script)."""

    token = StringField(_l("Private code"), validators=[DataRequired(), Length(max=200)])


class RebutForm(FlaskForm):
    rebuttal = TextAreaField(
        _l("Your answer to the merchant"), validators=[DataRequired(), Length(max=5000)]
    )


class EscalateForm(FlaskForm):
    escalation_reason = TextAreaField(
        _l("Why the regulator should look at it (optional)"),
        validators=[Optional(), Length(max=1000)],
    )


class AcceptOutcomeForm(FlaskForm):
    """Accept the merchant's answer: the complaint closes resolved."""


class RecoverForm(FlaskForm):
    contact = StringField(
        _l("The phone number or e-mail address you gave when you filed"),
        validators=[DataRequired(), Length(max=200)],
    )


class CodeForm(FlaskForm):
    contact = StringField(
        _l("The phone number or e-mail address you gave when you filed"),
        validators=[DataRequired(), Length(max=200)],
    )
    code = StringField(_l("One-time code"), validators=[DataRequired(), Length(max=12)])


class DisputeForm(FlaskForm):
    """A merchant's dispute of one of its seller's records (registry.disputes)."""

    event_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**62)])
    kind = RadioField(
        _l("What do you ask?"),
        default="correction",
        validators=[DataRequired()],
        choices=[SelectChoice(k, LABELS["dispute_kind"][k]) for k in DISPUTE_KINDS],
    )
    statement = TextAreaField(
        _l("Why (published with the decision; personal data is hidden)"),
        validators=[DataRequired(), Length(min=10, max=2000)],
    )
