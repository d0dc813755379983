"""Fraud reports as the seller's view reads them: the columns its one statement aggregates
(``COLUMNS``, from ``FROM``, per seller by ``SELLER`` where ``WHERE``) and the lines the
public is shown (``published``; what of the amount lost is shown is ``display.fraud_loss``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ..events.models import Event, FraudDetail
from . import display

_event, _detail = Event.__table__, FraudDetail.__table__
COLUMNS = (
    _event.c.id,
    _event.c.category,
    _event.c.verification,
    _event.c.occurred_at,
    _event.c.summary,
    _detail.c.amount,
    _detail.c.currency,
)
FROM = _event.outerjoin(_detail, _detail.c.event_id == _event.c.id)
SELLER = _event.c.seller_id
# A report its source, a regulator or a moderator overturned is shown nowhere.
WHERE = (_event.c.kind == "fraud_report") & display.not_withdrawn(_event.c.resolution)


@dataclass(slots=True)
class FraudLine:
    """A fraud report as published: its scam type, how it was verified, when, what was lost."""

    event_id: int
    category: str | None  # the scam type
    verification: str
    occurred_at: datetime | None
    summary: str | None  # the event's public (scrubbed) summary
    amount: Decimal | None  # in the currency's own units, to its minor unit
    currency: str | None
    kind: str = "fraud_report"


def published(rows: Any, moment: Callable[[Any], datetime | None]) -> tuple[FraudLine, ...]:
    """The view's fraud reports from the rows of ``COLUMNS``, newest first."""
    lines = []
    for event_id, category, verification, occurred, summary, amount, currency in rows:
        loss = display.fraud_loss(amount, currency)
        lines.append(
            FraudLine(
                event_id,
                category,
                verification,
                moment(occurred),
                summary,
                None if loss is None else loss[0],
                None if loss is None else loss[1],
            )
        )
    oldest = datetime.min.replace(tzinfo=UTC)
    lines.sort(key=lambda f: (f.occurred_at or oldest, f.event_id), reverse=True)
    return tuple(lines)
