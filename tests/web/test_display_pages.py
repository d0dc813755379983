"""What results, the profile and the API show of a seller: NR without a number, risk flags
(registry.read.display, one set of rules for all three)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from registry.events.service import EventService

from ..factories import make_seller
from .helpers import settle


def _regulator_event(session, seller, **event):
    results = list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": seller.public_id,
                    "occurred_at": datetime.now(UTC) - timedelta(days=3),
                    "verification": "regulator",
                    **event,
                }
            ]
        )
    )
    assert results[0].status == "created", results
    session.commit()


def _card(html: str, name: str) -> str:
    cards = re.findall(r'<li class="hit">.*?</li>', html, re.S)
    [card] = [c for c in cards if name in c]
    return card


def test_a_seller_with_limited_history_shows_nr_and_no_number_anywhere(client, session, app):
    seller = make_seller(session, legal_name="杭州记录不足测试有限公司")
    settle(app)
    score = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]["score"]
    assert score["limited_history"] and score["value"] == 75.0
    card = _card(client.get("/search?q=记录不足测试").get_data(as_text=True), "记录不足测试")
    assert ">NR<" in card and "75" not in card and "暂不评级" in card
    profile = client.get(f"/sellers/{seller.public_id}").get_data(as_text=True)
    head = profile[profile.index('<article class="profile">') :]
    assert ">NR<" in head and not re.search(r"\b75\b", head)
    english = client.get(f"/sellers/{seller.public_id}?lang=en").get_data(as_text=True)
    assert "Fewer than 30 verified orders" in english
    [hit] = client.get("/api/v1/sellers?q=记录不足测试").json["data"]
    assert (hit["grade"], hit["score"]) == ("NR", None)
    shown = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]["shown"]
    assert (shown["grade"], shown["score"]) == ("NR", None)
    suggested = client.get("/api/v1/suggest?q=杭州记录").json["data"]
    assert suggested and all(set(s) == {"text", "id"} for s in suggested)


def test_risk_flags_appear_on_result_cards_the_profile_and_the_api(client, session, app):
    fraud = make_seller(session, legal_name="深圳风险欺诈测试有限公司")
    _regulator_event(
        session,
        fraud,
        kind="fraud_report",
        category="deposit_scam",
        severity="harm",
        summary="收取定金后不发货。",
        external_ref="t:fraud",
    )
    abnormal = make_seller(session, legal_name="深圳风险异常测试有限公司")
    _regulator_event(
        session,
        abnormal,
        kind="abnormal_operations",
        summary="无法联系。",
        ends_at=datetime.now(UTC) + timedelta(days=100),
        external_ref="t:abnormal",
    )
    fine = make_seller(session, legal_name="深圳风险罚款测试有限公司")
    _regulator_event(
        session, fine, kind="sanction_major_fine", summary="罚款。", external_ref="t:fine"
    )
    revoked = make_seller(session, legal_name="深圳风险吊销测试有限公司", status="吊销")
    clean = make_seller(session, legal_name="深圳风险清白测试有限公司")
    settle(app)
    html = client.get("/search?q=深圳风险").get_data(as_text=True)
    assert "经核实的欺诈认定" in _card(html, "欺诈测试")
    assert "经营异常名录" in _card(html, "异常测试")
    assert "重大罚款" in _card(html, "罚款测试")
    assert "吊销" in _card(html, "吊销测试")
    assert 'class="pill bad"' not in _card(html, "清白测试")
    english = client.get("/search?q=深圳风险&lang=en").get_data(as_text=True)
    assert "Verified fraud finding" in _card(english, "欺诈测试")
    profile = client.get(f"/sellers/{fraud.public_id}?lang=zh").get_data(as_text=True)
    assert "风险提示：经核实的欺诈认定" in profile and "fraud_finding" not in profile
    hits = {h["legal_name"]: h for h in client.get("/api/v1/sellers?q=深圳风险").json["data"]}
    assert hits["深圳风险欺诈测试有限公司"]["risk_flags"] == ["fraud_finding"]
    assert hits["深圳风险吊销测试有限公司"]["risk_flags"] == ["licence_revoked"]
    assert hits["深圳风险清白测试有限公司"]["risk_flags"] == []
    record = client.get(f"/api/v1/sellers/{abnormal.public_id}").json["data"]
    assert record["shown"]["risk_flags"] == ["abnormal_operations"]
    del revoked, clean
