"""What a fraud report says was lost is published, in its currency, as the reader's language
writes it; an abnormal-operations listing shows its reason in words, not its code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..factories import make_seller, make_token
from .helpers import settle


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def days_ago(n: int) -> str:
    return (datetime.now(UTC) - timedelta(days=n)).date().isoformat()


def fraud(seller, ref, **extra) -> dict:
    return {
        "seller": seller.public_id,
        "scam_type": "deposit_scam",
        "verification": "regulator",
        "occurred_at": days_ago(3),
        "external_ref": ref,
        **extra,
    }


def test_amount_lost_in_the_api_record_and_on_the_profile(app, client, session):
    seller = make_seller(session)
    regulator = make_token(session, "regulator")
    records = [
        fraud(seller, "F-1", amount="12800.5", currency="CNY", evidence_ref="case/secret-77"),
        fraud(seller, "F-2", amount="3000", currency="JPY", occurred_at=days_ago(1)),
        fraud(seller, "F-3"),  # no amount given
    ]
    answer = client.post("/api/v1/fraud-reports", json=records, headers=auth(regulator))
    assert [r["status"] for r in answer.json["data"]] == ["created"] * 3, answer.json
    settle(app)
    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    shown = {(f["amount"], f["currency"]) for f in record["fraud_reports"]}
    assert shown == {("12800.50", "CNY"), ("3000", "JPY"), (None, None)}
    assert record["fraud_reports"][0]["scam_type"] == "deposit_scam"
    assert "secret-77" not in str(record)  # the evidence reference stays private
    zh = client.get(f"/sellers/{seller.public_id}", query_string={"lang": "zh"})
    html = zh.get_data(as_text=True)
    assert "¥12,800.50" in html and "JP¥3,000" in html and "损失" in html
    en = client.get(f"/sellers/{seller.public_id}", query_string={"lang": "en"})
    text = en.get_data(as_text=True)
    assert "CN¥12,800.50" in text and "¥3,000" in text and "Lost:" in text
    assert "secret-77" not in html + text


def test_the_abnormal_operations_reason_is_labelled(app, client, session):
    seller = make_seller(session)
    regulator = make_token(session, "regulator")
    listing = {
        "seller": seller.public_id,
        "kind": "abnormal_operations",
        "reason": "unreachable",
        "decision_number": "杭市监异〔2026〕9号",
        "authority": "杭州市市场监督管理局",
        "decided_on": days_ago(5),
        "external_ref": "A-9",
    }
    answer = client.post("/api/v1/sanctions", json=[listing], headers=auth(regulator))
    assert answer.json["data"][0]["status"] == "created", answer.json
    settle(app)
    zh = client.get(f"/sellers/{seller.public_id}", query_string={"lang": "zh"})
    html = zh.get_data(as_text=True)
    assert "通过登记的住所或者经营场所无法联系" in html and ">unreachable<" not in html
    assert "unreachable" not in html.split("<main")[1]
    en = client.get(f"/sellers/{seller.public_id}", query_string={"lang": "en"})
    assert "Not reachable at the registered address" in en.get_data(as_text=True)
