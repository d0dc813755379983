"""The 16 numbered properties of SCORING.md, one Hypothesis test each."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import scoring
from tests.scoring.scoring_strategies import (
    DAY,
    FULFILLMENT,
    NEGATIVE_KINDS,
    RESOLUTIONS,
    SEVERITIES,
    VERIFICATIONS,
    ages,
    events,
    histories,
    nows,
    order,
)

pytestmark = pytest.mark.filterwarnings("error")
FAST = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOL = 1e-9
ORDERS = [scoring.ORDER]
NO_FRAUD = [k for k in NEGATIVE_KINDS if k != scoring.FRAUD_REPORT] + ORDERS
CAP_GRADE = {
    "sanction_major_fine": "C",
    "abnormal_operations": "C",
    "serious_illegal_list": "D",
    "licence_revoked": "F",
    "trading_ban": "F",
}
RANK = {g: i for i, (g, _) in enumerate(scoring.model.GRADES)}


def value(evs, now, verified=True):
    return scoring.score(evs, now, identity_verified=verified).value


def same(a, b):
    """Assert two scores are the same number, letter and parts (ignoring event ids)."""
    assert a.value == pytest.approx(b.value, abs=TOL)
    assert (a.grade, a.limited_history, a.verified, a.parts.held_for_review) == (
        b.grade,
        b.limited_history,
        b.verified,
        b.parts.held_for_review,
    )
    for name in ("orders", "defects", "fraud", "sanctions", "raw"):
        assert getattr(a.parts, name) == pytest.approx(getattr(b.parts, name), rel=TOL, abs=TOL)
    assert [c.max_grade for c in a.caps] == [c.max_grade for c in b.caps]


@FAST
@given(histories(), st.booleans())
def test_property_01_score_in_range_and_grade_from_score_and_caps(history, verified):
    now, evs = history
    s = scoring.score(evs, now, identity_verified=verified)
    assert 0.0 <= s.value <= 100.0
    assert s.grade == scoring.grade_for(s.value)
    for cap in s.caps:
        assert RANK[s.grade] >= RANK[cap.max_grade]
    assert s.display_grade == ("NR" if s.limited_history else s.grade)


@FAST
@given(nows, st.booleans())
def test_property_02_empty_history_is_75_and_nr(now, verified):
    s = scoring.score([], now, identity_verified=verified)
    assert s.value == 75.0
    assert s.limited_history and s.display_grade == "NR"


@FAST
@given(histories(), st.data())
def test_property_03_adding_a_negative_event_never_raises_the_score(history, data):
    now, evs = history
    extra = data.draw(events(now, NEGATIVE_KINDS, event_id="new"))
    position = data.draw(st.integers(0, len(evs)))
    more = evs[:position] + [extra] + evs[position:]
    assert value(more, now) <= value(evs, now) + TOL


@FAST
@given(histories(), st.data())
def test_property_04_adding_a_verified_clean_order_never_lowers_the_score(history, data):
    now, evs = history
    extra = order(
        now - data.draw(ages),
        data.draw(st.sampled_from([None, "a", "b", "z"])),
        data.draw(st.sampled_from(["platform", "regulator"])),
    )
    assert value(evs + [extra], now) >= value(evs, now) - TOL


@FAST
@given(histories(), st.data())
def test_property_05_unanswered_le_answered_le_resolved_le_invalid_eq_none(history, data):
    now, evs = history
    c = data.draw(events(now, [scoring.COMPLAINT], event_id="new"))
    values = [
        value(evs + [scoring.Event(**{**_fields(c), "resolution": r})], now)
        for r in ("unanswered", "unresolved", "resolved", "invalid")
    ]
    assert values[0] <= values[1] + TOL <= values[2] + 2 * TOL <= values[3] + 3 * TOL
    same(
        scoring.score(
            evs + [scoring.Event(**{**_fields(c), "resolution": "invalid"})],
            now,
            identity_verified=True,
        ),
        scoring.score(evs, now, identity_verified=True),
    )


@FAST
@given(histories(), st.data())
def test_property_06_a_more_verified_complaint_lowers_at_least_as_much(history, data):
    now, evs = history
    c = data.draw(events(now, [scoring.COMPLAINT], event_id="new"))
    # regulator = platform (1.0) > purchase > identity > unverified
    ladder = [
        value(evs + [scoring.Event(**{**_fields(c), "verification": v})], now)
        for v in VERIFICATIONS
    ]
    assert ladder[0] == pytest.approx(ladder[1], abs=TOL)
    for more, less in zip(ladder[1:], ladder[2:], strict=False):
        assert more <= less + TOL


@FAST
@given(histories(kinds=NO_FRAUD), st.data())
def test_property_07_one_regulator_fraud_report_beats_ten_unverified_complaints(history, data):
    now, evs = history
    at = now - data.draw(ages)
    fraud = scoring.Event(scoring.FRAUD_REPORT, at, verification="regulator", event_id="f")
    complaints = [
        scoring.Event(
            scoring.COMPLAINT,
            at,
            severity=data.draw(st.sampled_from(SEVERITIES)),
            verification="unverified",
            resolution=data.draw(st.sampled_from(RESOLUTIONS)),
            complainant_ref=data.draw(st.sampled_from([None, f"x{i}"])),
            order_ref=data.draw(st.sampled_from([None, f"y{i}"])),
            event_id=f"c{i}",
        )
        for i in range(10)
    ]
    with_fraud = scoring.score(evs + [fraud], now, identity_verified=True)
    with_complaints = scoring.score(evs + complaints, now, identity_verified=True)
    assert with_fraud.value <= with_complaints.value
    if with_complaints.parts.raw > 0:
        assert with_fraud.parts.raw < with_complaints.parts.raw


@FAST
@given(nows, st.data())
def test_property_08_low_volume_fifty_orders_under_90_one_under_80(now, data):
    fifty = [
        order(now - data.draw(ages), data.draw(st.sampled_from([None, f"b{i}"]))) for i in range(50)
    ]
    one = [order(now - data.draw(ages))]
    assert value(fifty, now) < 90
    assert value(one, now) < 80


@FAST
@given(st.floats(0, 1e7), st.floats(0, 1e7), st.floats(1e-3, 1e4))
def test_property_09_decay_weight_in_0_1_and_non_increasing(a, b, half_life):
    young, old = sorted((a, b))
    w_young = scoring.decay_weight(young, half_life)
    w_old = scoring.decay_weight(old, half_life)
    assert 0.0 < w_old <= w_young <= 1.0


@FAST
@given(histories(), st.integers(-50 * 365 * 86400 * 10**6, 50 * 365 * 86400 * 10**6), st.booleans())
def test_property_10_shifting_all_times_and_now_changes_nothing(history, shift_us, verified):
    now, evs = history
    delta = timedelta(microseconds=shift_us)
    moved = [
        scoring.Event(
            **{
                **_fields(e),
                **{
                    k: getattr(e, k) + delta
                    for k in ("occurred_at", "ends_at", "lifted_at")
                    if getattr(e, k) is not None
                },
            }
        )
        for e in evs
    ]
    before = scoring.score(evs, now, identity_verified=verified)
    after = scoring.score(
        moved, now + delta, identity_verified=verified, epoch=scoring.WINDOW_EPOCH + delta
    )
    same(before, after)
    assert [c.until and c.until + delta for c in before.caps] == [c.until for c in after.caps]


@FAST
@given(histories(), st.randoms(use_true_random=False), st.booleans())
def test_property_11_order_does_not_matter_and_incremental_agrees(history, rnd, verified):
    now, evs = history
    full = scoring.score(evs, now, identity_verified=verified)
    shuffled = list(evs)
    rnd.shuffle(shuffled)
    same(full, scoring.score(shuffled, now, identity_verified=verified))
    state = scoring.SellerState()
    for i, e in enumerate(shuffled):
        state.apply(e)
        if i == len(shuffled) // 2:  # persisted and reloaded midway
            state = scoring.SellerState.from_dict(json.loads(json.dumps(state.to_dict())))
    same(full, state.score(now, verified))


@FAST
@given(histories(), st.data())
def test_property_12_a_second_smaller_defect_on_a_defective_order_changes_nothing(history, data):
    now, evs = history
    first = data.draw(events(now, FULFILLMENT, event_id="first"))
    first = scoring.Event(**{**_fields(first), "order_ref": "the-order", "resolution": None})
    assume(first.kind != scoring.BUYER_RETURN)
    # Smaller in every respect: no later, no larger base, severity or verification.
    base = scoring.model.DEFECT_BASE
    kind = data.draw(st.sampled_from([k for k in FULFILLMENT if base[k] <= base[first.kind]]))
    second = scoring.Event(
        kind,
        first.occurred_at - data.draw(ages),
        severity=data.draw(st.sampled_from(SEVERITIES[: SEVERITIES.index(first.severity) + 1])),
        verification=data.draw(
            st.sampled_from(
                [
                    v
                    for v in VERIFICATIONS
                    if scoring.model.VERIFICATION_WEIGHT[v]
                    <= scoring.model.VERIFICATION_WEIGHT[first.verification]
                ]
            )
        ),
        resolution=data.draw(st.sampled_from([None, "unresolved", "resolved", "invalid"])),
        order_ref="the-order",
        event_id="second",
    )
    one = scoring.score(evs + [first], now, identity_verified=True)
    two = scoring.score(evs + [first, second], now, identity_verified=True)
    same(one, two)


@FAST
@given(histories(), st.data())
def test_property_13_a_second_complaint_by_the_same_complainant_changes_nothing(history, data):
    now, evs = history
    first = data.draw(events(now, [scoring.COMPLAINT], event_id="first"))
    first = scoring.Event(**{**_fields(first), "complainant_ref": "the-complainant"})
    # Within 90 days, inside the same 90-day window, and no larger.
    window = (first.occurred_at - scoring.WINDOW_EPOCH) // timedelta(days=90)
    start = scoring.WINDOW_EPOCH + window * timedelta(days=90)
    at = data.draw(
        st.datetimes(
            min_value=start.replace(tzinfo=None),
            max_value=first.occurred_at.replace(tzinfo=None),
            timezones=st.just(first.occurred_at.tzinfo),
        )
    )
    res_order = ["unanswered", "unresolved", "resolved", "invalid"]
    first_res = first.resolution or "unresolved"
    second = scoring.Event(
        scoring.COMPLAINT,
        at,
        severity=data.draw(st.sampled_from(SEVERITIES[: SEVERITIES.index(first.severity) + 1])),
        verification=first.verification,  # the same complainant
        resolution=data.draw(st.sampled_from(res_order[res_order.index(first_res) :])),
        order_ref=data.draw(st.sampled_from([None, "a", "other"])),
        complainant_ref="the-complainant",
        event_id="second",
    )
    one = scoring.score(evs + [first], now, identity_verified=True)
    two = scoring.score(evs + [second, first], now, identity_verified=True)
    same(one, two)


@FAST
@given(histories(), st.data(), st.booleans())
def test_property_14_an_active_cap_holds_and_lifts_after_its_window(history, data, verified):
    now, evs = history
    kind = data.draw(st.sampled_from(sorted(CAP_GRADE) + ["fraud_finding"]))
    at = now - data.draw(st.integers(0, 3 * 365 - 1)) * DAY
    if kind == "fraud_finding":
        cap = scoring.Event(scoring.FRAUD_REPORT, at, verification="regulator", event_id="cap")
        grade, until = "D", at + timedelta(days=3 * 365)
    else:
        lifted = at + data.draw(st.integers(1, 5 * 365)) * DAY
        cap = scoring.Event(kind, at, verification="regulator", event_id="cap", lifted_at=lifted)
        grade = CAP_GRADE[kind]
        until = (
            lifted if kind == "abnormal_operations" else min(at + timedelta(days=3 * 365), lifted)
        )
    # Whatever else happens: any other events, even many clean orders.
    others = evs + [order(now - i * DAY) for i in range(data.draw(st.integers(0, 60)))]
    if now < until:
        s = scoring.score(others + [cap], now, identity_verified=verified)
        assert RANK[s.grade] >= RANK[grade]
        assert any(c.event_id == "cap" and c.max_grade == grade for c in s.caps)
    later = max(now, until)
    after = scoring.score(others + [cap], later, identity_verified=verified)
    assert not any(c.event_id == "cap" for c in after.caps)
    without = scoring.score(others, later, identity_verified=verified)
    assert after.parts.cap_value == without.parts.cap_value


@FAST
@given(histories(), histories(), st.booleans())
def test_property_15_sellers_are_independent(a, b, verified):
    (now, evs_a), (_, evs_b) = a, b
    alone = scoring.score(evs_a, now, identity_verified=verified)
    state_a, state_b = scoring.SellerState(), scoring.SellerState()
    for e in evs_a:
        state_a.apply(e)
    for e in evs_b:  # another seller, scored in between with other settings
        state_b.apply(e)
    state_b.score(now, not verified)
    scoring.score(evs_b, now, identity_verified=not verified)
    assert scoring.score(evs_a, now, identity_verified=verified) == alone
    same(alone, state_a.score(now, verified))


@FAST
@given(histories(), st.booleans())
def test_property_16_the_parts_reproduce_the_score_exactly(history, verified):
    now, evs = history
    s = scoring.score(evs, now, identity_verified=verified)
    assert scoring.recompute(s.parts) == s.value
    published = json.loads(json.dumps(s.to_dict()))
    assert scoring.recompute(published["parts"]) == published["value"] == s.value


def _fields(e):
    return {name: getattr(e, name) for name in scoring.ROW_FIELDS}


def test_the_property_suite_covers_every_property():
    names = [n for n in globals() if n.startswith("test_property_")]
    assert sorted(int(n.split("_")[2]) for n in names) == list(range(1, 17))
