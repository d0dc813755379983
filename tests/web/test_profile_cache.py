"""A worker's cached profile page is forgotten whenever what the page shows changes."""

from __future__ import annotations

from datetime import timedelta

from registry.complaints.service import ComplaintService
from registry.core.types import utcnow

from ..factories import make_seller, make_token

FORM = {
    "category": "contract_fulfillment",
    "order_ref": "TB2026001",
    "amount": "199.00",
    "desired_resolution": "退款",
    "complainant_name": "王小明",
    "contact": "13800138000",
    "narrative": "付款后一直没有发货，客服也不回复。",
}


def _replied(client, session):
    """A seller, and a complaint its merchant answered in time: (seller, id, consumer token)."""
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    merchant = make_token(session, "merchant", seller_id=seller.id)
    filed = client.post("/api/v1/complaints", json={**FORM, "seller": seller.public_id}).json
    cid, consumer = filed["data"]["id"], filed["data"]["token"]
    bearer = {"Authorization": f"Bearer {moderator}"}
    assert (
        client.post(f"/api/v1/complaints/{cid}/accept", json={}, headers=bearer).status_code == 200
    )
    replied = client.post(
        f"/api/v1/complaints/{cid}/reply",
        json={"reply": "已补发，单号SF1"},
        headers={"Authorization": f"Bearer {merchant}"},
    )
    assert replied.status_code == 200
    return seller, cid, consumer


def test_a_complaint_closed_unresolved_shows_on_a_cached_profile(client, session):
    """Confirming "unresolved" after the merchant's reply leaves the scoring event as it was
    (the reply already counted it unresolved), but the page shows the complaint closed."""
    seller, cid, consumer = _replied(client, session)
    profile = f"/sellers/{seller.public_id}?lang=en"
    assert "Outcome" not in client.get(profile).get_data(as_text=True)  # now cached
    closed = client.post(
        f"/api/v1/complaints/{cid}/confirm", json={"token": consumer, "resolved": False}
    )
    assert closed.json["data"]["status"] == "closed"
    assert "Outcome" in client.get(profile).get_data(as_text=True)


def test_a_complaint_closed_unconfirmed_shows_on_a_cached_profile(client, session):
    """Unconfirmed past the deadline: closed as the reply left it, for scoring too."""
    seller, _, _ = _replied(client, session)
    profile = f"/sellers/{seller.public_id}?lang=en"
    assert "Outcome" not in client.get(profile).get_data(as_text=True)  # now cached
    later = ComplaintService(session, now=utcnow() + timedelta(days=16))
    assert later.enforce_deadlines()["closed"] == 1
    session.commit()
    assert "Outcome" in client.get(profile).get_data(as_text=True)
