"""GET /api/v1/escalations and the regulator's decision, by token role; the consumer's
rebut and escalate through the API with the private token."""

from __future__ import annotations

import pytest

from ..factories import make_seller, make_token

NARRATIVE = "付款后商家一直不发货，客服也不回复，请帮忙处理。"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def replied(client, session):
    seller = make_seller(session)
    filed = client.post(
        "/api/v1/complaints",
        json={
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": NARRATIVE,
            "contact": "13812345678",
        },
    ).get_json()["data"]
    moderator = make_token(session, "moderator")
    accepted = client.post(
        f"/api/v1/complaints/{filed['id']}/accept", headers=auth(moderator)
    ).get_json()["data"]
    # No e-mail on record for this seller: nobody could be told, the moderator gets the link.
    assert accepted["merchant_notified"] is False and accepted["reply_url"]
    reply_token = accepted["reply_url"].split("#token=")[1]
    client.post(
        f"/api/v1/complaints/{filed['id']}/reply", json={"reply": "已发货。", "token": reply_token}
    )
    return filed


def test_the_consumer_escalates_and_the_regulator_decides(client, session, replied):
    public_id, token = replied["id"], replied["token"]
    wrong = client.post(f"/api/v1/complaints/{public_id}/escalate", json={"token": "cpt_x"})
    assert wrong.status_code == 401 and "error" in wrong.get_json()
    done = client.post(
        f"/api/v1/complaints/{public_id}/escalate", json={"token": token, "reason": "答复不实"}
    )
    assert done.status_code == 200 and done.get_json()["data"]["status"] == "escalated"
    regulator = make_token(session, "regulator")
    queue = client.get("/api/v1/escalations", headers=auth(regulator))
    body = queue.get_json()
    assert queue.status_code == 200 and body["meta"]["total"] == 1
    case = body["data"][0]
    assert case["id"] == public_id and case["narrative_original"] == NARRATIVE
    assert [s["step"] for s in case["timeline"]][-1] == "escalated"
    assert queue.headers["Cache-Control"] == "no-store"
    decided = client.post(
        f"/api/v1/escalations/{public_id}/decision",
        headers=auth(regulator),
        json={"decision": "upheld", "reason": "商家未能证明已发货。"},
    )
    data = decided.get_json()["data"]
    assert decided.status_code == 200 and data["outcome"] == "regulator_upheld"
    public = client.get(f"/api/v1/complaints/{public_id}").get_json()["data"]
    assert public["decision"] == "upheld" and public["decision_reason"] == "商家未能证明已发货。"
    again = client.post(
        f"/api/v1/escalations/{public_id}/decision",
        headers=auth(regulator),
        json={"decision": "upheld", "reason": "再次"},
    )
    assert again.status_code == 409


@pytest.mark.parametrize("role", ["moderator", "platform", "merchant"])
def test_only_regulator_tokens_read_the_queue(client, session, role, replied):
    seller = make_seller(session)
    token = make_token(session, role, seller_id=seller.id if role == "merchant" else None)
    assert client.get("/api/v1/escalations", headers=auth(token)).status_code == 403
    refused = client.post(
        f"/api/v1/escalations/{replied['id']}/decision",
        headers=auth(token),
        json={"decision": "upheld", "reason": "x"},
    )
    assert refused.status_code == 403
    assert client.get("/api/v1/escalations").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "maybe", "reason": "x"},
        {"decision": "upheld"},
        {"decision": ["upheld"], "reason": "x"},
        {"decision": "upheld", "reason": {"a": 1}},
    ],
)
def test_bad_decisions_are_4xx_with_the_envelope(client, session, replied, body):
    client.post(f"/api/v1/complaints/{replied['id']}/escalate", json={"token": replied["token"]})
    regulator = make_token(session, "regulator")
    answer = client.post(
        f"/api/v1/escalations/{replied['id']}/decision", headers=auth(regulator), json=body
    )
    assert 400 <= answer.status_code < 500 and "error" in answer.get_json()


def test_rebut_through_the_api(client, replied):
    answer = client.post(
        f"/api/v1/complaints/{replied['id']}/rebut",
        json={"token": replied["token"], "rebuttal": "没有收到货。"},
    )
    assert answer.status_code == 200 and answer.get_json()["data"]["status"] == "rebutted"
    assert answer.get_json()["data"]["rebuttal"] == "没有收到货。"
