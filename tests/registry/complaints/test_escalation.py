"""The steps after a reply: rebuttal (once, within 10 days), the merchant's answer to it or
its deadline, escalation to the regulator's queue, and the regulator's decision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry.complaints.shapes import EscalationDecision
from registry.complaints.timeline import next_deadline, timeline
from registry.core.errors import Conflict, Forbidden, ValidationFailed
from registry.core.shapes import read
from registry.trust.tokens import Principal

from ...factories import make_seller
from .helpers import MODERATOR, NOW, accepted, event_of, file, service

REGULATOR = Principal(7, "amr", "regulator")
DAY = timedelta(days=1)


def _decision(decision: str, reason: str) -> EscalationDecision:
    return read(EscalationDecision, {"decision": decision, "reason": reason}, "decision rejected")


def replied(session, at=NOW, **overrides):
    complaint, ctoken, rtoken = accepted(session, **overrides)
    service(session, at).reply(complaint.id, "已发货，请查收。", token=rtoken)
    session.commit()
    return complaint, ctoken


def test_rebut_within_10_days_asks_the_merchant_again(session):
    complaint, _ = replied(session)
    service(session, NOW + 10 * DAY).rebut(complaint.id, "没有收到货，物流信息是假的。")
    session.commit()
    assert complaint.status == "rebutted" and complaint.rebuttal.startswith("没有收到货")
    assert complaint.rebuttal_due_at == NOW + 25 * DAY and complaint.reply_token_digest
    assert next_deadline(complaint) == ("rebuttal_answer", NOW + 25 * DAY)


def test_rebut_after_10_days_is_refused(session):
    complaint, _ = replied(session)
    with pytest.raises(Conflict):
        service(session, NOW + 10 * DAY + timedelta(seconds=1)).rebut(complaint.id, "没有收到货。")


@pytest.mark.parametrize("state", ["submitted", "merchant_notified", "no_response", "closed"])
def test_rebut_is_refused_outside_merchant_replied(session, state):
    complaint, _ = file(session, make_seller(session))
    complaint.status = state
    session.commit()
    with pytest.raises(Conflict):
        service(session).rebut(complaint.id, "没有收到货。")


def test_rebut_only_once_and_needs_text(session):
    complaint, _ = replied(session)
    with pytest.raises(ValidationFailed):
        service(session).rebut(complaint.id, "  ")
    svc = service(session, NOW + DAY)
    svc.rebut(complaint.id, "没有收到货。")
    svc.reply(
        complaint.id, "已补发。", principal=Principal(9, "shop", "merchant", complaint.seller_id)
    )
    session.commit()
    assert complaint.status == "merchant_replied" and complaint.rebuttal_answer == "已补发。"
    assert complaint.confirm_due_at == NOW + DAY + timedelta(days=15)
    with pytest.raises(Conflict):
        service(session, NOW + 2 * DAY).rebut(complaint.id, "还是没有收到。")


def test_an_unanswered_rebuttal_returns_to_the_consumer_after_15_days(session):
    complaint, _ = replied(session)
    service(session, NOW + DAY).rebut(complaint.id, "没有收到货。")
    session.commit()
    assert service(session, NOW + 16 * DAY).enforce_deadlines()["rebuttal_unanswered"] == 0
    later = NOW + 16 * DAY + timedelta(seconds=1)
    assert service(session, later).enforce_deadlines()["rebuttal_unanswered"] == 1
    session.commit()
    assert complaint.status == "merchant_replied" and complaint.reply_token_digest is None
    assert complaint.confirm_due_at == later + timedelta(days=15)
    # Then the usual confirmation deadline closes it.
    closing = later + timedelta(days=15, seconds=1)
    assert service(session, closing).enforce_deadlines()["closed"] == 1
    assert complaint.outcome == "unconfirmed"


def test_escalate_a_refused_answer_keeps_the_event_as_it_stands(session):
    complaint, _ = replied(session)
    service(session, NOW + DAY).escalate(complaint.id, "商家答复不实。")
    session.commit()
    assert complaint.status == "escalated" and complaint.escalated_at == NOW + DAY
    assert complaint.escalation_reason == "商家答复不实。"
    assert event_of(session, complaint).resolution == "unresolved"
    assert next_deadline(complaint) is None
    # Nothing the clock does moves an escalated case.
    assert not any(service(session, NOW + 400 * DAY).enforce_deadlines().values())


def test_escalate_after_the_reply_deadline_passed_unanswered(session):
    complaint, _, _ = accepted(session)
    later = NOW + 16 * DAY
    service(session, later).enforce_deadlines()
    service(session, later).escalate(complaint.id)
    session.commit()
    assert complaint.status == "escalated" and complaint.escalation_reason is None
    assert event_of(session, complaint).resolution == "unanswered"


@pytest.mark.parametrize(
    "state", ["submitted", "rejected", "merchant_notified", "rebutted", "closed", "invalid"]
)
def test_escalate_is_refused_elsewhere(session, state):
    complaint, _ = file(session, make_seller(session))
    complaint.status = state
    session.commit()
    with pytest.raises(Conflict):
        service(session).escalate(complaint.id)


@pytest.mark.parametrize(
    "decision, resolution",
    [("upheld", "unresolved"), ("settled", "resolved"), ("dismissed", "invalid")],
)
def test_the_regulator_decides_and_the_decision_is_public(session, decision, resolution):
    complaint, _ = replied(session)
    service(session, NOW + DAY).escalate(complaint.id)
    svc = service(session, NOW + 5 * DAY)
    queue = svc.escalation_queue(REGULATOR)
    assert [c["id"] for c in queue] == [complaint.public_id]
    # The whole file: the words as typed, the contact, every step.
    assert queue[0]["contact"] == "13812345678" and queue[0]["narrative_original"]
    assert [s["step"] for s in queue[0]["timeline"]] == [
        "filed",
        "accepted",
        "replied",
        "escalated",
    ]
    svc.decide(complaint.id, REGULATOR, _decision(decision, "经调查，商家已发货但未妥投。"))
    session.commit()
    assert complaint.status == "closed" and complaint.outcome == f"regulator_{decision}"
    assert event_of(session, complaint).resolution == resolution
    view = service(session).public_view(complaint)
    assert view["decision"] == decision and view["decision_reason"].startswith("经调查")
    assert service(session).escalation_queue(REGULATOR) == []


def test_settled_without_any_answer_in_time_earns_only_answered(session):
    complaint, _, _ = accepted(session)
    service(session, NOW + 16 * DAY).enforce_deadlines()
    service(session, NOW + 16 * DAY).escalate(complaint.id)
    service(session, NOW + 20 * DAY).decide(
        complaint.id, REGULATOR, _decision("settled", "已调解退款。")
    )
    assert event_of(session, complaint).resolution == "unresolved"


def test_only_regulators_decide_and_only_escalated_cases(session):
    complaint, _ = replied(session)
    with pytest.raises(Conflict):
        service(session).decide(complaint.id, REGULATOR, _decision("upheld", "理由"))
    service(session).escalate(complaint.id)
    for who in (MODERATOR, Principal(2, "p", "platform"), Principal(3, "m", "merchant", 1)):
        with pytest.raises(Forbidden):
            service(session).decide(complaint.id, who, _decision("upheld", "理由"))
        with pytest.raises(Forbidden):
            service(session).escalation_queue(who)
    # What a decision may say is its shape's to refuse, before the service is asked.
    with pytest.raises(ValidationFailed):
        read(EscalationDecision, {"decision": "maybe", "reason": "理由"}, "decision rejected")
    with pytest.raises(ValidationFailed):
        read(EscalationDecision, {"decision": "upheld", "reason": ""}, "decision rejected")


def test_the_timeline_has_every_step_with_its_date(session):
    complaint, _ = replied(session)
    service(session, NOW + 2 * DAY).rebut(complaint.id, "没有收到货。")
    session.commit()
    steps = timeline(session, complaint)
    assert [(s["step"], s["at"]) for s in steps] == [
        ("filed", NOW),
        ("accepted", NOW),
        ("replied", NOW),
        ("rebutted", NOW + 2 * DAY),
    ]
