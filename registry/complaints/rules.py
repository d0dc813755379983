"""The rules of complaint intake and mediation: periods, limits, states, and the checks of
what a consumer types (lengths, amounts, near-identical narratives)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ..core.errors import ValidationFailed
from ..core.identifiers import clean_text
from ..core.types import max_length
from .models import Complaint

#: what a merchant's answer does, as CFPB publishes a company's response to a complaint:
#: relief in money (an offer the consumer accepts or not), other relief (a replacement, a
#: repair, a corrected record), an explanation only, or still working on it
RESPONSES = ("monetary_relief", "non_monetary_relief", "explanation", "in_progress")
MODERATION_PERIOD = timedelta(days=7)
REPLY_PERIOD = timedelta(days=15)
CONFIRM_PERIOD = timedelta(days=15)
REPEAT_WINDOW = timedelta(days=90)
REBUT_PERIOD = timedelta(days=10)
REBUTTAL_ANSWER_PERIOD = timedelta(days=15)
ACCESS_CODE_LIFETIME = timedelta(minutes=15)
ACCESS_CODE_ATTEMPTS = 5
#: access codes asked per hour: from one client, and for one contact
ACCESS_CODES_PER_CLIENT, ACCESS_CODES_PER_CONTACT = 5, 3
NEAR_DUPLICATE_WINDOW = timedelta(days=7)
NEAR_DUPLICATE_RATIO = 0.9
HOURLY_LIMIT, DAILY_LIMIT = 5, 20
MAX_AMOUNT = Decimal("10000000")
MODERATE_AMOUNT = Decimal("1000")
SOURCE = "complaint-intake"
SYSTEM_ACTOR = "system:deadlines"
#: who escalates a case nobody answered, reminds and forgets: the scheduler's case clock
CLOCK_ACTOR = "system:clock"
COMPLAINANT_ACTOR = "complainant"
COMPLAINANT_PREFIX, REPLY_PREFIX = "cpt_", "crt_"
OPEN_STATES = (
    "submitted",
    "accepted",
    "merchant_notified",
    "merchant_replied",
    "rebutted",
    "escalated",
)
PUBLIC_STATES = (
    "merchant_notified",
    "merchant_replied",
    "no_response",
    "closed",
    "rebutted",
    "escalated",
)
#: what a merchant's desk lists: every case accepted about its sellers, and their outcomes
MERCHANT_STATES = PUBLIC_STATES
#: the states in which the merchant must answer (first answer, or the rebuttal's)
MERCHANT_TURN = ("merchant_notified", "no_response", "rebutted")
INVALIDATABLE = (
    "accepted",
    "merchant_notified",
    "merchant_replied",
    "no_response",
    "closed",
    "rebutted",
)
#: where a case has ended: nothing more is awaited of anyone (retention counts from here)
CLOSED_STATES = ("rejected", "invalid", "closed", "resolved", "unresolved")
#: where a consumer may ask for the regulator: the answer is refused, or none came in time
ESCALATABLE = ("merchant_replied", "no_response")
REGULATOR_ACTOR = "regulator"
AUTO_ACCEPT_REASON = "审核期限已过，自动受理"
NO_RESPONSE_REASON = "商家未在15天内答复"
LATE_REPLY_REASON = "商家逾期答复"
UNCONFIRMED_REASON = "消费者未在15天内确认处理结果"
REBUTTAL_UNANSWERED_REASON = "商家未在15天内回应消费者的反驳"
ESCALATED_REASON = "消费者申请转交监管部门"
AUTO_ESCALATED_REASON = "商家未在答复期限内答复，自动转交监管部门"
CONFIRMED_REASON = {True: "消费者确认已解决", False: "消费者确认未解决"}
#: a moderator's reasons, by code: the public words (the registry's own, in Chinese)
MODERATION_REASONS = {
    "spam": "垃圾信息或广告",
    "not_a_complaint": "不属于消费投诉",
    "duplicate": "重复投诉",
    "insufficient": "信息不足，无法核实",
    "wrong_seller": "投诉对象有误",
    "abusive": "含有辱骂或违法内容",
    "false": "经核实与事实不符",
    "other": "其他原因",
}
MAX_REASON_NOTE = 500


def moderation_reason(code: str | None, note: str | None = None) -> str:
    """The public reason of a decision: the listed reason, then the moderator's words."""
    if code not in MODERATION_REASONS:
        raise ValidationFailed("choose a reason from the list", {"reason": "unknown"})
    text = clean_multiline(note)[:MAX_REASON_NOTE]
    return f"{MODERATION_REASONS[code]}：{text}" if text else MODERATION_REASONS[code]


# What a person types: (fewest, most) characters; the most is what the column holds.
LIMITS = {
    key: (low, max_length(Complaint, column))
    for key, low, column in (
        ("narrative", 10, "narrative_original"),
        ("order_ref", 0, "order_ref"),
        ("desired_resolution", 0, "desired_resolution"),
        ("complainant_name", 0, "complainant_name"),
        ("contact", 1, "contact"),
        ("reply", 1, "merchant_reply"),
        ("reason", 1, "status_reason"),
        ("rebuttal", 1, "rebuttal_original"),
        ("escalation_reason", 0, "escalation_reason_original"),
        ("decision_reason", 1, "decision_reason_original"),
    )
}


def clean_multiline(value: Any) -> str:
    """Clean like ``clean_text`` but keep line breaks (at most one empty line in a row)."""
    text = "" if value is None else str(value)
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.append(clean_text(line))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_field(data: dict, key: str, errors: dict, multiline: bool = False) -> str | None:
    """The cleaned text of ``data[key]`` within its LIMITS; a problem goes to *errors*."""
    value = (clean_multiline if multiline else clean_text)(data.get(key))
    low, high = LIMITS[key]
    if not value and low:
        errors[key] = "required"
    elif value and not low <= len(value) <= high:
        errors[key] = f"must be {low} to {high} characters (got {len(value)})"
    return value or None


def amount_field(value: Any, errors: dict) -> Decimal | None:
    """An amount in yuan (``1,299.50``, ``¥80``), or None; a problem goes to *errors*."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        amount = Decimal(clean_text(str(value)).replace(",", "").lstrip("¥"))
    except InvalidOperation:
        errors["amount"] = "not a number"
        return None
    if not amount.is_finite():
        errors["amount"] = "not a number"
    elif amount.as_tuple().exponent < -2:
        errors["amount"] = "at most 2 decimal places"
    elif not 0 <= amount <= MAX_AMOUNT:
        errors["amount"] = f"must be between 0 and {MAX_AMOUNT}"
    return amount


def consent_field(value: Any, errors: dict) -> bool:
    """The complainant's choice to publish the narrative: a boolean, or a form's yes/no."""
    if isinstance(value, bool):
        return value
    text = clean_text(str(value)).lower() if value is not None else ""
    if text in ("yes", "true", "1", "narrative"):
        return True
    if text in ("no", "false", "0", "category_only"):
        return False
    errors["publish_narrative"] = "true (publish the scrubbed narrative) or false"
    return True


def _text_key(text: str) -> str:
    """Fold a narrative for duplicate checks: lower case, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def near_identical(a: str, b: str) -> bool:
    """Tell whether two narratives are the same text or nearly (first 500 characters)."""
    ka, kb = _text_key(a), _text_key(b)
    if ka == kb:
        return True
    matcher = difflib.SequenceMatcher(None, ka[:500], kb[:500], autojunk=False)
    return (
        matcher.real_quick_ratio() > NEAR_DUPLICATE_RATIO
        and matcher.quick_ratio() > NEAR_DUPLICATE_RATIO
        and matcher.ratio() > NEAR_DUPLICATE_RATIO
    )
