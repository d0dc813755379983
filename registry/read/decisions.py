"""Regulators' findings as the seller's view reads them: the columns its one statement
aggregates (``COLUMNS``, joined as ``JOIN``, per seller by ``SELLER``) and the lines the
public is shown of them (``published``; the rule itself is ``display.sanction_published``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..events.models import Event, Sanction
from . import display

_sanction, _event = Sanction.__table__, Event.__table__
COLUMNS = (
    _sanction.c.id,
    _sanction.c.event_id,
    _sanction.c.kind,
    _event.c.kind,
    _sanction.c.decision_number,
    _sanction.c.authority,
    _sanction.c.decided_on,
    _sanction.c.effective_from,
    _sanction.c.effective_until,
    _sanction.c.amount,
    _sanction.c.reason,
    _event.c.summary,
    _event.c.lifted_at,
    _sanction.c.repaired_at,
    _event.c.resolution,
)
JOIN = _event.c.id == _sanction.c.event_id
SELLER = _sanction.c.seller_id


@dataclass(slots=True)
class SanctionLine:
    """A regulator's finding as published: in force now, not repaired (display.py)."""

    event_id: int
    kind: str  # as the regulator published it (administrative_penalty...)
    score_kind: str  # the scoring model's (sanction_major_fine...)
    decision_number: str | None
    authority: str | None
    decided_on: date
    effective_from: date | None
    effective_until: date | None
    amount: Decimal | None  # yuan
    reason: str | None
    summary: str | None  # the event's public (scrubbed) summary


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def published(rows: Any, now: datetime, moment: Callable[[Any], datetime | None]) -> dict[str, Any]:
    """The view's fields from the rows of ``COLUMNS``: the findings published now, newest
    first, and every event that has a decision (``moment`` reads a JSON timestamp)."""
    lines = []
    for row in rows:
        _, event_id, kind, score_kind, number, authority, decided, start, until = row[:9]
        amount, reason, summary, lifted, repaired, resolution = row[9:]
        decided_on, effective_until = _day(decided), _day(until)
        if display.sanction_published(
            score_kind,
            decided_on,  # type: ignore[arg-type]
            effective_until,
            moment(lifted),
            moment(repaired),
            resolution,
            now,
        ):
            money = None if amount is None else Decimal(str(amount)).quantize(Decimal("0.01"))
            lines.append(
                SanctionLine(
                    event_id,
                    kind,
                    score_kind,
                    number,
                    authority,
                    decided_on,  # type: ignore[arg-type]
                    _day(start),
                    effective_until,
                    money,
                    reason,
                    summary,
                )
            )
    lines.sort(key=lambda s: (s.decided_on, s.event_id), reverse=True)
    return {"sanctions": tuple(lines), "decided_events": frozenset(r[1] for r in rows)}
