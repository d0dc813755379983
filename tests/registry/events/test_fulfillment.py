"""Daily aggregates and per-order records from platforms: validation, idempotency per source,
the store mapping, and the score they make."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

import scoring
from registry.events.fulfillment import FulfillmentService, validate_aggregate
from registry.events.fulfillment_models import FulfillmentDay
from registry.events.models import Event
from registry.events.service import EventService
from registry.events.stores import StoreService
from registry.registration.importing import RawRecord
from registry.scores.models import SellerScore
from registry.scores.service import ScoreService

from ...factories import make_seller

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
SOURCE = "platform:shop-a"


def day(seller, **counts):
    return {"seller": seller.public_id, "day": "2026-05-20", "orders": 1000, **counts}


def submit(session, records, source=SOURCE):
    service = FulfillmentService(session, actor=source, role="platform", now=NOW)
    results = list(service.submit([RawRecord(i, r) for i, r in enumerate(records, 1)]))
    session.commit()
    return results


def scored(session, seller):
    session.rollback()
    return list(
        session.execute(
            select(Event.kind, Event.count, Event.source).where(Event.seller_id == seller.id)
        ).all()
    )


def test_an_aggregate_is_one_day_and_one_scored_row_per_count(session):
    seller = make_seller(session)
    [result] = submit(session, [day(seller, late_shipments=5, chargebacks=1)])
    assert result.status == "created"
    assert sorted(scored(session, seller)) == [
        ("chargeback", 1, SOURCE),
        ("late_shipment", 5, SOURCE),
        ("order", 1000, SOURCE),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"orders": -1}, "orders"),
        ({"orders": 1.5}, "orders"),
        ({"orders": "12a"}, "orders"),
        ({"orders": True}, "orders"),
        ({"orders": 10**9}, "orders"),
        ({"late_shipments": 1001}, "late_shipments"),
        ({"chargebacks": 1001}, "chargebacks"),
        ({"disputes_opened": 1, "disputes_lost": 2}, "disputes_lost"),
        ({"day": "2026-06-02"}, "day"),
        ({"day": "20 May"}, "day"),
        ({"day": "1999-12-31"}, "day"),
        ({"seller": ""}, "seller"),
        ({"external_ref": "x" * 200}, "external_ref"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_aggregates_are_rejected_with_the_field(change, field):
    record = {"seller": "s1", "day": "2026-05-20", "orders": 1000, **change}
    with pytest.raises(Exception) as info:
        validate_aggregate(record, TODAY)
    assert field in info.value.details


def test_counts_as_csv_cells_and_cancellations_beyond_completed_orders_are_accepted():
    row = validate_aggregate(
        {"seller": "s1", "day": "2026-05-31", "orders": "10", "cancellations": "12"}, TODAY
    )
    assert row["orders"] == 10 and row["cancellations"] == 12 and row["chargebacks"] == 0


def test_a_resent_day_is_unchanged_and_a_changed_day_replaces_its_rows(session):
    seller = make_seller(session)
    submit(session, [day(seller, late_shipments=5, external_ref="D1")])
    [again] = submit(session, [day(seller, late_shipments=5, external_ref="D1")])
    assert again.status == "unchanged"
    [changed] = submit(session, [day(seller, late_shipments=7, external_ref="D1")])
    assert changed.status == "updated"
    assert sorted(scored(session, seller)) == [
        ("late_shipment", 7, SOURCE),
        ("order", 1000, SOURCE),
    ]
    assert session.scalar(select(func.count()).select_from(FulfillmentDay)) == 1


def test_another_sources_day_is_another_record_and_is_never_replaced(session):
    seller = make_seller(session)
    submit(session, [day(seller, late_shipments=5, external_ref="D1")])
    [other] = submit(session, [day(seller, late_shipments=1, external_ref="D1")], "platform:b")
    assert other.status == "created"
    rows = scored(session, seller)
    assert ("late_shipment", 5, SOURCE) in rows and ("late_shipment", 1, "platform:b") in rows


def test_an_external_ref_of_another_day_is_rejected(session):
    seller = make_seller(session)
    submit(session, [day(seller, external_ref="D1")])
    [result] = submit(session, [{**day(seller, external_ref="D1"), "day": "2026-05-21"}])
    assert result.status == "rejected" and "external_ref" in result.errors


def test_one_bad_record_leaves_the_others_and_writes_nothing_of_its_own(session):
    seller = make_seller(session)
    results = submit(session, [day(seller), {**day(seller), "day": "2026-05-21", "orders": -3}])
    assert [r.status for r in results] == ["created", "rejected"]
    assert results[1].line == 2
    assert session.scalar(select(func.count()).select_from(FulfillmentDay)) == 1


def test_per_order_records_keep_the_event_shape(session):
    seller = make_seller(session)
    base = {"seller": seller.public_id, "occurred_at": "2026-05-30T10:00:00+00:00"}
    results = submit(
        session,
        [
            {**base, "kind": "order", "verification": "platform", "order_ref": "O1"},
            {**base, "kind": "late_shipment", "order_ref": "O1", "external_ref": "L1"},
            {**base, "kind": "fraud_report"},
        ],
    )
    assert [r.status for r in results] == ["created", "created", "rejected"]
    assert "kind" in results[2].errors


def test_a_store_id_names_the_seller_of_this_sources_mapping_only(session):
    seller = make_seller(session)
    StoreService(session, SOURCE, now=NOW).put("shop-9", seller.public_id)
    session.commit()
    record = {"store": "shop-9", "day": "2026-05-20", "orders": 10}
    [mine] = submit(session, [record])
    [theirs] = submit(session, [record], "platform:b")
    assert mine.status == "created"
    assert theirs.status == "rejected" and "store" in theirs.errors


def _score(session, seller):
    session.rollback()
    ScoreService(session, now=NOW).rescore([seller.id], full=[seller.id])
    session.commit()
    return session.get(SellerScore, seller.id)


def test_an_aggregate_scores_like_its_per_order_records(session):
    by_day, by_order = make_seller(session), make_seller(session)
    submit(session, [day(by_day, late_shipments=5)])
    at = datetime.combine(date(2026, 5, 20), datetime.min.time(), UTC)
    rows = [
        {
            "seller": by_order.public_id,
            "kind": "order",
            "verification": "platform",
            "occurred_at": at.isoformat(),
            "order_ref": f"O{i}",
        }
        for i in range(1000)
    ] + [
        {
            "seller": by_order.public_id,
            "kind": "late_shipment",
            "verification": "platform",
            "occurred_at": at.isoformat(),
            "order_ref": f"O{i}",
        }
        for i in range(5)
    ]
    list(EventService(session, SOURCE, "platform", now=NOW).submit(rows))
    session.commit()
    a, b = _score(session, by_day), _score(session, by_order)
    assert a.value == pytest.approx(b.value, abs=1e-9)
    assert a.parts["orders"] == pytest.approx(
        1000 * 2 ** (-(NOW - at).total_seconds() / 86400 / 180)
    )
    assert a.parts["defects"] == pytest.approx(b.parts["defects"])


def test_the_incremental_rescore_follows_a_new_and_a_replaced_day(session):
    seller = make_seller(session)
    submit(session, [day(seller, late_shipments=40)])
    service = ScoreService(session, now=NOW)
    service.rescore_changed()
    session.commit()
    first = session.get(SellerScore, seller.id).value
    submit(session, [day(seller, late_shipments=0)])
    ScoreService(session, now=NOW).rescore_changed()
    session.commit()
    session.rollback()
    after = session.get(SellerScore, seller.id)
    full = scoring.score_rows(
        [
            (
                k,
                datetime(2026, 5, 20, tzinfo=UTC),
                "minor",
                "platform",
                None,
                None,
                None,
                None,
                1,
                None,
                None,
                c,
            )
            for k, c in [("order", 1000)]
        ],
        NOW,
        after.verified,
    )
    assert after.value > first
    assert after.value == pytest.approx(full.value, abs=1e-9)


def test_a_batch_of_several_chunks_marks_each_seller_once(session):
    from registry.events.service import CHUNK
    from registry.journal.models import ChangeLogEntry

    seller = make_seller(session)
    start = date(2020, 1, 1)
    records = [
        {"seller": seller.public_id, "day": (start + timedelta(days=i)).isoformat(), "orders": 5}
        for i in range(CHUNK + 10)
    ]
    results = submit(session, records)
    assert {r.status for r in results} == {"created"} and len(results) == CHUNK + 10
    marks = session.execute(
        select(ChangeLogEntry.kind).where(ChangeLogEntry.seller_id == seller.id)
    ).scalars()
    assert list(marks).count("event") == 1


def test_the_same_day_twice_in_one_batch_keeps_the_later_counts(session):
    seller = make_seller(session)
    results = submit(
        session,
        [day(seller, late_shipments=1, external_ref="D9"), day(seller, late_shipments=2)],
    )
    assert [r.status for r in results] == ["created", "updated"]
    session.rollback()
    [row] = session.execute(select(FulfillmentDay)).scalars()
    assert row.late_shipments == 2 and row.external_ref == "D9"
