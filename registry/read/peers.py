"""Where a seller's score stands among its category's: "better than x % of its peers"."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from ..registration.models import Seller
from ..scores.models import SellerScore

PEER_MINIMUM = 10

Bind = Session | Connection | Engine | Callable[[str], Iterable[float]]


class PeerIndex:
    """Sorted scores per category, reloaded after ``ttl`` seconds, for "better than x %".

    Counting a category's sellers on every profile view costs a scan of the category; a
    percentile a few minutes old is as true to the reader.
    """

    def __init__(self, ttl: float = 600.0, clock=None) -> None:
        self.ttl = ttl
        self.clock = clock or time.monotonic
        self._scores: dict[str, tuple[float, list[float]]] = {}

    def scores(self, bind: Bind, category: str) -> list[float]:
        """The category's scores, sorted; ``bind`` reads them (or is a function that does)."""
        cached = self._scores.get(category)
        if cached is None or self.clock() - cached[0] > self.ttl:
            query = (
                select(SellerScore.value)
                .join(Seller, Seller.id == SellerScore.seller_id)
                .where(Seller.category == category)
            )
            if isinstance(bind, Engine):
                with bind.connect() as conn:
                    values = sorted(conn.execute(query).scalars())
            elif callable(bind):
                values = sorted(bind(category))
            else:
                values = sorted(bind.execute(query).scalars())
            cached = self._scores[category] = (self.clock(), values)
        return cached[1]

    def percentile(self, session: Session, seller: Seller) -> tuple[float, int] | None:
        """Share of the other scored sellers in the category with a lower score, and how many."""
        mine = session.get(SellerScore, seller.id)
        if mine is None:
            return None
        return self.rank(session, seller.category, mine.value)

    def rank(self, bind: Bind, category: str | None, value: float) -> tuple[float, int] | None:
        """Share of the other scored sellers of ``category`` below ``value``, and how many."""
        if not category:
            return None
        values = self.scores(bind, category)
        others = len(values) - 1  # the seller itself is among them
        if others < PEER_MINIMUM:
            return None
        lower = bisect_left(values, value)
        return 100.0 * lower / others, others


PEERS = PeerIndex()


def peer_percentile(session: Session, seller: Seller) -> tuple[float, int] | None:
    """Share of scored sellers in the same category with a lower score, and the group size."""
    return PEERS.percentile(session, seller)
