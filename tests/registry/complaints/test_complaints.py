"""Deadlines, the score, the audit chain and what the public and moderators see."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.complaints.rules import AUTO_ACCEPT_REASON
from registry.complaints.service import ComplaintService
from registry.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
)
from registry.events.models import Event
from registry.journal.audit import verify_chain
from registry.journal.models import AuditEntry
from registry.scores.models import SellerScore
from registry.scores.service import ScoreService
from registry.trust.tokens import Principal

from ...factories import make_seller
from .helpers import (
    MODERATOR,
    NARRATIVE,
    NOW,
    accepted,
    event_of,
    file,
    form,
    kinds,
    service,
    unique_narrative,
)


def test_unmoderated_complaint_is_accepted_after_7_days(session):
    complaint, _ = file(session, make_seller(session))
    assert service(session, NOW + timedelta(days=6)).enforce_deadlines()["accepted"] == 0
    later = NOW + timedelta(days=7, seconds=1)
    result = service(session, later).enforce_deadlines()
    session.commit()
    assert result == {"accepted": 1, "no_response": 0, "closed": 0, "rebuttal_unanswered": 0}
    assert complaint.status == "merchant_notified" and complaint.status_reason == AUTO_ACCEPT_REASON
    assert complaint.reply_due_at == later + timedelta(days=15)
    assert event_of(session, complaint).resolution is None
    assert not any(service(session, later).enforce_deadlines().values())
    # The merchant was sent a reply link at once; a reissued one replaces it.
    svc = service(session, later)
    assert svc.awaiting_reply_link() == []
    token = svc.issue_reply_link(complaint.id)
    svc.reply(complaint.id, "收到", token=token)
    assert complaint.status == "merchant_replied"


def test_no_reply_in_15_days_is_no_response_and_weighs_unanswered(session):
    complaint, _, rtoken = accepted(session)
    assert service(session, NOW + timedelta(days=15)).enforce_deadlines()["no_response"] == 0
    later = NOW + timedelta(days=15, seconds=1)
    assert service(session, later).enforce_deadlines()["no_response"] == 1
    session.commit()
    assert (
        complaint.status == "no_response"
        and event_of(session, complaint).resolution == "unanswered"
    )
    assert kinds(session)[-1] == "event_update"
    assert service(session, later).enforce_deadlines()["no_response"] == 0
    service(session, later).reply(complaint.id, "迟到的答复", token=rtoken)  # still allowed
    assert complaint.status == "merchant_replied"


def test_unconfirmed_reply_closes_after_15_days(session):
    complaint, ctoken, rtoken = accepted(session)
    service(session, NOW + timedelta(days=1)).reply(complaint.id, "已处理", token=rtoken)
    session.commit()
    assert service(session, NOW + timedelta(days=15)).enforce_deadlines()["closed"] == 0
    result = service(session, NOW + timedelta(days=16, seconds=1)).enforce_deadlines()
    session.commit()
    assert result["closed"] == 1
    assert (complaint.status, complaint.outcome) == ("closed", "unconfirmed")
    assert event_of(session, complaint).resolution == "unresolved"
    with pytest.raises(Conflict):
        service(session).confirm(complaint.id, ctoken, True)


def test_deadline_run_killed_halfway_is_finished_by_the_next_run(app, session):
    seller = make_seller(session)
    a, _ = file(session, seller, contact="13600000001", narrative=unique_narrative(1))
    b, _ = file(session, seller, contact="13600000002", narrative=unique_narrative(2))
    later = NOW + timedelta(days=8)
    assert service(session, later).due() == [a.id, b.id]
    session.commit()  # end the read so that the jobs below are the only writers
    # Each run is a job with its own session: killed before, then just after, a's commit.
    for commit in (False, True):
        with app.extensions["registry_db"].writer() as job:
            service(job, later).enforce_deadline(a.id)
            if commit:
                job.commit()
    with app.extensions["registry_db"].writer() as job:
        result = service(job, later).enforce_deadlines()
        job.commit()
        assert result["accepted"] == 1
        assert service(job, later).enforce_deadline(a.id) is None
    events = session.execute(select(Event.complaint_id).order_by(Event.id)).scalars().all()
    assert events == [a.id, b.id]
    assert verify_chain(session).ok


def test_a_session_reused_after_a_rollback_keeps_the_chain(session):
    complaint, _ = file(session, make_seller(session))
    service(session).accept(complaint.id, MODERATOR)
    session.rollback()
    service(session).accept(complaint.id, MODERATOR)
    session.commit()
    assert verify_chain(session).ok


def test_the_score_follows_the_complaint(session):
    seller = make_seller(session)
    scores = ScoreService(session, now=NOW + timedelta(days=20))

    def value():
        scores.rescore_changed()
        session.commit()
        session.expire_all()
        return session.get(SellerScore, seller.id).value

    clean = value()
    complaint, _, _ = accepted(session, seller, amount="2000")
    pending = value()
    service(session, NOW + timedelta(days=16)).enforce_deadlines()
    unanswered = value()
    service(session, NOW + timedelta(days=17)).mark_invalid(complaint.id, MODERATOR, "伪造")
    assert unanswered < pending < clean
    assert value() == clean


# -- views and the audit trail ------------------------------------------------------------


def test_public_view_never_leaks_private_fields(session):
    seller = make_seller(session)
    complaint, ctoken, rtoken = accepted(
        session,
        seller,
        contact="buyer@example.com",
        complainant_name="王小明",
        narrative=NARRATIVE + "联系 buyer@example.com 或王小明",
        order_ref="T-77",
        amount="88",
    )
    service(session).reply(complaint.id, "已退款", token=rtoken)
    view = service(session).public_view(complaint)
    assert set(view) == {
        "id",
        "seller",
        "category",
        "merchant_response",
        "status",
        "status_reason",
        "verification",
        "created_at",
        "narrative",
        "merchant_reply",
        "replied_at",
        "reply_late",
        "outcome",
        "narrative_shown",
        "rebuttal",
        "rebutted_at",
        "rebuttal_answer",
        "rebuttal_answered_at",
        "escalated_at",
        "escalation_reason",
        "decision",
        "decision_reason",
        "decided_at",
    }
    assert view["seller"] == seller.public_id and view["id"] == complaint.public_id
    dumped = json.dumps(view, ensure_ascii=False, default=str)
    for secret in (
        "buyer@example.com",
        "王小明",
        complaint.complainant_ref,
        complaint.complainant_token_digest,
        complaint.client_digest,
        ctoken,
        rtoken,
    ):
        assert secret not in dumped


def test_moderator_view_includes_the_original(session):
    complaint, _ = file(session, make_seller(session), narrative=NARRATIVE + "电话13812345678")
    view = service(session).moderator_view(complaint, MODERATOR)
    assert "13812345678" in view["narrative_original"] and view["contact"] == "13812345678"
    assert "complainant_token_digest" not in view and "client_digest" not in view
    with pytest.raises(Forbidden):
        service(session).moderator_view(complaint, Principal(4, "m", "merchant", seller_id=1))


def test_for_seller_lists_only_public_states(session):
    seller = make_seller(session)
    shown, _, _ = accepted(session, seller, contact="13600000001", narrative=unique_narrative(1))
    waiting, _ = file(session, seller, contact="13600000002", narrative=unique_narrative(2))
    rejected, _ = file(session, seller, contact="13600000003", narrative=unique_narrative(3))
    service(session).reject(rejected.id, MODERATOR, "重复")
    session.commit()
    svc = service(session)
    assert [c["id"] for c in svc.for_seller(seller.id)] == [shown.public_id]
    assert svc.for_seller(seller.id) == [svc.public_view(shown)]
    assert {c.id for c in svc.for_seller(seller.id, public=False)} == {
        shown.id,
        waiting.id,
        rejected.id,
    }
    assert [c.id for c in svc.moderation_queue()] == [waiting.id]


def test_get_by_public_id_or_not_found(session):
    complaint, _ = file(session, make_seller(session))
    assert service(session).get(complaint.public_id) is complaint
    with pytest.raises(NotFound):
        service(session).get("c-nothere")


def test_every_transition_is_audited_and_the_chain_verifies(session):
    complaint, ctoken, rtoken = accepted(session)
    service(session).reply(complaint.id, "已退款", token=rtoken)
    service(session).confirm(complaint.id, ctoken, True)
    session.commit()
    rows = (
        session.execute(
            select(AuditEntry).where(AuditEntry.entity == "complaint").order_by(AuditEntry.id)
        )
        .scalars()
        .all()
    )
    steps = [(r.action, r.values()[0], r.values()[1]["status"]) for r in rows]
    assert steps == [
        ("complaint.file", None, "submitted"),
        ("complaint.accept", {"status": "submitted"}, "merchant_notified"),
        ("complaint.reply", {"status": "merchant_notified"}, "merchant_replied"),
        ("complaint.confirm", {"status": "merchant_replied"}, "closed"),
    ]
    assert rows[1].actor == "moderator:mod" and rows[3].actor == "complainant"
    assert complaint.updated_at == NOW
    assert verify_chain(session).ok


def test_filing_needs_a_secret_reading_does_not(session):
    seller = make_seller(session)
    with pytest.raises(ValueError):
        ComplaintService(session, NOW).file(form(seller), "ip")
    assert ComplaintService(session, NOW).for_seller(seller.id) == []
