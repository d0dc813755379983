"""The incremental state: O(1) updates, any arrival order, persistence and bounded memory."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoring
from tests.scoring.scoring_strategies import histories, order

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def assert_agree(full, incremental):
    assert incremental.value == pytest.approx(full.value, abs=1e-9)
    assert incremental.grade == full.grade
    assert incremental.limited_history == full.limited_history
    assert incremental.caps == full.caps
    for name in ("orders", "defects", "fraud", "sanctions", "raw"):
        assert getattr(incremental.parts, name) == pytest.approx(
            getattr(full.parts, name), rel=1e-9, abs=1e-9
        )
    assert incremental.parts.held_for_review == full.parts.held_for_review
    assert [round(c.points, 6) for c in incremental.parts.top] == [
        round(c.points, 6) for c in full.parts.top
    ]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    histories(max_size=40), st.randoms(use_true_random=False), st.booleans(), st.integers(0, 400)
)
def test_incremental_agrees_with_full_in_any_arrival_order(history, rnd, verified, later_days):
    now, events = history
    arrival = list(events)
    rnd.shuffle(arrival)
    state = scoring.SellerState()
    for e in arrival:
        state.apply(e)
    for at in (now, now + later_days * DAY):
        assert_agree(
            scoring.score(events, at, identity_verified=verified), state.score(at, verified)
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(max_size=30), st.integers(0, 30))
def test_a_persisted_state_resumes_exactly(history, cut):
    now, events = history
    state = scoring.SellerState()
    for e in events[:cut]:
        state.apply(e)
    saved = json.dumps(state.to_dict())
    resumed = scoring.SellerState.from_dict(json.loads(saved))
    assert json.dumps(resumed.to_dict()) == saved
    for e in events[cut:]:
        state.apply(e)
        resumed.apply(e)
    assert resumed.score(now, True) == state.score(now, True)


def test_a_state_of_another_version_is_refused():
    data = scoring.SellerState().to_dict()
    data["version"] = 0
    with pytest.raises(ValueError):
        scoring.SellerState.from_dict(data)


def test_pruning_keeps_agreement_over_decades_and_bounds_memory():
    rnd = random.Random(7)
    kinds = [scoring.ORDER] * 6 + [
        scoring.COMPLAINT,
        scoring.LATE_SHIPMENT,
        scoring.SANCTION_WARNING,
        scoring.FRAUD_REPORT,
    ]
    events = []
    for i in range(6000):
        t = NOW - timedelta(seconds=rnd.randrange(0, 60 * 365 * 86400))
        events.append(
            scoring.Event(
                rnd.choice(kinds),
                t,
                verification=rnd.choice(["platform", "unverified", "identity"]),
                order_ref=rnd.choice([None, f"o{i}"]),
                buyer_ref=f"b{rnd.randrange(30)}",
                complainant_ref=rnd.choice([None, f"c{rnd.randrange(5)}"]),
                event_id=f"e{i}",
            )
        )
    events.sort(key=lambda e: e.occurred_at)
    state = scoring.SellerState()
    for e in events[:-200]:
        state.apply(e)
    for e in reversed(events[-200:]):  # the latest arrive last and in reverse
        state.apply(e)
    assert state._tally.size() < 3000  # keys older than ~40 half-lives were forgotten
    assert_agree(scoring.score(events, NOW, identity_verified=True), state.score(NOW, True))


def test_orders_without_keys_need_no_memory():
    state = scoring.SellerState()
    for i in range(5000):
        state.apply(order(NOW - timedelta(minutes=i)))
    assert state._tally.size() == 0
    assert len(json.dumps(state.to_dict())) < 1000


def test_an_empty_state_scores_like_an_empty_history():
    assert scoring.SellerState().score(NOW, True) == scoring.score([], NOW, identity_verified=True)
