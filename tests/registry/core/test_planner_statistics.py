"""The query planner's statistics: without them SQLite picks between equally fitting indexes
by their order in the schema, and a profile's count of a seller's recent orders scanned every
order of every seller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from registry.core.db import analyze
from registry.events.service import EventService

from ...factories import make_seller

RECENT_ORDERS = (
    "EXPLAIN QUERY PLAN SELECT count(*) FROM event WHERE event.seller_id = :sid "
    "AND event.kind = 'order' AND event.occurred_at > :since "
    "AND (event.verification = 'platform' OR event.verification = 'regulator')"
)


def _orders(session, sellers, per_seller):
    now = datetime.now(UTC)
    rows = [
        {
            "seller": seller.public_id,
            "kind": "order",
            "verification": "platform",
            "occurred_at": now - timedelta(hours=i),
            "order_ref": f"{seller.public_id}-{i}",
        }
        for seller in sellers
        for i in range(per_seller)
    ]
    list(EventService(session, "platform:p", "platform").submit(rows))
    session.commit()


def _plan(engine, seller_id) -> str:
    since = (datetime.now(UTC) - timedelta(days=90)).isoformat()
    with engine.connect() as conn:
        rows = conn.execute(text(RECENT_ORDERS), {"sid": seller_id, "since": since}).all()
    return " ".join(str(r[-1]) for r in rows)


def test_after_analyze_a_sellers_orders_are_counted_through_its_own_index(app, session):
    engine = app.extensions["registry_db"].engine
    sellers = [make_seller(session) for _ in range(30)]
    _orders(session, sellers, 40)
    with engine.connect() as conn:  # the order that misled the planner after migration 0003
        conn.exec_driver_sql("DROP INDEX ix_event_seller_time")
        conn.exec_driver_sql("DROP INDEX ix_event_kind_time")
        conn.exec_driver_sql("CREATE INDEX ix_event_seller_time ON event (seller_id, occurred_at)")
        conn.exec_driver_sql("CREATE INDEX ix_event_kind_time ON event (kind, occurred_at)")
        conn.commit()
    assert "ix_event_kind_time" in _plan(engine, sellers[0].id)  # the guess, without statistics
    analyze(engine)
    assert "ix_event_seller_time" in _plan(engine, sellers[0].id)


def test_prepare_refreshes_the_statistics(app, runner, session):
    make_seller(session)
    assert runner.invoke(args=["prepare"]).exit_code == 0
    with app.extensions["registry_db"].engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar() > 0
