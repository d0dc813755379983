"""POST /api/v1/sanctions and /api/v1/fraud-reports: who may send, JSON Lines and CSV in
GB18030, per-record results, 422 when all are rejected, and what the public record shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..factories import make_seller, make_token
from .helpers import settle

CSV_HEADER = "seller,kind,decision_number,authority,decided_on,amount,summary,external_ref"


def days_ago(n: int) -> str:
    return (datetime.now(UTC) - timedelta(days=n)).date().isoformat()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def penalty(seller, ref="P-1", **extra):
    return {
        "seller": seller.public_id,
        "kind": "administrative_penalty",
        "decision_number": f"杭市监罚〔2026〕{ref}号",
        "authority": "杭州市市场监督管理局",
        "decided_on": days_ago(30),
        "amount": 150000,
        "summary": "销售假冒商品，联系人王小明电话13812345678。",
        "external_ref": ref,
        **extra,
    }


@pytest.fixture
def seller(session):
    return make_seller(session, legal_name="杭州处罚测试商贸有限公司")


def test_a_platform_may_not_send_sanctions(client, session, seller):
    platform = make_token(session, "platform")
    answer = client.post("/api/v1/sanctions", json=[penalty(seller)], headers=auth(platform))
    assert answer.status_code == 403 and answer.json["error"]["code"] == "forbidden"
    assert client.post("/api/v1/sanctions", json=[penalty(seller)]).status_code == 401


def test_every_record_rejected_is_a_422_with_line_numbers(client, regulator_token, seller):
    body = [penalty(seller, amount=-1), {**penalty(seller, "P-2"), "kind": "shaming"}]
    answer = client.post("/api/v1/sanctions", json=body, headers=auth(regulator_token))
    assert answer.status_code == 422
    assert [(r["line"], r["status"]) for r in answer.json["data"]] == [
        (1, "rejected"),
        (2, "rejected"),
    ]
    assert "amount" in answer.json["data"][0]["errors"]
    assert "kind" in answer.json["data"][1]["errors"]


def test_json_lines_apply_the_good_lines(client, regulator_token, seller):
    lines = [json.dumps(penalty(seller, "P-1")), "{not json", json.dumps(penalty(seller, "P-2"))]
    answer = client.post(
        "/api/v1/sanctions",
        data="\n".join(lines),
        content_type="application/x-ndjson",
        headers=auth(regulator_token),
    )
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json["data"]] == ["created", "rejected", "created"]
    assert answer.json["meta"]["summary"]["created"] == 2


def test_a_gb18030_csv_of_sanctions(client, regulator_token, seller):
    rows = [
        CSV_HEADER,
        f"{seller.public_id},administrative_penalty,杭市监罚〔2026〕7号,杭州市市场监督管理局,"
        f"{days_ago(3)},80000,虚假宣传,C-7",
        f"{seller.public_id},administrative_penalty,杭市监罚〔2026〕8号,杭州市市场监督管理局,"
        "2026年13月1日,80000,日期有误,C-8",
    ]
    answer = client.post(
        "/api/v1/sanctions",
        data="\n".join(rows).encode("gb18030"),
        content_type="text/csv",
        headers=auth(regulator_token),
    )
    assert answer.status_code == 200, answer.json
    good, bad = answer.json["data"]
    assert (good["line"], good["status"]) == (2, "created")
    assert (bad["line"], bad["status"]) == (3, "rejected") and "decided_on" in bad["errors"]
    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    assert [s["decision_number"] for s in record["sanctions"]] == ["杭市监罚〔2026〕7号"]


def test_a_csv_column_named_twice_refuses_the_body(client, regulator_token, seller):
    answer = client.post(
        "/api/v1/sanctions",
        data=f"seller,kind,kind\n{seller.public_id},trading_ban,x\n",
        content_type="text/csv",
        headers=auth(regulator_token),
    )
    assert answer.status_code == 400 and "line 1" in answer.json["error"]["message"]


def test_the_public_record_shows_the_decision_and_nothing_private(
    app, client, session, regulator_token, seller
):
    answer = client.post("/api/v1/sanctions", json=[penalty(seller)], headers=auth(regulator_token))
    assert answer.status_code == 200, answer.json
    settle(app)
    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    [shown] = record["sanctions"]
    assert shown == {
        "event_id": answer.json["data"][0]["event_id"],  # what a dispute of it names
        "kind": "administrative_penalty",
        "score_kind": "sanction_major_fine",
        "decision_number": "杭市监罚〔2026〕P-1号",
        "authority": "杭州市市场监督管理局",
        "decided_on": days_ago(30),
        "effective_from": None,
        "effective_until": None,
        "amount": "150000.00",
        "reason": None,
        "summary": shown["summary"],
    }
    assert "13812345678" not in shown["summary"] and "王小明" not in shown["summary"]
    assert "sanction_major_fine" in record["shown"]["risk_flags"]
    page = client.get(f"/sellers/{seller.public_id}").get_data(as_text=True)
    for text in ("杭市监罚〔2026〕P-1号", "杭州市市场监督管理局", "150,000"):
        assert text in page
    for private in ("13812345678", "王小明", regulator_token, "regulator:", 'P-1"'):
        assert private not in json.dumps(record, ensure_ascii=False)
        assert private not in page


def test_a_repaired_sanction_leaves_the_record_and_the_page(
    app, client, session, regulator_token, seller
):
    client.post("/api/v1/sanctions", json=[penalty(seller)], headers=auth(regulator_token))
    repair = {
        "seller": seller.public_id,
        "kind": "credit_repair",
        "decision_number": "信用修复〔2026〕1号",
        "decided_on": days_ago(1),
        "refers_to": "P-1",
    }
    answer = client.post("/api/v1/sanctions", json=[repair], headers=auth(regulator_token))
    assert answer.json["data"][0]["status"] == "created", answer.json
    settle(app)
    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    assert record["sanctions"] == [] and record["score"]["caps"] == []
    assert "杭市监罚〔2026〕P-1号" not in client.get(f"/sellers/{seller.public_id}").get_data(
        as_text=True
    )


def test_a_platform_sends_fraud_reports_in_csv(client, session, seller):
    platform = make_token(session, "platform")
    rows = [
        "seller,scam_type,amount,currency,verification,occurred_at,external_ref",
        f"{seller.public_id},phishing_shop,99.9,CNY,platform,{days_ago(2)},F-1",
        f"{seller.public_id},phishing_shop,99.9,CNY,regulator,{days_ago(2)},F-2",
        f"{seller.public_id},phishing_shop,-3,CNY,platform,{days_ago(2)},F-3",
    ]
    answer = client.post(
        "/api/v1/fraud-reports",
        data="\n".join(rows).encode("gb18030"),
        content_type="text/csv; charset=gb18030",
        headers=auth(platform),
    )
    assert answer.status_code == 200, answer.json
    results = answer.json["data"]
    assert [r["status"] for r in results] == ["created", "rejected", "rejected"]
    assert "verification" in results[1]["errors"] and "amount" in results[2]["errors"]
    again = client.post(
        "/api/v1/fraud-reports",
        data="\n".join(rows[:2]),
        content_type="text/csv",
        headers=auth(platform),
    )
    assert again.json["data"][0]["status"] == "unchanged"


def test_fraud_reports_refuse_a_merchant(client, session, seller):
    merchant = make_token(session, "merchant", seller_id=seller.id)
    answer = client.post("/api/v1/fraud-reports", json=[{}], headers=auth(merchant))
    assert answer.status_code == 403


SANCTION_FIELDS = (
    "seller",
    "kind",
    "decision_number",
    "authority",
    "decided_on",
    "effective_from",
    "effective_until",
    "amount",
    "severity",
    "reason",
    "refers_to",
    "summary",
    "external_ref",
)
FRAUD_FIELDS = (
    "seller",
    "scam_type",
    "amount",
    "currency",
    "verification",
    "evidence_ref",
    "occurred_at",
    "summary",
    "external_ref",
)
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["", " ", "0001-01-01", "9999-12-31", "1e12", "-0", "0.001", "\u3000"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_odd_field_values_are_rejected_records_never_errors(client, regulator_token, seller, data):
    """Whatever type a field holds, a record is applied or rejected with a reason: no 5xx."""
    route, fields, base = data.draw(
        st.sampled_from(
            [
                ("/api/v1/sanctions", SANCTION_FIELDS, penalty(seller)),
                (
                    "/api/v1/fraud-reports",
                    FRAUD_FIELDS,
                    {"seller": seller.public_id, "scam_type": "other", "external_ref": "F"},
                ),
            ]
        )
    )
    odd = data.draw(st.dictionaries(st.sampled_from(fields), ODD_VALUES, min_size=1, max_size=4))
    answer = client.post(route, json=[{**base, **odd}], headers=auth(regulator_token))
    assert answer.status_code in (200, 422), answer.get_data(as_text=True)[:300]
    statuses = {r["status"] for r in answer.json["data"]}
    assert statuses <= {"created", "updated", "unchanged", "rejected"}
