"""Aggregates (SCORING.md, "Aggregates"): an event with a count scores as its expansion."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoring
from tests.scoring.scoring_strategies import FULFILLMENT, SEVERITIES, histories, order

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
COUNTED = [scoring.ORDER, *FULFILLMENT]


@st.composite
def aggregates(draw, now):
    """Draw an aggregate event (an order count or a fulfillment defect count) before now."""
    kind = draw(st.sampled_from(COUNTED))
    return scoring.Event(
        kind=kind,
        occurred_at=now - draw(st.integers(0, 3 * 365)) * DAY,
        severity=draw(st.sampled_from(SEVERITIES)),
        verification=draw(st.sampled_from(["platform", "regulator", "purchase", "unverified"])),
        resolution=draw(st.sampled_from([None, "unresolved", "resolved"])),
        event_id=f"a{draw(st.integers(0, 99))}",
        count=draw(st.integers(0, 40)),
    )


def expand(event):
    """Return the count events of one each an aggregate stands for."""
    return [
        dataclasses.replace(event, count=1, event_id=f"{event.event_id}.{i}")
        for i in range(event.count)
    ]


def assert_same(a, b):
    assert a.value == pytest.approx(b.value, abs=1e-9)
    assert a.grade == b.grade
    assert a.display_grade == b.display_grade
    assert a.caps == b.caps
    for name in ("orders", "defects", "fraud", "sanctions", "raw"):
        assert getattr(a.parts, name) == pytest.approx(getattr(b.parts, name), rel=1e-9, abs=1e-9)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), histories(max_size=25), st.booleans())
def test_an_aggregate_scores_as_its_expansion(data, history, verified):
    now, events = history
    extra = data.draw(st.lists(aggregates(now), max_size=4))
    expanded = [e for a in extra for e in expand(a)]
    assert_same(
        scoring.score(events + extra, now, identity_verified=verified),
        scoring.score(events + expanded, now, identity_verified=verified),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), histories(max_size=20), st.randoms(use_true_random=False))
def test_incremental_aggregates_agree_with_full(data, history, rnd):
    now, events = history
    all_events = events + data.draw(st.lists(aggregates(now), max_size=4))
    arrival = list(all_events)
    rnd.shuffle(arrival)
    state = scoring.SellerState()
    for e in arrival:
        state.apply(e)
    assert_same(scoring.score(all_events, now, identity_verified=True), state.score(now, True))


def test_a_day_of_1000_orders_with_5_late_shipments_scores_as_its_orders():
    day = NOW - 10 * DAY
    per_order = [order(day, event_id=f"o{i}") for i in range(1000)] + [
        scoring.Event(scoring.LATE_SHIPMENT, day, verification="platform", order_ref=f"r{i}")
        for i in range(5)
    ]
    aggregate = [
        scoring.Event(scoring.ORDER, day, verification="platform", count=1000),
        scoring.Event(scoring.LATE_SHIPMENT, day, verification="platform", count=5),
    ]
    a = scoring.score(aggregate, NOW, identity_verified=True)
    b = scoring.score(per_order, NOW, identity_verified=True)
    assert_same(a, b)
    assert a.parts.orders == pytest.approx(1000 * 2 ** (-10 / 180))
    assert a.parts.defects == pytest.approx(5 * 0.3 * 2 ** (-10 / 180))


def test_rows_with_a_count_score_as_their_events():
    events = [
        scoring.Event(scoring.ORDER, NOW - DAY, verification="platform", count=300),
        scoring.Event(scoring.CHARGEBACK, NOW - DAY, verification="platform", count=2),
    ]
    rows = [e.as_row() for e in events]
    assert_same(
        scoring.score_rows(rows, NOW, True), scoring.score(events, NOW, identity_verified=True)
    )


def test_rows_without_the_count_field_count_once():
    row = order(NOW - DAY).as_row()
    assert scoring.score_rows([row[:-1]], NOW, True).parts.orders == pytest.approx(
        scoring.score_rows([row], NOW, True).parts.orders
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": scoring.COMPLAINT, "count": 2},
        {"kind": scoring.FRAUD_REPORT, "count": 2},
        {"kind": scoring.ORDER, "count": 2, "buyer_ref": "b"},
        {"kind": scoring.LATE_SHIPMENT, "count": 2, "order_ref": "o"},
        {"kind": scoring.ORDER, "count": -1},
        {"kind": scoring.ORDER, "count": 1.5},
        {"kind": scoring.ORDER, "count": True},
    ],
)
def test_a_count_outside_the_rule_is_refused(kwargs):
    with pytest.raises(ValueError):
        scoring.Event(occurred_at=NOW, verification="platform", **kwargs)


def test_a_row_with_a_count_outside_the_rule_is_refused():
    row = scoring.Event(scoring.COMPLAINT, NOW).as_row()[:-1] + (3,)
    with pytest.raises(ValueError):
        scoring.score_rows([row], NOW, True)
    with pytest.raises(ValueError):
        scoring.SellerState().apply_row(row)


def test_the_published_model_names_the_aggregate_rule():
    doc = scoring.model_document()
    assert doc["aggregates"]["field"] == "count"
    assert set(doc["aggregates"]["kinds"]) == set(COUNTED)
