"""What a webhook carries is public: planted private values never leave in a delivery."""

from __future__ import annotations

import json

from sqlmodel import select

from registry.complaints.models import Complaint
from registry.trust.models import ApiToken
from web import jobs

from ..factories import make_seller, make_token
from .test_subscriptions import bearer, receiver, sanction, subscribe  # noqa: F401

PRIVATE = {
    "complainant_name": "欧阳秘密",
    "contact": "13800138000",
    "other_contact": "13700137000",
    "narrative_phone": "13912345678",
    "email": "secret.person@example.com",
}


def file_complaint(client, seller, contact: str, story: str) -> tuple[str, str]:
    filed = client.post(
        "/api/v1/complaints",
        json={
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "order_ref": "TB2026001",
            "complainant_name": PRIVATE["complainant_name"],
            "contact": contact,
            "narrative": f"{story}，请打 {PRIVATE['narrative_phone']} 或写信 {PRIVATE['email']}",
        },
    )
    assert filed.status_code == 201, filed.json
    return filed.json["data"]["id"], filed.json["data"]["token"]


def test_deliveries_carry_no_private_field(app, client, session, receiver):  # noqa: F811
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True
    seller = make_seller(session)
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    moderator = make_token(session, "moderator")
    merchant = make_token(session, "merchant", seller_id=seller.id)
    subscribe(client, watcher, receiver.url, sellers=[seller.public_id])
    sanction(client, regulator, seller, summary=f"处罚，举报人 {PRIVATE['email']}")

    closed, consumer_token = file_complaint(
        client, seller, PRIVATE["contact"], "付款后一直没有发货"
    )
    client.post(f"/api/v1/complaints/{closed}/accept", json={}, headers=bearer(moderator))
    client.post(
        f"/api/v1/complaints/{closed}/reply",
        json={"reply": f"已补发，请联系 {PRIVATE['contact']}"},
        headers=bearer(merchant),
    )
    done = client.post(
        f"/api/v1/complaints/{closed}/confirm", json={"token": consumer_token, "resolved": True}
    )
    assert done.status_code == 200
    invalid, _ = file_complaint(
        client, seller, PRIVATE["other_contact"], "收到的商品与描述严重不符而且客服不理睬"
    )
    client.post(f"/api/v1/complaints/{invalid}/accept", json={}, headers=bearer(moderator))
    marked = client.post(
        f"/api/v1/complaints/{invalid}/invalid",
        json={"reason": f"重复投诉 {PRIVATE['narrative_phone']}"},
        headers=bearer(moderator),
    )
    assert marked.status_code == 200, marked.json
    jobs.derive_alerts(app)
    jobs.deliver_alerts(app)

    events = [json.loads(r.body) for r in receiver.requests]
    assert sorted(e["type"] for e in events) == [
        "complaint_outcome",
        "complaint_outcome",
        "sanction",
    ]
    outcomes = {
        e["data"]["complaint"]: e["data"]["outcome"] for e in events if e["data"].get("complaint")
    }
    assert outcomes == {closed: "resolved", invalid: "invalid"}
    for event in events:
        assert set(event) == {"id", "type", "seller", "occurred_at", "data"}
    secrets = [
        *PRIVATE.values(),
        consumer_token,
        watcher,
        regulator,
        moderator,
        merchant,
        *session.exec(select(ApiToken.digest)).all(),
        *[
            d
            for c in session.exec(select(Complaint)).all()
            for d in (c.client_digest, c.complainant_ref, c.reply_token_digest)
            if d
        ],
    ]
    sent = b"".join(r.body for r in receiver.requests).decode()
    for value in secrets:
        assert value not in sent, value
    for key in ("contact", "narrative", "original", "token", "complainant_name"):
        assert f'"{key}' not in sent
