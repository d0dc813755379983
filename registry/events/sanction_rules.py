"""What a sanction record says, checked: its kinds, their scoring kinds and its fields.

A regulator sends the kinds it publishes (``RECORD_KINDS``); each finding becomes one score
event of a kind of the published model (SCORING.md section C), and two kinds are decisions
about an earlier finding (``ACTIONS``): a removal from the abnormal-operations list, and a
credit repair (信用修复), which ends the finding's cap and its publication.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import scoring

from ..core.errors import ValidationFailed
from ..core.shapes import REQUIRED, Shape, check
from ..core.types import max_length
from .fields import Amount, Choice, Day, Text
from .models import Event, Sanction

ADMINISTRATIVE_PENALTY = "administrative_penalty"
ABNORMAL_REMOVED = "abnormal_operations_removed"
CREDIT_REPAIR = "credit_repair"
#: findings whose scoring kind is their own
FINDINGS = {
    scoring.ABNORMAL_OPERATIONS: scoring.ABNORMAL_OPERATIONS,
    scoring.SERIOUS_ILLEGAL_LIST: scoring.SERIOUS_ILLEGAL_LIST,
    scoring.LICENCE_REVOKED: scoring.LICENCE_REVOKED,
    scoring.TRADING_BAN: scoring.TRADING_BAN,
}
ACTIONS = (ABNORMAL_REMOVED, CREDIT_REPAIR)
RECORD_KINDS = (
    scoring.ABNORMAL_OPERATIONS,
    ABNORMAL_REMOVED,
    ADMINISTRATIVE_PENALTY,
    scoring.SERIOUS_ILLEGAL_LIST,
    scoring.LICENCE_REVOKED,
    scoring.TRADING_BAN,
    CREDIT_REPAIR,
)
#: an administrative penalty's explicit ``severity`` and the scoring kind it records
PENALTY_SEVERITIES = {
    "warning": scoring.SANCTION_WARNING,
    "minor": scoring.SANCTION_MINOR_FINE,
    "major": scoring.SANCTION_MAJOR_FINE,
}
#: a fine of at least this many yuan is a major fine: the "larger amount" (较大数额罚款) of
#: SAMR's hearing rules for a legal person (市场监督管理行政处罚听证办法, art. 5: 100,000 yuan)
MAJOR_FINE_YUAN = Decimal(100_000)
#: why a business is listed (企业经营异常名录管理暂行办法, art. 4, items 1-4)
ABNORMAL_REASONS = (
    "annual_report",  # no annual report in time
    "disclosure_overdue",  # information not disclosed by the ordered date
    "false_disclosure",  # disclosed information concealed facts or was false
    "unreachable",  # not reachable at the registered address
)
#: a decision dated tomorrow is a time-zone difference (China is UTC+8), not the future
DATE_TOLERANCE = timedelta(days=1)
SUMMARY_LIMIT = max_length(Event, "summary")
#: a seller named by its public id or credit code
SELLER_REF = 64
#: the fields a sanction's row takes as its shape reads them
_FIELDS = (
    "external_ref",
    "decision_number",
    "authority",
    "summary",
    "refers_to",
    "decided_on",
    "effective_from",
    "effective_until",
    "amount",
    "reason",
)


class SanctionRecord(Shape):
    """A regulator's decision (``POST /api/v1/sanctions``)."""

    seller: Text(SELLER_REF, required=True, description="public id or credit code")
    kind: Annotated[Choice(RECORD_KINDS), REQUIRED]
    decision_number: Text(max_length(Sanction, "decision_number"))
    authority: Text(
        max_length(Sanction, "authority"), description="required, except for a removal or repair"
    )
    decided_on: Annotated[Day(description="the decision's date"), REQUIRED]
    effective_from: Day()
    effective_until: Day(description="inclusive; none for a removal or repair")
    amount: Amount(description="yuan; an administrative penalty only")
    severity: Choice(tuple(PENALTY_SEVERITIES), description="an administrative penalty only")
    reason: Choice(ABNORMAL_REASONS, description="an abnormal-operations listing or removal")
    refers_to: Text(
        max_length(Sanction, "external_ref"),
        description="the external_ref or decision_number a removal or repair ends",
    )
    summary: Text(SUMMARY_LIMIT, description="published after the privacy gate")
    external_ref: Text(
        max_length(Sanction, "external_ref"), description="the record's id (or decision_number)"
    )


def penalty_kind(severity: str | None, amount: Decimal | None) -> str | None:
    """The scoring kind of an administrative penalty: its ``severity``, else by its amount
    (none or 0: a warning; under MAJOR_FINE_YUAN: a minor fine; else a major one)."""
    if severity is not None:
        return PENALTY_SEVERITIES[severity]
    if amount is None:
        return None
    if amount == 0:
        return scoring.SANCTION_WARNING
    return scoring.SANCTION_MINOR_FINE if amount < MAJOR_FINE_YUAN else scoring.SANCTION_MAJOR_FINE


def validate_sanction(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Check one sanction record; return its fields (``seller_ref`` still to be resolved)."""
    record, errors = check(SanctionRecord, data)
    kind = record.kind
    if kind is None and "kind" not in errors:
        errors["kind"] = "kind is required: one of " + ", ".join(RECORD_KINDS)
    row: dict[str, Any] = {
        "kind": kind,
        "seller_ref": record.seller,
        **{name: getattr(record, name) for name in _FIELDS},
    }
    if kind not in ACTIONS and row["authority"] is None and "authority" not in errors:
        errors["authority"] = "authority is required"
    if not (row["external_ref"] or row["decision_number"]) and not {
        "external_ref",
        "decision_number",
    } & set(errors):
        errors["external_ref"] = "give external_ref or decision_number: the record's id"
    _check_dates(row, now.date() + DATE_TOLERANCE, errors)
    severity = record.severity
    row["score_kind"] = FINDINGS.get(kind or "")
    if kind == ADMINISTRATIVE_PENALTY:
        row["score_kind"] = penalty_kind(None if "severity" in errors else severity, row["amount"])
        if row["score_kind"] is None and not {"amount", "severity"} & set(errors):
            errors["amount"] = "give the fine's amount (yuan) or a severity: warning, minor, major"
    else:
        if row["amount"] is not None:
            errors["amount"] = "only an administrative_penalty states an amount"
        if severity is not None:
            errors["severity"] = "only an administrative_penalty has a severity"
    if kind == scoring.ABNORMAL_OPERATIONS and row["reason"] is None and "reason" not in errors:
        errors["reason"] = "the listing's reason code is required: " + ", ".join(ABNORMAL_REASONS)
    elif kind not in (scoring.ABNORMAL_OPERATIONS, ABNORMAL_REMOVED) and row["reason"]:
        errors["reason"] = "only abnormal-operations listings and removals have a reason code"
    if kind == CREDIT_REPAIR and row["refers_to"] is None and "refers_to" not in errors:
        errors["refers_to"] = "the external_ref or decision_number of the repaired sanction"
    elif kind not in ACTIONS and row["refers_to"] is not None:
        errors["refers_to"] = "only a removal or a credit repair refers to another record"
    if errors:
        raise ValidationFailed("sanction rejected", errors)
    return row


def _check_dates(row: dict[str, Any], latest: date, errors: dict[str, str]) -> None:
    decided, start, until = row["decided_on"], row["effective_from"], row["effective_until"]
    if decided is None:
        errors.setdefault("decided_on", "decided_on is required (YYYY-MM-DD)")
    elif decided > latest:
        errors["decided_on"] = "decided_on is in the future"
    if until is not None and ((start and until < start) or (decided and until < decided)):
        errors["effective_until"] = "before the decision takes effect"
    if row["kind"] in ACTIONS and until is not None:
        errors["effective_until"] = "a removal or a repair has no end"
