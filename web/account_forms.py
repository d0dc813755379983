"""The forms of signing in, accounts, claims, the moderator's console and the regulator's
desk (Flask-WTF, each with its CSRF token); the services check the content again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from registry.accounts.passwords import MAX_PASSWORD, MIN_PASSWORD
from registry.complaints.models import DECISIONS
from registry.complaints.rules import MODERATION_REASONS
from registry.disputes.models import STATES

from .templating import LABELS

#: what each listed reason is called on the page (the public words are the registry's own)
REASON_LABELS = {
    "spam": _l("Spam or advertising"),
    "not_a_complaint": _l("Not a consumer complaint"),
    "duplicate": _l("Duplicate complaint"),
    "insufficient": _l("Too little information to check"),
    "wrong_seller": _l("About another seller"),
    "abusive": _l("Abusive or unlawful content"),
    "false": _l("Found to be untrue"),
    "other": _l("Another reason"),
}
assert set(REASON_LABELS) == set(MODERATION_REASONS)
#: what a source decides of a dispute (each kind allows two: ``OUTCOMES``)
DISPUTE_OUTCOMES = tuple(s for s in STATES if s != "open")


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[DataRequired(), Length(min=6, max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class EnrolForm(FlaskForm):
    """Begin the enrolment (no code yet) or confirm it with a code."""

    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[Optional(), Length(min=6, max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordForm(FlaskForm):
    token = HiddenField(validators=[Length(max=200)])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)],
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class PlainForm(FlaskForm):
    """A form of buttons only (sign out, bulk actions): its CSRF token."""


class ClaimCodeForm(FlaskForm):
    code = StringField(
        _l("Claim code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l(
            "The code the regulator handed to the business, such as ABCD-EFGH-JKMN-PQRS."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class ClaimDomainForm(FlaskForm):
    domain = StringField(
        _l("A domain bound to the seller"),
        validators=[DataRequired(), Length(max=253)],
        description=_l(
            "Such as shop.example.com; it must already be bound to the seller’s record."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class IssueCodeForm(FlaskForm):
    seller = StringField(_l("Seller id"), validators=[DataRequired(), Length(max=64)])


class PublicTextForm(FlaskForm):
    text = TextAreaField(
        _l("Public text"),
        validators=[DataRequired(), Length(min=10, max=5000)],
        description=_l(
            "What the public will read. It passes the personal-data filter again when saved."
        ),
    )


class DecisionForm(FlaskForm):
    action = SelectField(
        _l("Decision"),
        validators=[DataRequired()],
        choices=[
            SelectChoice("accept", _l("Accept and notify the merchant")),
            SelectChoice("reject", _l("Reject")),
            SelectChoice("invalid", _l("Mark invalid")),
        ],
    )
    reason = SelectField(
        _l("Reason (for rejecting or marking invalid)"),
        validators=[Optional()],
        choices=[SelectChoice("", _l("Choose one"))]
        + [SelectChoice(code, label) for code, label in REASON_LABELS.items()],
    )
    note = TextAreaField(
        _l("More words (published with the reason, after the filter)"),
        validators=[Optional(), Length(max=500)],
    )


class EscalationDecisionForm(FlaskForm):
    """A regulator's decision on an escalated complaint (``Escalations.decide``)."""

    decision = SelectField(
        _l("Decision"),
        validators=[DataRequired()],
        choices=[SelectChoice("", _l("Choose one"))]
        + [SelectChoice(d, LABELS["outcome"][f"regulator_{d}"]) for d in DECISIONS],
    )
    reason = TextAreaField(
        _l("Reason (published; personal data is hidden)"),
        validators=[DataRequired(), Length(max=1000)],
    )


class DisputeDecisionForm(FlaskForm):
    """The source's decision on a dispute (``DisputeService.decide``)."""

    outcome = RadioField(
        _l("Decision"),
        validators=[DataRequired()],
        choices=[SelectChoice(o, LABELS["dispute_status"][o]) for o in DISPUTE_OUTCOMES],
    )
    reason = TextAreaField(
        _l("Reason (published; personal data is hidden)"),
        validators=[DataRequired(), Length(max=1000)],
    )
