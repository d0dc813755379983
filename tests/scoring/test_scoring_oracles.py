"""The published oracles of SCORING.md and the exact numbers of the model."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import scoring

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def test_beta_reputation_seven_good_one_bad():
    assert scoring.beta_expectation(7, 1) == pytest.approx(0.8)
    assert scoring.beta_rating(7, 1) == pytest.approx(0.6)


def test_beta_reputation_without_evidence():
    assert scoring.beta_expectation(0, 0) == 0.5
    assert scoring.beta_rating(0, 0) == 0.0


def test_wilson_ranks_more_evidence_above_a_similar_share():
    a, b = scoring.wilson_lower_bound(600, 400), scoring.wilson_lower_bound(5500, 4500)
    assert a == pytest.approx(0.5693, abs=1e-4)
    assert b == pytest.approx(0.5402, abs=1e-4)
    assert a > b


def test_wilson_ranks_100_to_1_above_2_to_0():
    a, b = scoring.wilson_lower_bound(100, 1), scoring.wilson_lower_bound(2, 0)
    assert a == pytest.approx(0.9460, abs=1e-4)
    assert b == pytest.approx(0.3424, abs=1e-4)
    assert a > b


def test_wilson_without_votes_is_zero():
    assert scoring.wilson_lower_bound(0, 0) == 0.0


def test_trustpilot_prior_one_five_star_review():
    assert scoring.bayesian_average(7, 3.5, [5]) == 3.6875


def test_decay_daily_factor_and_one_year():
    assert scoring.decay_weight(1, 180) == pytest.approx(0.996157, abs=5e-7)
    assert scoring.decay_weight(365, 180) == pytest.approx(0.24523, abs=5e-6)
    assert scoring.decay_weight(0, 180) == 1.0


def test_empty_history_is_exactly_75_and_nr():
    s = scoring.score([], NOW, identity_verified=True)
    assert s.value == 75.0
    assert s.limited_history
    assert (s.grade, s.display_grade) == ("C", "NR")
    assert s.version == scoring.SCORING_VERSION == 2
    assert s.computed_at == NOW


def test_points_curve_breakpoints():
    for theta, points in [
        (0, 100),
        (0.005, 90),
        (0.01, 75),
        (0.02, 60),
        (0.04, 35),
        (0.08, 0),
        (0.5, 0),
    ]:
        assert scoring.points_for(theta) == points
    assert scoring.points_for(0.0075) == pytest.approx(82.5)


@pytest.mark.parametrize(
    "value,grade",
    [
        (100, "A+"),
        (97, "A+"),
        (96.99, "A"),
        (94, "A"),
        (90, "A-"),
        (87, "B+"),
        (84, "B"),
        (80, "B-"),
        (77, "C+"),
        (74, "C"),
        (70, "C-"),
        (67, "D+"),
        (64, "D"),
        (60, "D-"),
        (59.99, "F"),
        (0, "F"),
    ],
)
def test_grade_boundaries(value, grade):
    assert scoring.grade_for(value) == grade


def explanation_example():
    """The history behind SCORING.md's example: 1,240 orders, 6.2 weighted defects."""
    events = [scoring.Event(scoring.ORDER, NOW, verification="platform") for _ in range(1240)]
    events += [
        scoring.Event(
            scoring.CHARGEBACK, NOW, verification="platform", order_ref=f"o{i}", event_id=f"cb{i}"
        )
        for i in range(6)
    ]
    events.append(
        scoring.Event(
            scoring.COMPLAINT, NOW, verification="identity", resolution="resolved", event_id="c1"
        )
    )
    return scoring.score(events, NOW, identity_verified=True)


def test_explanation_example_in_english():
    assert explanation_example().explain("en") == (
        "about 1,240 recent verified orders (+300 prior); weighted defects 6.2 (+3 prior)"
        " -> 0.60 % -> 87.1 points; no fraud, no sanctions -> B+"
    )


def test_explanation_example_in_chinese():
    assert explanation_example().explain("zh") == (
        "约 1,240 笔近期已核实订单（另加 300 笔先验）；加权缺陷 6.2（另加 3 先验）"
        "→ 0.60% → 87.1 分；无欺诈、无处罚 → B+"
    )


def test_explanation_carries_parts_top_events_version_and_time():
    s = explanation_example()
    assert (s.parts.orders, s.parts.defects) == (1240.0, pytest.approx(6.2))
    assert len(s.parts.top) == 5
    assert {c.kind for c in s.parts.top} == {"chargeback"}  # 1.0 each, above the 0.2 complaint
    assert {c.event_id for c in s.parts.top} < {f"cb{i}" for i in range(6)}
    assert all(c.weight == 1.0 and c.points > 0 for c in s.parts.top)
    data = s.to_dict()
    assert data["version"] == 2 and data["computed_at"] == NOW.isoformat()
    assert scoring.recompute(data["parts"]) == s.value


def test_explanation_names_deductions_caps_and_limited_history():
    t = NOW - timedelta(days=1)
    s = scoring.score(
        [
            scoring.Event(scoring.FRAUD_REPORT, t, verification="regulator"),
            scoring.Event(scoring.SANCTION_WARNING, t),
        ],
        NOW,
        identity_verified=False,
    )
    en, zh = s.explain("en"), s.explain("zh")
    assert "fraud -25.0" in en and "sanctions -10.0" in en
    assert "capped at D (verified fraud finding)" in en and en.endswith(f"-> {s.grade}")
    assert "欺诈扣" in zh and "封顶 D" in zh
    assert (
        scoring.score([], NOW, identity_verified=True).explain().endswith("-> NR (limited history)")
    )
    with pytest.raises(ValueError):
        s.explain("fr")


def test_model_document_is_json_and_complete():
    doc = json.loads(json.dumps(scoring.model_document()))
    assert doc["version"] == 2
    assert doc["performance"]["orders_prior"] == 300
    assert doc["performance"]["defects_prior"] == 3
    assert doc["performance"]["defect_base"]["chargeback"] == 1.0
    assert doc["decay"]["half_life_days"] == {
        "orders_defects_complaints": 180,
        "fraud_sanctions": 365,
    }
    assert doc["fraud"]["max"] == 60
    assert doc["caps"]["ceiling"] == {"C": 76.9, "D": 66.9, "F": 59.9}
    assert doc["score"]["grades"][0] == {"grade": "A+", "min": 97}
    assert doc["anti_gaming"]["orders_per_buyer"] == 5
