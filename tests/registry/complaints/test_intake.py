"""Filing: fields, amounts, purchase verification, rate limits and duplicates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from registry.core.errors import (
    Conflict,
    RateLimited,
    ValidationFailed,
)
from registry.events.models import Event
from registry.events.service import EventService
from registry.privacy import contact_digest

from ...factories import make_seller
from .helpers import (
    MODERATOR,
    NARRATIVE,
    NOW,
    SECRET,
    accepted,
    file,
    form,
    service,
    sha,
    unique_narrative,
)


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
