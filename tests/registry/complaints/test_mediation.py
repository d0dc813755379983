"""Moderation, merchant replies and the consumer's confirmation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.core.errors import (
    Conflict,
    Forbidden,
    Unauthorized,
    ValidationFailed,
)
from registry.events.models import Event
from registry.events.service import EventService
from registry.journal.models import AuditEntry
from registry.trust.tokens import Principal

from ...factories import make_seller
from .helpers import (
    MODERATOR,
    NOW,
    accepted,
    event_of,
    file,
    kinds,
    merchant,
    service,
    sha,
    unique_narrative,
)


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
    # The private link still opens the status page, which shows the reason.
    assert service(session).open_with_token(complaint.id, ctoken) is complaint
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
    assert event_of(session, complaint).resolution == resolution
    with pytest.raises(Conflict):
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
