from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from registry.complaints.rules import AUTO_ACCEPT_REASON
from registry.complaints.service import ComplaintService
from registry.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from registry.events.models import Event
from registry.events.service import EventService
from registry.journal.audit import verify_chain
from registry.journal.models import AuditEntry, ChangeLogEntry
from registry.privacy import contact_digest
from registry.scores.models import SellerScore
from registry.scores.service import ScoreService
from registry.trust.tokens import Principal

from ...factories import make_seller

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SECRET = "complaint-test-secret"
MODERATOR = Principal(1, "mod", "moderator")
NARRATIVE = "付款后商家一直不发货，客服也不回复，请平台帮忙处理退款。"


def service(session, now=NOW, **kwargs) -> ComplaintService:
    return ComplaintService(session, now, secret=SECRET, **kwargs)


def form(seller, **overrides) -> dict:
    return {
        "seller": seller.public_id,
        "category": "contract_fulfillment",
        "narrative": NARRATIVE,
        "contact": "13812345678",
        **overrides,
    }


def unique_narrative(i: int) -> str:
    rng = random.Random(i)
    return "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(60))


def file(session, seller, now=NOW, client="ip-1", **overrides):
    complaint, token = service(session, now).file(form(seller, **overrides), client)
    session.commit()
    return complaint, token


def accepted(session, seller=None, **overrides):
    """Return (complaint, complainant token, reply token) of an accepted complaint."""
    seller = seller or make_seller(session)
    complaint, ctoken = file(session, seller, **overrides)
    rtoken = service(session).accept(complaint.id, MODERATOR)
    session.commit()
    return complaint, ctoken, rtoken


def merchant(seller) -> Principal:
    return Principal(9, "shop", "merchant", seller_id=seller.id)


def event_of(session, complaint) -> Event:
    return session.execute(select(Event).where(Event.complaint_id == complaint.id)).scalar_one()


def kinds(session) -> list[str]:
    return list(session.execute(select(ChangeLogEntry.kind).order_by(ChangeLogEntry.seq)).scalars())


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- filing -------------------------------------------------------------------------------


def test_file_stores_a_submitted_complaint_with_private_and_public_text(session):
    seller = make_seller(session)
    complaint, token = file(
        session,
        seller,
        narrative=NARRATIVE + "我是王小明，电话13812345678。",
        complainant_name="王小明",
    )
    assert complaint.status == "submitted" and complaint.public_id.startswith("c-")
    assert complaint.moderation_due_at == NOW + timedelta(days=7)
    assert (
        "13812345678" in complaint.narrative_original and "王小明" in complaint.narrative_original
    )
    assert (
        "13812345678" not in complaint.narrative_public
        and "王小明" not in complaint.narrative_public
    )
    assert "【电话已隐去】" in complaint.narrative_public
    assert complaint.complainant_ref == contact_digest("13812345678", SECRET)
    assert complaint.complainant_token_digest == sha(token) and token.startswith("cpt_")
    assert complaint.client_digest not in (None, "ip-1") and len(complaint.client_digest) == 64
    assert complaint.verification == "unverified"
    assert session.execute(select(Event)).first() is None


def test_file_reports_every_field_error_at_once(session):
    with pytest.raises(ValidationFailed) as err:
        service(session).file(
            {
                "seller": "s-nosuchseller",
                "category": "bad",
                "narrative": "太短",
                "order_ref": "x" * 65,
                "amount": "1.234",
                "desired_resolution": "y" * 501,
                "complainant_name": "z" * 101,
            },
            "ip",
        )
    assert set(err.value.details) == {
        "seller",
        "category",
        "narrative",
        "order_ref",
        "amount",
        "desired_resolution",
        "complainant_name",
        "contact",
    }


@pytest.mark.parametrize("amount", ["-1", "10000000.01", "1.234", "abc", "NaN", True])
def test_bad_amounts_are_refused(session, amount):
    seller = make_seller(session)
    with pytest.raises(ValidationFailed) as err:
        service(session).file(form(seller, amount=amount), "ip")
    assert set(err.value.details) == {"amount"}


@pytest.mark.parametrize(
    "amount, stored", [("10000000", "10000000"), (0, "0"), ("1,299.50", "1299.50")]
)
def test_good_amounts_are_stored_as_decimals(session, amount, stored):
    complaint, _ = file(session, make_seller(session), amount=amount)
    assert complaint.amount == Decimal(stored)


def test_contact_must_look_like_a_phone_or_email(session):
    seller = make_seller(session)
    with pytest.raises(ValidationFailed) as err:
        service(session).file(form(seller, contact="call me"), "ip")
    assert set(err.value.details) == {"contact"}
    complaint, _ = file(session, seller, contact="Buyer@Example.com")
    assert complaint.complainant_ref == contact_digest("buyer@example.com", SECRET)


def test_narrative_keeps_newlines_and_markup_as_text(session):
    narrative = "第一行 <script>alert('x')</script>\r\n\n\n\n第二行\t有  空格"
    complaint, _ = file(session, make_seller(session), narrative=narrative)
    assert complaint.narrative_original == "第一行 <script>alert('x')</script>\n\n第二行 有 空格"
    assert complaint.narrative_public == complaint.narrative_original


def test_order_known_to_a_platform_makes_the_complaint_purchase_verified(session):
    seller = make_seller(session)
    list(
        EventService(session, "platform:test", "platform", now=NOW).submit(
            [
                {
                    "seller": seller.public_id,
                    "kind": "order",
                    "occurred_at": NOW - timedelta(days=3),
                    "verification": "platform",
                    "order_ref": "T-1001",
                },
                {
                    "seller": seller.public_id,
                    "kind": "order",
                    "occurred_at": NOW - timedelta(days=3),
                    "verification": "unverified",
                    "order_ref": "T-1002",
                },
            ]
        )
    )
    session.commit()
    verified, _ = file(session, seller, order_ref="T-1001")
    claimed, _ = file(
        session, seller, order_ref="T-1002", contact="13900000000", narrative=unique_narrative(1)
    )
    assert verified.verification == "purchase"
    assert claimed.verification == "unverified"


# -- abuse --------------------------------------------------------------------------------


def test_hourly_rate_limit_per_client(session):
    seller = make_seller(session)
    for i in range(5):
        file(session, seller, contact=f"1390000000{i}", narrative=unique_narrative(i))
    with pytest.raises(RateLimited) as err:
        file(session, seller, contact="13911111111", narrative=unique_narrative(9))
    assert "5 an hour" in err.value.message and err.value.details["retry_after"] > 0
    file(session, seller, client="ip-2", contact="13911111111", narrative=unique_narrative(9))
    later = NOW + timedelta(minutes=61)
    file(session, seller, now=later, contact="13922222222", narrative=unique_narrative(10))


def test_daily_rate_limit_per_client(session):
    seller = make_seller(session)
    for i in range(20):
        at = NOW + timedelta(hours=i // 5 * 2)
        file(session, seller, now=at, contact=f"139000000{i:02d}", narrative=unique_narrative(i))
    with pytest.raises(RateLimited) as err:
        file(
            session,
            seller,
            now=NOW + timedelta(hours=9),
            contact="13999999999",
            narrative=unique_narrative(99),
        )
    assert "20 a day" in err.value.message
    file(
        session,
        seller,
        now=NOW + timedelta(hours=24, minutes=1),
        contact="13999999999",
        narrative=unique_narrative(99),
    )


def test_same_complainant_against_the_same_seller_is_a_duplicate_while_open(session):
    seller = make_seller(session)
    file(session, seller, contact="13812345678")
    with pytest.raises(Conflict) as err:
        file(session, seller, contact="+86 138-1234-5678", narrative=unique_narrative(1))
    assert err.value.details == {"reason": "duplicate_complainant"}
    assert "90 days" in err.value.message
    file(session, make_seller(session), contact="13812345678")  # another seller is fine


def test_same_complainant_may_file_again_after_a_rejection(session):
    seller = make_seller(session)
    complaint, _ = file(session, seller)
    service(session).reject(complaint.id, MODERATOR, "请补充订单信息")
    session.commit()
    file(session, seller, narrative=NARRATIVE + "订单号 T-1。")


def test_same_complainant_is_blocked_for_90_days_after_closing(session):
    seller = make_seller(session)
    complaint, ctoken, rtoken = accepted(session, seller)
    service(session).reply(complaint.id, "已退款", token=rtoken)
    service(session).confirm(complaint.id, ctoken, True)
    session.commit()
    new = form(seller, narrative=unique_narrative(3))
    with pytest.raises(Conflict):
        service(session, NOW + timedelta(days=89)).file(new, "ip-9")
    service(session, NOW + timedelta(days=91)).file(new, "ip-9")


def test_near_identical_narrative_against_the_same_seller_within_7_days(session):
    seller = make_seller(session)
    file(session, seller, contact="13800000001")
    with pytest.raises(Conflict) as err:
        file(
            session,
            seller,
            contact="13800000002",
            narrative=NARRATIVE.replace("，", " ").replace("。", "!!"),
            client="ip-2",
        )
    assert err.value.details == {"reason": "duplicate_narrative"}
    assert "7 days" in err.value.message
    almost = NARRATIVE[:-3] + "谢谢。"
    with pytest.raises(Conflict):
        file(session, seller, contact="13800000003", narrative=almost, client="ip-3")
    file(session, seller, now=NOW + timedelta(days=8), contact="13800000004", client="ip-4")


# -- moderation ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["merchant", "regulator", "platform"])
def test_only_moderators_accept(session, role):
    complaint, _ = file(session, make_seller(session))
    with pytest.raises(Forbidden):
        service(session).accept(
            complaint.id, Principal(2, "x", role, seller_id=complaint.seller_id)
        )


def test_accept_notifies_the_merchant_and_creates_a_pending_event(session):
    seller = make_seller(session)
    complaint, _, rtoken = accepted(session, seller, order_ref="T-9")
    assert complaint.status == "merchant_notified"
    assert complaint.reply_due_at == NOW + timedelta(days=15)
    assert complaint.reply_token_digest == sha(rtoken) and rtoken.startswith("crt_")
    event = event_of(session, complaint)
    assert (event.kind, event.resolution, event.severity) == ("complaint", None, "minor")
    assert event.verification == "unverified" and event.source == "complaint-intake"
    # unverified: no references of its own, so the burst rule of SCORING.md applies to it
    assert complaint.verification == "unverified"
    assert event.complainant_ref is None and event.order_ref is None
    assert event.summary == complaint.narrative_public and event.occurred_at == NOW
    assert event.category == "contract_fulfillment" and event.seller_id == seller.id
    assert kinds(session)[-1] == "event"


def test_accept_rechecks_purchase_verification(session):
    seller = make_seller(session)
    complaint, _ = file(session, seller, order_ref="T-5")
    list(
        EventService(session, "platform:test", "platform", now=NOW).submit(
            [
                {
                    "seller": seller.public_id,
                    "kind": "order",
                    "occurred_at": NOW - timedelta(days=1),
                    "verification": "platform",
                    "order_ref": "T-5",
                }
            ]
        )
    )
    service(session).accept(complaint.id, MODERATOR)
    assert complaint.verification == "purchase" == event_of(session, complaint).verification


@pytest.mark.parametrize(
    "amount, severity", [(None, "minor"), ("999.99", "minor"), ("1000", "moderate")]
)
def test_severity_follows_the_amount(session, amount, severity):
    complaint, _, _ = accepted(session, amount=amount)
    assert event_of(session, complaint).severity == severity


def test_moderator_may_set_severity(session):
    complaint, _ = file(session, make_seller(session))
    with pytest.raises(ValidationFailed):
        service(session).accept(complaint.id, MODERATOR, severity="huge")
    service(session).accept(complaint.id, MODERATOR, severity="harm")
    assert event_of(session, complaint).severity == "harm"


def test_accepting_twice_is_a_conflict_naming_the_state(session):
    complaint, _, _ = accepted(session)
    with pytest.raises(Conflict) as err:
        service(session).accept(complaint.id, MODERATOR)
    assert "merchant_notified" in err.value.message


def test_reject_needs_a_reason_and_creates_no_event(session):
    complaint, ctoken = file(session, make_seller(session))
    with pytest.raises(ValidationFailed):
        service(session).reject(complaint.id, MODERATOR, "  ")
    service(session).reject(complaint.id, MODERATOR, "内容与商家无关")
    session.commit()
    assert complaint.status == "rejected" and complaint.status_reason == "内容与商家无关"
    assert complaint.complainant_token_digest is None
    assert session.execute(select(Event)).first() is None
    with pytest.raises(Conflict):
        service(session).accept(complaint.id, MODERATOR)


def test_mark_invalid_only_after_acceptance(session):
    complaint, _ = file(session, make_seller(session))
    with pytest.raises(Conflict):
        service(session).mark_invalid(complaint.id, MODERATOR, "虚假投诉")


@pytest.mark.parametrize("stage", ["merchant_notified", "merchant_replied", "closed"])
def test_mark_invalid_zeroes_the_event(session, stage):
    complaint, ctoken, rtoken = accepted(session)
    if stage != "merchant_notified":
        service(session).reply(complaint.id, "请提供订单号", token=rtoken)
    if stage == "closed":
        service(session).confirm(complaint.id, ctoken, False)
    session.commit()
    service(session).mark_invalid(complaint.id, MODERATOR, "证据为伪造")
    session.commit()
    assert complaint.status == "invalid" and complaint.status_reason == "证据为伪造"
    assert event_of(session, complaint).resolution == "invalid"
    assert kinds(session)[-1] == "event_update"
    with pytest.raises(Conflict):
        service(session).mark_invalid(complaint.id, MODERATOR, "again")
    with pytest.raises(Forbidden):
        service(session).mark_invalid(complaint.id, Principal(3, "r", "regulator"), "x")


# -- merchant reply -----------------------------------------------------------------------


def test_merchant_replies_with_its_own_token(session):
    seller = make_seller(session)
    complaint, _, _ = accepted(session, seller, complainant_name="王小明")
    service(session, NOW + timedelta(days=2)).reply(
        complaint.id, "王先生您好，已联系快递。\n客服电话 0571-88886666", principal=merchant(seller)
    )
    session.commit()
    assert complaint.status == "merchant_replied"
    assert complaint.merchant_reply == "【姓名已隐去】您好，已联系快递。\n客服电话 【电话已隐去】"
    assert complaint.replied_at == NOW + timedelta(days=2) and complaint.reply_token_digest is None
    assert event_of(session, complaint).resolution == "unresolved"
    assert kinds(session)[-1] == "event_update"


def test_merchant_of_another_seller_or_other_roles_may_not_reply(session):
    complaint, _, _ = accepted(session)
    with pytest.raises(Forbidden):
        service(session).reply(complaint.id, "不是我们", principal=merchant(make_seller(session)))
    with pytest.raises(Forbidden):
        service(session).reply(complaint.id, "我是审核员", principal=MODERATOR)


def test_reply_link_works_once(session):
    complaint, _, rtoken = accepted(session)
    with pytest.raises(Unauthorized):
        service(session).reply(complaint.id, "答复", token=rtoken + "x")
    with pytest.raises(Unauthorized):
        service(session).reply(complaint.id, "答复")
    service(session).reply(complaint.id, "已补发", token=rtoken)
    session.commit()
    with pytest.raises(Unauthorized) as err:
        service(session).reply(complaint.id, "再次答复", token=rtoken)
    assert "already used" in err.value.message


def test_reply_needs_text_and_an_accepted_complaint(session):
    seller = make_seller(session)
    complaint, _, rtoken = accepted(session, seller)
    with pytest.raises(ValidationFailed):
        service(session).reply(complaint.id, " \n ", token=rtoken)
    with pytest.raises(ValidationFailed):
        service(session).reply(complaint.id, "长" * 5001, token=rtoken)
    fresh, _ = file(session, seller, contact="13700000000", narrative=unique_narrative(5))
    with pytest.raises(Conflict) as err:
        service(session).reply(fresh.id, "抢先答复", principal=merchant(seller))
    assert "submitted" in err.value.message


def test_late_reply_is_shown_but_the_event_stays_unanswered(session):
    complaint, _, rtoken = accepted(session)
    late = NOW + timedelta(days=16)  # the scheduler has not run yet
    service(session, late).reply(complaint.id, "抱歉回复晚了", token=rtoken)
    session.commit()
    assert complaint.status == "merchant_replied"
    assert complaint.status_reason == "商家逾期答复"
    assert event_of(session, complaint).resolution == "unanswered"
    actions = list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())
    assert actions[-3:] == ["complaint.no_response", "event.update", "complaint.reply"]
    assert service(session).public_view(complaint)["reply_late"] is True
    assert kinds(session)[-1] == "complaint"


def test_moderator_may_reissue_a_lost_reply_link(session):
    complaint, _, old = accepted(session)
    with pytest.raises(Forbidden):
        service(session).reissue_reply_token(complaint.id, Principal(5, "p", "platform"))
    new = service(session).reissue_reply_token(complaint.id, MODERATOR)
    with pytest.raises(Unauthorized):
        service(session).reply(complaint.id, "旧链接", token=old)
    service(session).reply(complaint.id, "新链接", token=new)
    with pytest.raises(Conflict):
        service(session).reissue_reply_token(complaint.id, MODERATOR)
    actions = session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert "complaint.reply_link" in actions


# -- consumer confirmation ----------------------------------------------------------------


@pytest.mark.parametrize("resolved, resolution", [(True, "resolved"), (False, "unresolved")])
def test_consumer_confirms_the_outcome(session, resolved, resolution):
    complaint, ctoken, rtoken = accepted(session)
    service(session).reply(complaint.id, "已退款", token=rtoken)
    service(session).confirm(complaint.id, ctoken, resolved)
    session.commit()
    assert complaint.status == "closed" and complaint.outcome == resolution
    assert complaint.complainant_token_digest is None
    assert event_of(session, complaint).resolution == resolution
    with pytest.raises(Unauthorized):
        service(session).confirm(complaint.id, ctoken, resolved)


def test_confirm_needs_a_boolean(session):
    complaint, ctoken, rtoken = accepted(session)
    service(session).reply(complaint.id, "已退款", token=rtoken)
    with pytest.raises(ValidationFailed):
        service(session).confirm(complaint.id, ctoken, "false")


def test_confirm_needs_the_complainant_token_and_a_reply(session):
    complaint, ctoken, rtoken = accepted(session)
    with pytest.raises(Conflict) as err:
        service(session).confirm(complaint.id, ctoken, True)
    assert "merchant_notified" in err.value.message
    service(session).reply(complaint.id, "已退款", token=rtoken)
    with pytest.raises(Unauthorized):
        service(session).confirm(complaint.id, rtoken, True)
    with pytest.raises(Unauthorized):
        service(session).confirm(complaint.id, "", True)


@pytest.mark.parametrize("resolved, resolution", [(True, "unresolved"), (False, "unanswered")])
def test_late_reply_confirmed_earns_at_most_answered(session, resolved, resolution):
    complaint, ctoken, rtoken = accepted(session)
    service(session, NOW + timedelta(days=20)).reply(complaint.id, "晚了", token=rtoken)
    service(session, NOW + timedelta(days=21)).confirm(complaint.id, ctoken, resolved)
    session.commit()
    assert complaint.outcome == ("resolved" if resolved else "unresolved")
    assert event_of(session, complaint).resolution == resolution


# -- deadlines ----------------------------------------------------------------------------


def test_unmoderated_complaint_is_accepted_after_7_days(session):
    complaint, _ = file(session, make_seller(session))
    assert service(session, NOW + timedelta(days=6)).enforce_deadlines()["accepted"] == 0
    later = NOW + timedelta(days=7, seconds=1)
    result = service(session, later).enforce_deadlines()
    session.commit()
    assert result == {"accepted": 1, "no_response": 0, "closed": 0}
    assert complaint.status == "merchant_notified" and complaint.status_reason == AUTO_ACCEPT_REASON
    assert complaint.reply_due_at == later + timedelta(days=15)
    assert event_of(session, complaint).resolution is None
    assert service(session, later).enforce_deadlines() == {
        "accepted": 0,
        "no_response": 0,
        "closed": 0,
    }
    # The notifier then issues the merchant's link, once.
    svc = service(session, later)
    assert svc.awaiting_reply_link() == [complaint]
    token = svc.issue_reply_link(complaint.id)
    assert svc.awaiting_reply_link() == []
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
    with pytest.raises(Unauthorized):
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
        "status",
        "status_reason",
        "verification",
        "created_at",
        "narrative",
        "merchant_reply",
        "replied_at",
        "reply_late",
        "outcome",
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
