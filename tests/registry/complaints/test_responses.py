"""What a merchant's answer does (as CFPB publishes a company's response) and the settlement
it offers: the kind is public, the money is between the parties and reaches the consumer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from registry.core.errors import ValidationFailed
from registry.notify.models import Notification
from registry.registration.models import Seller

from .helpers import accepted, merchant, service


def test_an_offer_of_money_is_shown_to_the_consumer_not_the_public(session):
    complaint, _, _ = accepted(session)
    svc = service(session)
    seller = session.get(Seller, complaint.seller_id)
    svc.reply(
        complaint.id,
        "同意退款，已联系顾客。",
        principal=merchant(seller),
        response="monetary_relief",
        settlement="199.50",
    )
    session.commit()
    row = svc.get(complaint.id)
    assert (row.merchant_response, row.settlement_amount) == ("monetary_relief", Decimal("199.50"))
    public = svc.public_view(row)
    assert public["merchant_response"] == "monetary_relief"
    assert "199.5" not in repr(public)
    notes = (
        session.execute(select(Notification).where(Notification.template == "replied"))
        .scalars()
        .all()
    )
    assert notes and notes[-1].context.get("settlement") == "199.50"


@pytest.mark.parametrize(
    ("response", "settlement", "field"),
    [
        ("refund_everything", None, "response"),
        ("monetary_relief", None, "settlement"),
        ("explanation", "10", "settlement"),
        ("monetary_relief", "-5", "settlement"),
        ("monetary_relief", "NaN", "settlement"),
        ("monetary_relief", "1e9", "settlement"),
        ("monetary_relief", "0.001", "settlement"),
    ],
)
def test_a_bad_response_or_offer_is_refused_and_nothing_changes(
    session, response, settlement, field
):
    complaint, _, _ = accepted(session)
    seller = session.get(Seller, complaint.seller_id)
    with pytest.raises(ValidationFailed) as refused:
        service(session).reply(
            complaint.id,
            "答复内容。",
            principal=merchant(seller),
            response=response,
            settlement=settlement,
        )
    assert field in refused.value.details
    session.rollback()
    assert service(session).get(complaint.id).status == "merchant_notified"
