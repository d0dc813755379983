"""Define the scoring input: one immutable event, and the plain-tuple row it maps to."""

from __future__ import annotations

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
)


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

    def __post_init__(self) -> None:
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
