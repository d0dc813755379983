"""POST /api/v1/fulfillment, /api/v1/order-confirmations and /api/v1/stores over HTTP:
formats and encodings, per-record results, source ownership, and what the record shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from registry.complaints.models import Complaint
from registry.scores.models import SellerScore

from ..factories import make_seller, make_token
from .helpers import settle


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def day(days_ago: int = 3) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).date().isoformat()


def aggregate(seller, **counts):
    return {"seller": seller.public_id, "day": day(), "orders": 1000, **counts}


def post(client, token, body, content_type="application/json", path="/api/v1/fulfillment"):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return client.post(path, data=body, content_type=content_type, headers=auth(token))


def test_a_json_batch_answers_per_record_with_lines(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    answer = post(
        client,
        token,
        [aggregate(seller, late_shipments=5), {"seller": seller.public_id, "day": "2999-01-01"}],
    )
    assert answer.status_code == 200, answer.json
    data = answer.json["data"]
    assert [(r["line"], r["status"]) for r in data] == [(1, "created"), (2, "rejected")]
    assert "day" in data[1]["errors"]
    assert answer.json["meta"]["summary"]["created"] == 1


def test_every_record_rejected_is_422(client, session):
    token = make_token(session, "platform")
    answer = post(client, token, [{"seller": "nobody", "day": day(), "orders": 1}])
    assert answer.status_code == 422
    assert answer.json["data"][0]["errors"] == {"seller": "no such seller"}


def test_a_gb18030_csv_with_the_same_column_names(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    csv = (
        "seller,day,orders,late_shipments,cancellations,external_ref\r\n"
        f"{seller.public_id},{day()},200,3,1,日报-1\r\n"
        f"{seller.public_id},{day(2)},abc,0,0,日报-2\r\n"
    ).encode("gb18030")
    answer = post(client, token, csv, "text/csv; charset=gb18030")
    assert answer.status_code == 200, answer.json
    assert [(r["line"], r["status"]) for r in answer.json["data"]] == [
        (2, "created"),
        (3, "rejected"),
    ]
    again = post(client, token, csv, "text/csv; charset=gb18030")
    assert again.json["data"][0]["status"] == "unchanged"


def test_json_lines_and_per_order_records_keep_the_event_shape(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    at = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    lines = "\n".join(
        json.dumps(r)
        for r in (
            {
                "seller": seller.public_id,
                "kind": "order",
                "verification": "platform",
                "occurred_at": at,
                "order_ref": "A1",
            },
            {
                "seller": seller.public_id,
                "kind": "chargeback",
                "occurred_at": at,
                "order_ref": "A1",
                "external_ref": "C1",
            },
            {"seller": seller.public_id, "kind": "sanction_major_fine", "occurred_at": at},
        )
    )
    answer = post(client, token, lines, "application/x-ndjson")
    assert [r["status"] for r in answer.json["data"]] == ["created", "created", "rejected"]
    assert (
        post(client, token, lines, "application/x-ndjson").json["data"][1]["status"] == "unchanged"
    )


def test_only_platforms_submit_fulfillment(client, session):
    regulator = make_token(session, "regulator")
    assert post(client, regulator, []).status_code == 403
    assert client.post("/api/v1/fulfillment", json=[]).status_code == 401


def test_a_resent_day_replaces_only_that_sources_day_and_moves_the_score(app, client, session):
    seller = make_seller(session)
    a, b = make_token(session, "platform", "a"), make_token(session, "platform", "b")
    post(client, a, [aggregate(seller, external_ref="D1")])
    post(client, b, [aggregate(seller, external_ref="D1")])
    settle(app)
    session.rollback()
    clean = session.get(SellerScore, seller.id).value
    answer = post(
        client, a, [aggregate(seller, late_shipments=60, chargebacks=20, external_ref="D1")]
    )
    assert answer.json["data"][0]["status"] == "updated"
    settle(app)
    session.rollback()
    worse = session.get(SellerScore, seller.id).value
    assert worse < clean
    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]["fulfillment"]
    assert record["orders"] == 2000  # both sources' days
    assert record["rates"]["late_shipment"]["per_1000_orders"] == 30.0
    assert record["rates"]["chargeback"] == {
        "count": 20,
        "per_1000_orders": 10.0,
        "threshold": 10.0,
        "within": True,
    }


def test_the_record_shows_every_rate_beside_its_threshold(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    post(client, token, [aggregate(seller, late_shipments=50, disputes_opened=2, disputes_lost=1)])
    rates = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]["fulfillment"]["rates"]
    assert set(rates) >= {
        "late_shipment",
        "seller_cancellation",
        "non_delivery",
        "not_as_described_return",
        "dispute_opened",
        "dispute_lost",
        "chargeback",
    }
    assert rates["late_shipment"]["per_1000_orders"] == 50.0
    assert rates["late_shipment"]["within"] is False
    assert rates["disputes"]["count"] == 3
    assert rates["seller_cancellation"]["per_1000_orders"] == 0.0
    empty = make_seller(session)
    none = client.get(f"/api/v1/sellers/{empty.public_id}").json["data"]["fulfillment"]
    assert none["orders"] == 0 and none["rates"]["late_shipment"]["per_1000_orders"] is None


def test_the_profile_page_shows_the_aggregate_rates(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    post(client, token, [aggregate(seller, late_shipments=50)])
    page = client.get(f"/sellers/{seller.public_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<strong class="bad">50' in html, html[html.find('class="rate"') :][:400]


def test_store_mappings_are_kept_per_platform(client, session):
    seller, other = make_seller(session), make_seller(session)
    a, b = make_token(session, "platform", "a"), make_token(session, "platform", "b")
    put = client.put("/api/v1/stores/shop-1", json={"seller": seller.public_id}, headers=auth(a))
    assert put.status_code == 201, put.json
    again = client.put("/api/v1/stores/shop-1", json={"seller": seller.public_id}, headers=auth(a))
    assert again.status_code == 200
    client.put("/api/v1/stores/shop-1", json={"seller": other.public_id}, headers=auth(b))
    listed = client.get("/api/v1/stores", headers=auth(a))
    assert [(m["store"], m["seller"]) for m in listed.json["data"]] == [
        ("shop-1", seller.public_id)
    ]
    assert listed.json["meta"]["total"] == 1 and 'rel="first"' in listed.headers["Link"]
    assert client.delete("/api/v1/stores/shop-2", headers=auth(b)).status_code == 404
    record = {"store": "shop-1", "day": day(), "orders": 10}
    answer = post(client, a, [record])
    assert answer.json["data"][0]["status"] == "created"
    assert client.delete("/api/v1/stores/shop-1", headers=auth(b)).status_code == 200
    assert [m["store"] for m in client.get("/api/v1/stores", headers=auth(a)).json["data"]] == [
        "shop-1"
    ]
    assert client.delete("/api/v1/stores/shop-1", headers=auth(a)).status_code == 200
    assert post(client, a, [record]).status_code == 422


def test_a_bad_store_mapping_is_a_4xx_in_the_envelope(client, session):
    token = make_token(session, "platform")
    answer = client.put("/api/v1/stores/shop-1", json={"seller": "nobody"}, headers=auth(token))
    assert answer.status_code == 422 and "seller" in answer.json["error"]["details"]
    answer = client.put(
        "/api/v1/stores/shop-1", data="[]", content_type="application/json", headers=auth(token)
    )
    assert 400 <= answer.status_code < 500 and "error" in answer.json


def test_a_confirmed_order_makes_the_filed_complaint_purchase_verified(client, session):
    seller = make_seller(session)
    token = make_token(session, "platform")
    client.put("/api/v1/stores/shop-9", json={"seller": seller.public_id}, headers=auth(token))
    filed = client.post(
        "/api/v1/complaints",
        json={
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": "付款后一直没有发货，客服也不回复，请帮忙处理。",
            "contact": "13800138000",
            "order_ref": "ORD-55",
        },
    )
    assert filed.status_code in (200, 201), filed.json
    answer = post(
        client,
        token,
        [{"order_ref": "ORD-55", "store": "shop-9", "buyer_ref": "b1", "confirmed_at": day(1)}],
        path="/api/v1/order-confirmations",
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["data"][0]["status"] == "created"
    session.rollback()
    complaint = session.execute(
        select(Complaint).where(Complaint.order_ref == "ORD-55")
    ).scalar_one()
    assert complaint.verification == "purchase"
