"""Record fraud reports from regulators and platforms: a score event and what was lost.

A fraud report is a ``fraud_report`` event (recorded by ``EventService``, with its rules of
verification by role, idempotency per ``(source, external_ref)`` and scrubbed summary) and a
``FraudDetail`` beside it: the amount lost, its ISO 4217 currency and the private evidence
reference. The key is the event's: a report first sent to ``POST /api/v1/events`` and re-sent
here with the same external_ref is the same record, given its details.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlmodel import Session

from .. import journal
from ..core.errors import ValidationFailed
from ..core.shapes import check
from ..core.types import utcnow
from ..journal import Change
from ..registration.importing import RawRecord
from . import fields
from .models import FRAUD_TYPES, FraudDetail
from .service import EventResult, EventService
from .shapes import FraudReportRecord

#: a fraud report's fields that ``EventService`` records on the event, as it names them
EVENT_FIELDS = ("seller", "verification", "occurred_at", "summary", "external_ref", "resolution")
DETAIL = ("amount", "currency", "evidence_ref")


def validate_fraud(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check what is a fraud report's own; return the event record and the detail."""
    record, errors = check(FraudReportRecord, data)
    scam = record.scam_type
    if scam is None and "scam_type" not in errors:
        errors["scam_type"] = "scam_type is required: one of " + ", ".join(FRAUD_TYPES)
    # The amount's decimals are its currency's: checked once the currency is known.
    code, places = fields.currency(data, "currency", errors)
    detail = {
        "currency": code if data.get("currency") else None,  # None: as before (or CNY)
        "amount": fields.amount(data, "amount", errors, places),
        "evidence_ref": record.evidence_ref,
    }
    if errors:
        raise ValidationFailed("fraud report rejected", errors)
    event = {k: data[k] for k in EVENT_FIELDS if k in data}
    return {**event, "kind": "fraud_report", "category": scam}, detail


class FraudReportService:
    """Records fraud reports; the caller commits."""

    def __init__(self, session: Session, actor: str, role: str, now: datetime | None = None):
        self.session = session
        self.actor = actor
        self.now = now or utcnow()
        self.events = EventService(session, actor, role, self.now)

    def submit(self, records: Iterable[RawRecord | dict[str, Any]]) -> Iterator[EventResult]:
        checked: list[RawRecord] = []
        details: dict[int, dict[str, Any]] = {}
        results: list[EventResult] = []
        for i, record in enumerate(records, start=1):
            raw = record if isinstance(record, RawRecord) else RawRecord(i, record)
            if raw.error:
                results.append(EventResult(raw.line, "rejected", errors={"record": raw.error}))
                continue
            try:
                event, details[raw.line] = validate_fraud(raw.data)
            except ValidationFailed as exc:
                results.append(EventResult(raw.line, "rejected", errors=exc.details))
                continue
            checked.append(RawRecord(raw.line, event))
        for result in self.events.submit(checked):
            if result.event_id is not None and result.status != "rejected":
                self._detail(result, details[result.line])
            results.append(result)
        yield from sorted(results, key=lambda r: r.line)

    def _detail(self, result: EventResult, wanted: dict[str, Any]) -> None:
        detail = self.session.get(FraudDetail, result.event_id)
        if detail is None:
            detail = FraudDetail(
                event_id=result.event_id, **{**wanted, "currency": wanted["currency"] or "CNY"}
            )
            self.session.add(detail)
            old = None
            new = {k: getattr(detail, k) for k in DETAIL if getattr(detail, k) is not None}
        else:
            # A re-sent report restates what it gives; a field it leaves out stays.
            diff = {
                k: (getattr(detail, k), v)
                for k, v in wanted.items()
                if v is not None and getattr(detail, k) != v
            }
            if not diff:
                return
            for key, (_old, value) in diff.items():
                setattr(detail, key, value)
            old, new = {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()}
        if result.status == "unchanged":
            result.status = "updated"
        self.session.flush()
        journal.record(
            self.session,
            [Change(self.actor, "fraud_detail.set", "event", str(result.event_id), old, new)],
            at=self.now,
        )
