"""The display rules (registry.read.display): grade or NR, the number or none, risk flags."""

from __future__ import annotations

from registry.read import display
from registry.read.display import ALARM_CAPS


def test_a_limited_history_is_nr_without_a_number():
    shown = display.shown(grade="A", value=91.3, limited_history=True)
    assert (shown.grade, shown.score, shown.rated) == ("NR", None, False)
    assert display.shown(grade="NR", value=91.3, limited_history=True).score is None


def test_an_unscored_seller_is_nr_without_a_number():
    shown = display.shown(grade=None, value=None, limited_history=False)
    assert (shown.grade, shown.score) == ("NR", None)


def test_a_rated_seller_shows_its_letter_and_number():
    shown = display.shown(grade="B+", value=87.04, limited_history=False)
    assert (shown.grade, shown.score, shown.rated) == ("B+", 87.0, True)


def test_every_alarm_cap_of_the_badge_is_a_risk_flag():
    assert ALARM_CAPS <= set(display.RISK_FLAGS)


def test_risk_flags_come_from_caps_and_status_most_serious_first():
    caps = [
        {"reason": "abnormal_operations"},
        {"reason": "identity_unverified"},
        {"reason": "fraud_finding"},
    ]
    assert display.risk_flags(caps, "in_business") == ("fraud_finding", "abnormal_operations")
    assert display.risk_flags([], "revoked") == ("licence_revoked",)
    assert display.risk_flags([{"reason": "licence_revoked"}], "revoked") == ("licence_revoked",)
    assert display.risk_flags(None, "cancelled") == ("registration_cancelled",)
    assert display.risk_flags(None, "unknown") == ()


def test_a_search_document_carries_what_its_card_shows():
    marks = display.document_marks(
        limited_history=True,
        caps=[{"reason": "sanction_major_fine"}],
        status="in_business",
        demo=True,
    )
    shown = display.from_document({"grade": "NR", "score": 75.0, "flags": tuple(marks)})
    assert (shown.grade, shown.score, shown.flags, shown.demo) == (
        "NR",
        None,
        ("sanction_major_fine",),
        True,
    )
    rated = display.from_document({"grade": "A-", "score": 90.04, "flags": ()})
    assert (rated.grade, rated.score, rated.flags, rated.demo) == ("A-", 90.0, (), False)


def test_an_old_document_without_flags_still_hides_nothing_it_should_not_show():
    # "grade" already held the display grade: NR there means no number.
    assert display.from_document({"grade": "NR", "score": 75.0}).score is None
