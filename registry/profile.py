"""The numbers a seller's public profile shows beside the score, and the public warnings."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

import scoring

from .models import Event, ScoreHistory, Seller, SellerScore, utcnow

FULFILLMENT_WINDOW = timedelta(days=90)
# Published thresholds per 1,000 orders (SCORING.md anchors: Amazon and eBay).
THRESHOLDS = {"late_shipment": 40.0, "seller_cancellation": 25.0, "disputes": 10.0}
WARNING_KINDS = tuple(sorted(scoring.SANCTION_KINDS))
PEER_MINIMUM = 10


@dataclass(frozen=True)
class Rate:
    name: str
    count: int
    per_thousand: float | None
    threshold: float

    @property
    def within(self) -> bool | None:
        return None if self.per_thousand is None else self.per_thousand <= self.threshold


def fulfillment_rates(
    session: Session, seller_id: int, now: datetime | None = None
) -> tuple[int, list[Rate]]:
    """Verified orders in the last 90 days and late, cancelled and disputed per 1,000."""
    now = now or utcnow()
    counts = dict(
        session.execute(
            select(Event.kind, func.count())
            .where(
                Event.seller_id == seller_id,
                Event.occurred_at > now - FULFILLMENT_WINDOW,
                Event.kind.in_(
                    [
                        "order",
                        "late_shipment",
                        "seller_cancellation",
                        "dispute_opened",
                        "dispute_lost",
                        "chargeback",
                    ]
                ),
                or_(Event.kind != "order", Event.verification.in_(["platform", "regulator"])),
            )
            .group_by(Event.kind)
        ).all()
    )
    orders = counts.get("order", 0)
    grouped = {
        "late_shipment": counts.get("late_shipment", 0),
        "seller_cancellation": counts.get("seller_cancellation", 0),
        "disputes": sum(counts.get(k, 0) for k in ("dispute_opened", "dispute_lost", "chargeback")),
    }
    return orders, [
        Rate(name, n, (1000.0 * n / orders) if orders else None, THRESHOLDS[name])
        for name, n in grouped.items()
    ]


def complaint_breakdown(session: Session, seller_id: int) -> dict[str, dict[str, int]]:
    """Complaints by category and outcome (pending, no response, unresolved, resolved...)."""
    out: dict[str, dict[str, int]] = {}
    for category, resolution, n in session.execute(
        select(Event.category, Event.resolution, func.count())
        .where(Event.seller_id == seller_id, Event.kind == "complaint")
        .group_by(Event.category, Event.resolution)
    ):
        out.setdefault(category or "other", {})[resolution or "pending"] = n
    return out


class PeerIndex:
    """Sorted scores per category, reloaded after ``ttl`` seconds, for "better than x %".

    Counting a category's sellers on every profile view costs a scan of the category; a
    percentile a few minutes old is as true to the reader.
    """

    def __init__(self, ttl: float = 600.0, clock=None) -> None:
        import time

        self.ttl = ttl
        self.clock = clock or time.monotonic
        self._scores: dict[str, tuple[float, list[float]]] = {}

    def scores(self, session: Session, category: str) -> list[float]:
        cached = self._scores.get(category)
        if cached is None or self.clock() - cached[0] > self.ttl:
            values = sorted(
                session.execute(
                    select(SellerScore.value)
                    .join(Seller, Seller.id == SellerScore.seller_id)
                    .where(Seller.category == category)
                ).scalars()
            )
            cached = self._scores[category] = (self.clock(), values)
        return cached[1]

    def percentile(self, session: Session, seller: Seller) -> tuple[float, int] | None:
        """Share of the other scored sellers in the category with a lower score, and how many."""
        mine = session.get(SellerScore, seller.id)
        if mine is None or not seller.category:
            return None
        values = self.scores(session, seller.category)
        others = len(values) - 1  # the seller itself is among them
        if others < PEER_MINIMUM:
            return None
        lower = bisect_left(values, mine.value)
        return 100.0 * lower / others, others


PEERS = PeerIndex()


def peer_percentile(session: Session, seller: Seller) -> tuple[float, int] | None:
    """Share of scored sellers in the same category with a lower score, and the group size."""
    return PEERS.percentile(session, seller)


def score_history(session: Session, seller_id: int) -> list[ScoreHistory]:
    return list(
        session.execute(
            select(ScoreHistory)
            .where(ScoreHistory.seller_id == seller_id)
            .order_by(ScoreHistory.computed_at, ScoreHistory.id)
        ).scalars()
    )


def events_of(session: Session, seller_id: int, kinds: tuple[str, ...]) -> list[Event]:
    return list(
        session.execute(
            select(Event)
            .where(Event.seller_id == seller_id, Event.kind.in_(kinds))
            .order_by(Event.occurred_at.desc())
        ).scalars()
    )


def recent_warnings(
    session: Session, limit: int = 8, now: datetime | None = None
) -> list[tuple[Event, Seller]]:
    """Sanctions and regulator-verified fraud findings of the last three years, newest first."""
    now = now or utcnow()
    rows = session.execute(
        select(Event, Seller)
        .join(Seller, Seller.id == Event.seller_id)
        .where(
            Event.occurred_at > now - timedelta(days=3 * 365),
            Event.lifted_at.is_(None),
            or_(
                Event.kind.in_(WARNING_KINDS),
                and_(Event.kind == "fraud_report", Event.verification == "regulator"),
            ),
        )
        .order_by(Event.occurred_at.desc())
        .limit(limit)
    ).all()
    return [(event, seller) for event, seller in rows]
