"""Helpers for the tests of sanctions and fraud reports: a seller with a good record, and its
score after the change log is consumed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from registry.events.service import EventService
from registry.scores.models import SellerScore
from registry.scores.service import ScoreService

from ...factories import make_seller

NOW = datetime.now(UTC)


def days_ago(n: int) -> str:
    return (NOW - timedelta(days=n)).date().isoformat()


def good_seller(session, orders: int = 2000):
    """A seller with ``orders`` clean, platform-verified orders: an A grade to cap."""
    seller = make_seller(session)
    start = NOW - timedelta(days=60)
    results = EventService(session, "platform:shop", "platform", now=NOW).submit(
        {
            "seller": seller.public_id,
            "kind": "order",
            "occurred_at": start + timedelta(minutes=i),
            "verification": "platform",
            "order_ref": f"o{seller.id}-{i}",
        }
        for i in range(orders)
    )
    assert all(r.status == "created" for r in results)
    session.commit()
    return seller


def score(session, seller) -> SellerScore:
    """The seller's stored score once every change is consumed."""
    ScoreService(session, now=NOW).rescore_changed()
    session.commit()
    return session.get(SellerScore, seller.id)


def cap_reasons(session, seller) -> list[str]:
    return sorted(c["reason"] for c in score(session, seller).caps or [])
