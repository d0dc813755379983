"""Define the scoring input: one immutable event, and the plain-tuple row it maps to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from .model import (
    DEFECT_BASE,
    FRAUD_REPORT,
    ORDER,
    RESOLUTIONS,
    SANCTION_KINDS,
    SEVERITIES,
    VERIFICATIONS,
)

FULFILLMENT_KINDS = frozenset(k for k in DEFECT_BASE if k != "complaint")
EVENT_KINDS = frozenset({ORDER, FRAUD_REPORT, *DEFECT_BASE, *SANCTION_KINDS})
# The order of Event's fields, which is also the order of a row given to score_rows().
ROW_FIELDS = (
    "kind",
    "occurred_at",
    "severity",
    "verification",
    "resolution",
    "order_ref",
    "complainant_ref",
    "buyer_ref",
    "event_id",
    "ends_at",
    "lifted_at",
    "count",
)
# Rows of the first eleven fields (before ``count``) are still read, as one event each.
COUNT_FIELD = ROW_FIELDS.index("count")
# How many like events one aggregate row may stand for (a day of a very large store).
MAX_COUNT = 10_000_000


@dataclass(frozen=True, slots=True)
class Event:
    """One reputation event of one seller (see SCORING.md, "Inputs")."""

    kind: str
    occurred_at: datetime
    severity: str = "minor"
    verification: str = "unverified"
    resolution: str | None = None
    order_ref: str | None = None
    complainant_ref: str | None = None
    buyer_ref: str | None = None
    event_id: str | None = None
    ends_at: datetime | None = None
    lifted_at: datetime | None = None
    # An aggregate stands for ``count`` like events (SCORING.md, "Aggregates").
    count: int = 1

    def __post_init__(self) -> None:
        check_count(self.kind, self.count, self.order_ref, self.buyer_ref)
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if self.verification not in VERIFICATIONS:
            raise ValueError(f"unknown verification {self.verification!r}")
        if self.resolution is not None and self.resolution not in RESOLUTIONS:
            raise ValueError(f"unknown resolution {self.resolution!r}")
        for name in ("occurred_at", "ends_at", "lifted_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware (UTC)")

    def as_row(self) -> tuple:
        """Return the event as a plain tuple in ROW_FIELDS order."""
        return as_row(self)


as_row = attrgetter(*ROW_FIELDS)


def check_count(kind: str, count: object, order_ref: object, buyer_ref: object) -> None:
    """Refuse a count the aggregate rule does not define (SCORING.md, "Aggregates")."""
    if count == 1 and count.__class__ is int:
        return
    if count.__class__ is not int or not 0 <= count <= MAX_COUNT:  # type: ignore[operator]
        raise ValueError(f"count must be an integer in [0, {MAX_COUNT}], not {count!r}")
    if kind != ORDER and kind not in FULFILLMENT_KINDS:
        raise ValueError(f"only orders and fulfillment defects carry a count, not {kind!r}")
    if order_ref is not None or buyer_ref is not None:
        raise ValueError("an aggregate (count other than 1) names no order or buyer")


def row_count(row: Sequence) -> int:
    """Return how many events a row stands for (1 for rows without the ``count`` field)."""
    if len(row) <= COUNT_FIELD:
        return 1
    count = row[COUNT_FIELD]
    if count != 1:
        check_count(row[0], count, row[5], row[7])
    return count
