"""A seller's 90-day fulfillment rates per 1,000 orders, beside the published thresholds.

One statement (the verified orders and every fulfillment defect of the window, summed by
kind with their counts, so a daily aggregate weighs as its orders) and one function from its
sums to rates: the profile page shows three of them, the API record all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select

from ..core.prepared import one_of
from ..events.models import Event

FULFILLMENT_WINDOW = timedelta(days=90)
VERIFIED_ORDER = ("platform", "regulator")  # who may verify an order that counts
# Published thresholds per 1,000 orders, from the anchors of SCORING.md: Amazon's late
# shipment (< 4 %), cancellation (< 2.5 %) and order defect (< 1 %: a claim, a chargeback,
# a not-as-described return, an undelivered order) lines, and eBay's cases closed without
# the seller's resolution (<= 0.3 %).
THRESHOLDS = {
    "late_shipment": 40.0,
    "seller_cancellation": 25.0,
    "non_delivery": 10.0,
    "not_as_described_return": 10.0,
    "dispute_opened": 10.0,
    "dispute_lost": 3.0,
    "chargeback": 10.0,
    "disputes": 10.0,  # opened, lost and chargebacks together (the order defect line)
}
# Each rate and the event kinds it counts.
RATE_KINDS = {
    "late_shipment": ("late_shipment",),
    "seller_cancellation": ("seller_cancellation",),
    "non_delivery": ("non_delivery",),
    "not_as_described_return": ("not_as_described_return",),
    "dispute_opened": ("dispute_opened",),
    "dispute_lost": ("dispute_lost",),
    "chargeback": ("chargeback",),
    "disputes": ("dispute_opened", "dispute_lost", "chargeback"),
}
PROFILE_RATES = ("late_shipment", "seller_cancellation", "disputes")
DEFECT_KINDS = tuple(dict.fromkeys(k for kinds in RATE_KINDS.values() for k in kinds))

_event = Event.__table__
# Orders count only when a platform or regulator verified them (as the score counts them).
_IN_WINDOW = and_(
    _event.c.occurred_at > bindparam("since"),
    or_(
        and_(_event.c.kind == "order", one_of(_event.c.verification, VERIFIED_ORDER)),
        one_of(_event.c.kind, DEFECT_KINDS),
    ),
)
RECENT_FULFILLMENT = (
    select(_event.c.kind, func.sum(_event.c.count))
    .where(_event.c.seller_id == bindparam("seller_id"), _IN_WINDOW)
    .group_by(_event.c.kind)
)


@dataclass(frozen=True)
class Rate:
    name: str
    count: int
    per_thousand: float | None
    threshold: float

    @property
    def within(self) -> bool | None:
        return None if self.per_thousand is None else self.per_thousand <= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "per_1000_orders": self.per_thousand,
            "threshold": self.threshold,
            "within": self.within,
        }


def rates_of(sums: Mapping[str, int], names: Iterable[str] = RATE_KINDS) -> list[Rate]:
    """The rates of these names from the window's sums by kind (``order`` among them)."""
    orders = int(sums.get("order") or 0)
    out = []
    for name in names:
        n = int(sum(sums.get(k) or 0 for k in RATE_KINDS[name]))
        out.append(Rate(name, n, (1000.0 * n / orders) if orders else None, THRESHOLDS[name]))
    return out


def since(now: datetime) -> datetime:
    return now - FULFILLMENT_WINDOW


def fulfillment_of(sums: Mapping[str, int]) -> dict[str, Any]:
    """The API record's ``fulfillment``: verified orders of the window and every rate."""
    return {
        "window_days": FULFILLMENT_WINDOW.days,
        "orders": int(sums.get("order") or 0),
        "rates": {r.name: r.to_dict() for r in rates_of(sums)},
    }


def read_fulfillment(connection: Any, seller_id: int, now: datetime) -> dict[str, Any]:
    """The ``fulfillment`` of one seller's API record."""
    return read_fulfillments(connection, [seller_id], now)[seller_id]


def read_fulfillments(
    connection: Any, seller_ids: Iterable[int], now: datetime
) -> dict[int, dict[str, Any]]:
    """The ``fulfillment`` of these sellers' records, in one statement (an export's chunk)."""
    ids = list(seller_ids)
    query = (
        select(_event.c.seller_id, _event.c.kind, func.sum(_event.c.count))
        .where(_event.c.seller_id.in_(ids), _IN_WINDOW)
        .group_by(_event.c.seller_id, _event.c.kind)
    )
    sums: dict[int, dict[str, int]] = {sid: {} for sid in ids}
    for sid, kind, total in connection.execute(query, {"since": since(now)}).all():
        sums[sid][kind] = total
    return {sid: fulfillment_of(s) for sid, s in sums.items()}
