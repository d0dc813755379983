"""Daily aggregates on PostgreSQL: the incremental rescore, the streamed full rescore and a
replaced day all agree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from registry.events.fulfillment import FulfillmentService
from registry.registration.importing import RawRecord
from registry.registration.models import Seller
from registry.registration.service import RegistrationService
from registry.scores.models import SellerScore
from registry.scores.service import ScoreService

from ...factories import new_code

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)


def scores(session) -> dict[int, float]:
    session.expire_all()
    return {s.seller_id: s.value for s in session.execute(select(SellerScore)).scalars()}


def settle(session):
    service = ScoreService(session, now=NOW)
    while service.rescore_changed().sellers:
        session.commit()
    session.commit()


def test_aggregates_rescore_alike_incrementally_and_in_full(pg_session):
    public = [
        r.seller_id  # the public id
        for r in RegistrationService(pg_session, "regulator:pg", now=NOW).submit(
            [RawRecord(i, {"identifier": new_code(), "legal_name": f"日报{i}"}) for i in (1, 2)]
        )
    ]
    pg_session.commit()
    ids = dict(pg_session.execute(select(Seller.public_id, Seller.id)).all())
    sellers = [ids[p] for p in public]
    service = FulfillmentService(pg_session, "platform:pg", "platform", now=NOW)
    days = [
        {"seller": p, "day": f"2026-05-{d:02d}", "orders": 500 + d, "late_shipments": d}
        for p in public
        for d in range(1, 25)
    ]
    assert {r.status for r in service.submit(days)} == {"created"}
    pg_session.commit()
    settle(pg_session)
    # A re-sent day with other counts replaces its rows; the rescore starts again.
    resent = [{**days[0], "late_shipments": 200}]
    [result] = FulfillmentService(pg_session, "platform:pg", "platform", now=NOW).submit(resent)
    assert result.status == "updated"
    pg_session.commit()
    settle(pg_session)
    incremental = scores(pg_session)
    ScoreService(pg_session, now=NOW).rescore_all(full=True)
    pg_session.commit()
    full = scores(pg_session)
    assert set(full) == set(sellers)
    assert max(abs(full[k] - incremental[k]) for k in full) < 1e-9
    assert full[sellers[0]] < full[sellers[1]]
