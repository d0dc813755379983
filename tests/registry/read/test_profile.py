from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.core.errors import NotFound
from registry.events.service import EventService
from registry.read.peers import PeerIndex
from registry.read.profile import read_profile
from registry.scores.service import ScoreService

from ...factories import make_seller

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


def _submit(session, role: str, records: list[dict]) -> None:
    results = list(EventService(session, f"{role}:t", role, now=NOW).submit(records))
    assert all(r.status != "rejected" for r in results), results


def test_read_profile_counts_recent_orders_and_reads_every_other_event(session):
    seller = make_seller(session, category="books", domains=["profile-read.example"])
    pid, day = seller.public_id, timedelta(days=1)
    orders = [
        {
            "seller": pid,
            "kind": "order",
            "verification": "platform",
            "occurred_at": NOW - day * (1 + k % 80 if k < 100 else 120),
            "order_ref": f"o{k}",
            "buyer_ref": f"b{k}",
        }
        for k in range(105)  # 100 in the last 90 days, 5 older
    ]
    defects = [
        {
            "seller": pid,
            "kind": kind,
            "verification": "platform",
            "occurred_at": NOW - day * age,
            "order_ref": f"o{k}",
        }
        for k, (kind, age) in enumerate(
            [
                ("late_shipment", 3),
                ("late_shipment", 4),
                ("late_shipment", 5),
                ("late_shipment", 100),
                ("chargeback", 6),
                ("dispute_lost", 7),
            ]
        )
    ]
    complaints = [
        {
            "seller": pid,
            "kind": "complaint",
            "verification": "purchase",
            "category": category,
            "resolution": resolution,
            "occurred_at": NOW - day * (10 + k),
            "complainant_ref": f"c{k}",
            "summary": "迟迟不发货",
        }
        for k, (category, resolution) in enumerate(
            [
                ("after_sales", "resolved"),
                ("after_sales", "resolved"),
                ("fraud", "unanswered"),
                ("fraud", None),
            ]
        )
    ]
    _submit(session, "platform", orders + defects + complaints)
    _submit(
        session,
        "regulator",
        [
            {
                "seller": pid,
                "kind": "fraud_report",
                "verification": "regulator",
                "category": "deposit_scam",
                "occurred_at": NOW - day * 20,
                "severity": "harm",
            },
            {"seller": pid, "kind": "sanction_major_fine", "occurred_at": NOW - day * 30},
        ],
    )
    session.commit()
    ScoreService(session, now=NOW).rescore_changed()
    session.commit()

    page = read_profile(session.get_bind(), pid, "en", now=NOW)

    assert page.orders == 100 and page.seller.verified and page.seller.category == "books"
    assert {r.name: (r.count, r.per_thousand) for r in page.rates} == {
        "late_shipment": (3, 30.0),
        "seller_cancellation": (0, 0.0),
        "disputes": (2, 20.0),
    }
    assert page.complaint_outcomes == {
        "after_sales": {"resolved": 2},
        "fraud": {"unanswered": 1, "pending": 1},
    }
    # Newest first: filed 10, 11, 12 and 13 days ago.
    assert [e.category for e in page.platform_complaints] == [
        "after_sales",
        "after_sales",
        "fraud",
        "fraud",
    ]
    assert [e.kind for e in page.frauds] == ["fraud_report"]
    assert [e.kind for e in page.sanctions] == ["sanction_major_fine"]
    assert page.complaints == []  # none filed through the registry
    assert [d.domain for d in page.seller.domains] == ["profile-read.example"]
    assert page.score is not None and "recent verified orders" in page.score.explanation
    assert page.contributors and all(c["at"] is not None for c in page.contributors)
    assert page.history and page.history[-1][1] == page.score.value


def test_read_profile_of_a_seller_without_events_and_of_no_seller(session):
    seller = make_seller(session)
    engine = session.get_bind()
    for _ in range(3):  # the pooled connection comes back clean each time
        page = read_profile(engine, seller.public_id, "zh")
        assert page.orders == 0 and all(r.per_thousand is None for r in page.rates)
        assert not (page.complaints or page.platform_complaints or page.frauds or page.sanctions)
        assert [i.current for i in page.seller.identities] == [True] and page.seller.verified
    with pytest.raises(NotFound):
        read_profile(engine, "s-nobody", "zh")


@pytest.mark.postgres
def test_read_profile_on_postgresql(pg_session, pg_engine):
    seller = make_seller(pg_session, category="books")
    plain = make_seller(pg_session)
    day = timedelta(days=1)
    records = [
        {
            "seller": seller.public_id,
            "kind": "order",
            "verification": "platform",
            "occurred_at": NOW - day * (k + 1),
            "order_ref": f"o{k}",
            "buyer_ref": f"b{k}",
        }
        for k in range(20)
    ] + [
        {
            "seller": seller.public_id,
            "kind": "late_shipment",
            "verification": "platform",
            "occurred_at": NOW - day,
            "order_ref": "o1",
        },
        {
            "seller": seller.public_id,
            "kind": "complaint",
            "verification": "purchase",
            "category": "fraud",
            "resolution": "unresolved",
            "occurred_at": NOW - day * 2,
            "complainant_ref": "c1",
            "summary": "没有发货",
        },
    ]
    _submit(pg_session, "platform", records)
    pg_session.commit()
    ScoreService(pg_session, now=NOW).rescore_changed()
    pg_session.commit()
    page = read_profile(pg_engine, seller.public_id, "zh", now=NOW)
    assert page.orders == 20 and page.rates[0].per_thousand == 50.0
    assert page.complaint_outcomes == {"fraud": {"unresolved": 1}}
    assert [e.summary for e in page.platform_complaints] == ["没有发货"]
    assert page.score is not None and page.history and page.seller.identities[0].current
    empty = read_profile(pg_engine, plain.public_id, "en", now=NOW)
    assert empty.orders == 0 and not empty.platform_complaints and empty.seller.stores == ()
