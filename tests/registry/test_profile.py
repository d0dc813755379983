from __future__ import annotations

from datetime import UTC, datetime, timedelta

from registry.events import EventService
from registry.profile import PeerIndex
from registry.scores import ScoreService

from ..factories import make_seller

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_peer_percentile_ranks_within_the_category_and_reloads_after_its_ttl(session):
    sellers = [make_seller(session, category="books") for _ in range(12)]
    for i, seller in enumerate(sellers):
        list(
            EventService(session, "platform:t", "platform", now=NOW).submit(
                [
                    {
                        "seller": seller.public_id,
                        "kind": "order",
                        "verification": "platform",
                        "occurred_at": NOW - timedelta(hours=k),
                        "order_ref": f"{i}-{k}",
                        "buyer_ref": f"{i}-{k}",
                    }
                    for k in range(40 * i)
                ]
            )
        )
    session.commit()
    ScoreService(session, now=NOW).rescore_changed()
    session.commit()
    clock = [0.0]
    peers = PeerIndex(ttl=60, clock=lambda: clock[0])
    best = peers.percentile(session, sellers[-1])
    worst = peers.percentile(session, sellers[0])
    assert best == (100.0, 11) and worst[0] < best[0]
    make_seller(session, category="books")  # joins the category after the first load
    ScoreService(session, now=NOW).rescore_changed()
    session.commit()
    assert peers.percentile(session, sellers[-1]) == (100.0, 11)  # cached
    clock[0] = 61
    assert peers.percentile(session, sellers[-1]) == (100.0, 12)
    assert peers.percentile(session, make_seller(session, category="toys")) is None
