"""Worked examples of each rule, and agreement with a naive reading of SCORING.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoring
from tests.scoring.scoring_strategies import histories, order, reference

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
E = scoring.Event


def parts(events, now=NOW, verified=True):
    return scoring.score(events, now, identity_verified=verified).parts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(max_size=40), st.booleans())
def test_agrees_with_a_naive_reading_of_the_document(history, verified):
    now, events = history
    s = scoring.score(events, now, identity_verified=verified)
    value, n, d, f, sanctions, cap = reference(events, now, verified)
    assert s.value == pytest.approx(value, abs=1e-9)
    assert (s.parts.orders, s.parts.defects, s.parts.fraud, s.parts.sanctions) == pytest.approx(
        (n, d, f, sanctions), rel=1e-9, abs=1e-9
    )
    assert max((c.max_grade for c in s.caps), default=None) == cap


def test_a_one_year_old_order_weighs_0_2452():
    assert parts([order(NOW - 365 * DAY)]).orders == pytest.approx(0.24523, abs=5e-6)


def test_self_reported_orders_count_zero():
    assert (
        parts([order(NOW, verification=v) for v in ("purchase", "identity", "unverified")]).orders
        == 0.0
    )


def test_at_most_five_orders_per_buyer_per_30_day_window_the_latest_count():
    start = scoring.WINDOW_EPOCH + ((NOW - scoring.WINDOW_EPOCH) // (30 * DAY)) * 30 * DAY
    same_window = [order(start + i * timedelta(hours=1), "b") for i in range(7)]
    p = parts(same_window, now=start + 6 * timedelta(hours=1))
    assert p.orders == pytest.approx(sum(scoring.decay_weight(h / 24, 180) for h in range(5)))
    assert parts([order(NOW, "b"), order(NOW - 40 * DAY, "b")]).orders == pytest.approx(
        1 + scoring.decay_weight(40, 180)
    )
    assert parts([order(NOW, None) for _ in range(7)]).orders == 7.0


def test_one_defect_per_order_the_largest():
    late = E(scoring.LATE_SHIPMENT, NOW, verification="platform", order_ref="o1")
    chargeback = E(scoring.CHARGEBACK, NOW, verification="platform", order_ref="o1")
    assert parts([late, chargeback]).defects == 1.0
    assert parts([late, E(scoring.LATE_SHIPMENT, NOW, verification="platform")]).defects == 0.6


@pytest.mark.parametrize(
    "severity,verification,resolution,weight",
    [
        ("minor", "platform", None, 1.0),
        ("moderate", "purchase", "unresolved", 1.5 * 0.8),
        ("harm", "identity", "unanswered", 2 * 0.4 * 2),
        ("minor", "unverified", "resolved", 0.1 * 0.5),
        ("harm", "regulator", "invalid", 0.0),
    ],
)
def test_defect_weight_is_base_severity_verification_resolution(
    severity, verification, resolution, weight
):
    c = E(
        scoring.COMPLAINT, NOW, severity=severity, verification=verification, resolution=resolution
    )
    assert parts([c]).defects == pytest.approx(weight)


def test_buyer_requested_returns_weigh_nothing():
    assert parts([E(scoring.BUYER_RETURN, NOW, verification="platform")]).defects == 0.0


def test_one_complaint_per_complainant_per_90_day_window():
    window = (NOW - scoring.WINDOW_EPOCH) // (90 * DAY)
    start = scoring.WINDOW_EPOCH + window * 90 * DAY
    a = E(scoring.COMPLAINT, start, verification="identity", complainant_ref="x")
    b = E(
        scoring.COMPLAINT,
        start + 80 * DAY,
        verification="identity",
        complainant_ref="x",
        severity="harm",
    )
    c = E(scoring.COMPLAINT, start - DAY, verification="identity", complainant_ref="x")
    now = start + 80 * DAY
    assert parts([a, b], now).defects == pytest.approx(0.8)
    assert parts([a, b, c], now).defects == pytest.approx(0.8 + 0.4 * 2 ** (-81 / 180))


def test_a_burst_of_unverified_complaints_counts_only_k_the_rest_are_held():
    burst = [
        E(
            scoring.COMPLAINT,
            NOW - i * timedelta(minutes=1),
            verification="unverified",
            severity="harm" if i == 3 else "minor",
        )
        for i in range(20)
    ]
    p = parts(burst)
    # No verified complaints: baseline 0, k = 1: only the largest counts.
    assert p.defects == pytest.approx(0.2 * 2 ** (-3 / 60 / 24 / 180))
    assert p.held_for_review == 19


def test_the_burst_allowance_grows_with_the_verified_baseline():
    assert [scoring.model.burst_allowance(x) for x in (0, 0.05, 1, 4)] == [1, 1, 4, 10]
    burst = [E(scoring.COMPLAINT, NOW, verification="unverified") for _ in range(20)]
    verified = [
        E(scoring.COMPLAINT, NOW - (10 + i) * DAY, verification="platform") for i in range(100)
    ]
    assert parts(burst + verified).held_for_review < 19
    unverified_elsewhere = [
        E(scoring.COMPLAINT, NOW - (10 + i) * DAY, verification="unverified") for i in range(100)
    ]
    # Unverified complaints never raise their own allowance.
    assert (
        parts(burst + unverified_elsewhere).held_for_review
        == 19 + parts(unverified_elsewhere).held_for_review
    )


def test_fraud_penalty_is_capped_at_60_and_invalid_reports_count_zero():
    reports = [E(scoring.FRAUD_REPORT, NOW, verification="platform") for _ in range(5)]
    assert parts(reports).fraud == 60.0
    assert parts([E(scoring.FRAUD_REPORT, NOW, verification="purchase")]).fraud == 7.5
    assert parts([E(scoring.FRAUD_REPORT, NOW, verification="identity")]).fraud == 3.75
    assert (
        parts([E(scoring.FRAUD_REPORT, NOW, verification="regulator", resolution="invalid")]).fraud
        == 0.0
    )


def test_a_sanction_weighs_fully_in_its_window_then_halves_each_year():
    fine = E(scoring.SANCTION_MINOR_FINE, NOW - 400 * DAY, ends_at=NOW + DAY)
    assert parts([fine]).sanctions == 10.0
    assert parts([fine], NOW + 366 * DAY).sanctions == pytest.approx(5.0)
    lifted = E(
        scoring.SANCTION_CONSENT_ORDER,
        NOW - 365 * DAY,
        ends_at=NOW + 100 * DAY,
        lifted_at=NOW - 365 * DAY,
    )
    assert parts([lifted]).sanctions == pytest.approx(12.5)


def test_caps_and_their_windows():
    t = NOW - 100 * DAY
    great = [order(NOW) for _ in range(5000)]
    cases = [
        (E(scoring.SANCTION_MAJOR_FINE, t), 76.9),
        (E(scoring.SERIOUS_ILLEGAL_LIST, t), 66.9),
        (E(scoring.LICENCE_REVOKED, t), 59.9),
        (E(scoring.TRADING_BAN, t), 59.9),
        (E(scoring.ABNORMAL_OPERATIONS, t), 76.9),
        (E(scoring.FRAUD_REPORT, t, verification="regulator"), 66.9),
        (E(scoring.SANCTION_MAJOR_FINE, t, lifted_at=NOW - DAY), None),
        (E(scoring.FRAUD_REPORT, t, verification="platform"), None),
        (E(scoring.SANCTION_CONSENT_ORDER, t), None),
    ]
    for event, ceiling in cases:
        assert parts(great + [event]).cap_value == ceiling, event.kind
    after = NOW + 3 * 365 * DAY
    assert parts([E(scoring.SANCTION_MAJOR_FINE, t)], after).cap_value is None
    assert parts([E(scoring.ABNORMAL_OPERATIONS, t)], after).cap_value == 76.9
    ban = E(scoring.TRADING_BAN, t, ends_at=NOW + 5 * 365 * DAY)
    assert parts([ban], after).cap_value == 59.9


def test_an_unverified_identity_is_capped_at_c():
    s = scoring.score([order(NOW) for _ in range(5000)], NOW, identity_verified=False)
    assert (s.value, s.grade, s.verified) == (76.9, "C", False)
    assert [c.reason for c in s.caps] == ["identity_unverified"]


def test_limited_history_is_fewer_than_30_orders_and_nothing_negative():
    assert scoring.score([order(NOW)] * 29, NOW, identity_verified=True).display_grade == "NR"
    s = scoring.score([order(NOW)] * 30, NOW, identity_verified=True)
    assert (s.limited_history, s.display_grade) == (False, s.grade)
    late = E(scoring.LATE_SHIPMENT, NOW, verification="platform")
    assert not scoring.score([order(NOW), late], NOW, identity_verified=True).limited_history


def test_invalid_events_are_rejected():
    with pytest.raises(ValueError):
        E("review", NOW)
    with pytest.raises(ValueError):
        E(scoring.ORDER, datetime(2024, 1, 1))
    with pytest.raises(ValueError):
        E(scoring.COMPLAINT, NOW, severity="extreme")
    with pytest.raises(ValueError):
        scoring.score_rows([("review", NOW) + (None,) * 9], NOW, True)
    with pytest.raises(ValueError):
        scoring.score_rows([("order", datetime(2024, 1, 1)) + (None,) * 9], NOW, True)


@settings(max_examples=60, deadline=None)
@given(histories(), st.booleans())
def test_rows_and_posix_seconds_give_the_same_score(history, verified):
    now, events = history
    s = scoring.score(events, now, identity_verified=verified)
    rows = [e.as_row() for e in events]
    assert scoring.score_rows(rows, now, verified) == s
    floats = [(r[0], r[1].timestamp()) + r[2:] for r in rows]
    assert scoring.score_rows(iter(floats), now, verified).value == pytest.approx(s.value, abs=1e-9)


def test_an_event_after_now_moves_the_scoring_instant():
    later = NOW + timedelta(minutes=5)
    s = scoring.score([order(NOW), order(later)], NOW, identity_verified=True)
    assert s.computed_at == later
    assert s.parts.orders == pytest.approx(1 + 2 ** (-5 / 60 / 24 / 180))
    state = scoring.SellerState()
    state.apply(order(later))
    state.apply(order(NOW))
    assert state.score(NOW, True).value == pytest.approx(s.value, abs=1e-12)
