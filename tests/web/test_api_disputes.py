"""Disputes of records: a merchant files, only the record's source decides, the decision is
published; a withdrawn record, a granted removal and a granted repair change the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from registry.disputes.models import Dispute
from registry.events.models import Event
from registry.journal.models import AuditEntry

from ..factories import make_seller, make_token
from ..registry.complaints.helpers import accepted
from .helpers import settle


def days_ago(n: int) -> str:
    return (datetime.now(UTC) - timedelta(days=n)).date().isoformat()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


STATEMENT = "该处罚针对的是已注销的同名分店，请核实。联系人王小明电话13812345678。"


@pytest.fixture
def seller(session):
    return make_seller(session, legal_name="杭州异议测试商贸有限公司")


@pytest.fixture
def merchant(session, seller):
    return make_token(session, "merchant", seller_id=seller.id)


def _sanction(client, token, seller, **record):
    body = {
        "seller": seller.public_id,
        "kind": "administrative_penalty",
        "decision_number": "杭市监罚〔2026〕7号",
        "authority": "杭州市市场监督管理局",
        "decided_on": days_ago(30),
        "amount": 150000,
        "summary": "销售假冒商品。",
        "external_ref": "P-7",
        **record,
    }
    answer = client.post("/api/v1/sanctions", json=[body], headers=auth(token))
    assert answer.status_code == 200, answer.json
    return answer.json["data"][0]["event_id"]


def _fraud(client, token, seller):
    body = {
        "seller": seller.public_id,
        "scam_type": "phishing_shop",
        "amount": 99.9,
        "verification": "platform",
        "occurred_at": days_ago(3),
        "summary": "仿冒官网收款。",
        "external_ref": "F-1",
    }
    answer = client.post("/api/v1/fraud-reports", json=[body], headers=auth(token))
    assert answer.status_code == 200, answer.json
    return answer.json["data"][0]["event_id"]


def _file(client, merchant, seller, event_id, kind="correction", statement=STATEMENT):
    return client.post(
        f"/api/v1/sellers/{seller.public_id}/disputes",
        json={"kind": kind, "event_id": event_id, "statement": statement},
        headers=auth(merchant),
    )


def test_a_dispute_reaches_only_its_sources_queue_and_its_decision_is_published(
    app, client, session, seller, merchant, regulator_token
):
    event_id = _sanction(client, regulator_token, seller)
    filed = _file(client, merchant, seller, event_id)
    assert filed.status_code == 201, filed.json
    dispute = filed.json["data"]
    assert dispute["status"] == "open" and dispute["queue"].startswith("regulator:")
    # The merchant's statement is published scrubbed: no phone number, no person's name.
    assert "13812345678" not in dispute["statement"] and "王小明" not in dispute["statement"]

    other = make_token(session, "regulator", name="another regulator")
    assert client.get("/api/v1/disputes", headers=auth(other)).json["data"] == []
    queue = client.get("/api/v1/disputes", headers=auth(regulator_token))
    assert [d["id"] for d in queue.json["data"]] == [dispute["id"]]
    assert queue.json["meta"]["total"] == 1 and "Link" in queue.headers

    decision = {"outcome": "upheld", "reason": "经复核，处罚对象无误。"}
    url = f"/api/v1/disputes/{dispute['id']}/decision"
    assert client.post(url, json=decision, headers=auth(other)).status_code == 403
    platform = make_token(session, "platform")
    assert client.post(url, json=decision, headers=auth(platform)).status_code == 403
    assert client.post(url, json=decision, headers=auth(merchant)).status_code == 403
    assert (
        client.post(
            url, json={"outcome": "granted", "reason": "x"}, headers=auth(regulator_token)
        ).status_code
        == 422
    )
    decided = client.post(url, json=decision, headers=auth(regulator_token))
    assert decided.status_code == 200 and decided.json["data"]["status"] == "upheld"
    assert client.post(url, json=decision, headers=auth(regulator_token)).status_code == 409

    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    assert [(d["id"], d["status"], d["reason"]) for d in record["disputes"]] == [
        (dispute["id"], "upheld", "经复核，处罚对象无误。")
    ]
    assert "queue" not in record["disputes"][0] and "filed_by" not in record["disputes"][0]
    page = client.get(f"/sellers/{seller.public_id}?lang=zh").get_data(as_text=True)
    assert "经复核，处罚对象无误。" in page and "13812345678" not in page
    # The upheld finding stays published.
    assert record["sanctions"] and record["sanctions"][0]["event_id"] == event_id


def test_a_withdrawn_record_leaves_the_profile_and_the_score(
    app, client, session, seller, merchant
):
    platform = make_token(session, "platform", name="platform-x")
    event_id = _fraud(client, platform, seller)
    settle(app)
    before = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    filed = _file(client, merchant, seller, event_id).json["data"]
    answer = client.post(
        f"/api/v1/disputes/{filed['id']}/decision",
        json={"outcome": "withdrawn", "reason": "订单系商家本人测试，误报。"},
        headers=auth(platform),
    )
    assert answer.status_code == 200, answer.json
    settle(app)
    after = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    assert after["score"]["value"] > before["score"]["value"]
    page = client.get(f"/sellers/{seller.public_id}?lang=zh").get_data(as_text=True)
    assert "仿冒官网收款。" not in page  # the withdrawn report is no longer shown
    assert "订单系商家本人测试，误报。" in page


def test_a_granted_removal_ends_the_listing_and_a_granted_repair_unpublishes(
    app, client, session, seller, merchant, regulator_token
):
    listing = _sanction(
        client,
        regulator_token,
        seller,
        kind="abnormal_operations",
        reason="annual_report",
        amount=None,
        decision_number="杭市监异〔2026〕3号",
        external_ref="A-3",
    )
    penalty = _sanction(client, regulator_token, seller)
    settle(app)
    published = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]["sanctions"]
    assert {s["event_id"] for s in published} == {listing, penalty}
    # Removal is asked of a listing only.
    assert _file(client, merchant, seller, penalty, "abnormal_removal").status_code == 422
    removal = _file(client, merchant, seller, listing, "abnormal_removal").json["data"]
    repair = _file(client, merchant, seller, penalty, "credit_repair").json["data"]
    for dispute in (removal, repair):
        answer = client.post(
            f"/api/v1/disputes/{dispute['id']}/decision",
            json={"outcome": "granted", "reason": "已补报年报并履行处罚。"},
            headers=auth(regulator_token),
        )
        assert answer.status_code == 200, answer.json
    settle(app)
    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    assert record["sanctions"] == []
    assert {d["status"] for d in record["disputes"]} == {"granted"}
    # A second removal request of a removed listing is refused.
    assert _file(client, merchant, seller, listing, "abnormal_removal").status_code == 409


def test_who_may_file_and_how_often(client, session, seller, merchant, regulator_token):
    event_id = _sanction(client, regulator_token, seller)
    stranger = make_seller(session, legal_name="别家商贸有限公司")
    other_merchant = make_token(session, "merchant", seller_id=stranger.id)
    assert _file(client, other_merchant, seller, event_id).status_code == 403
    assert _file(client, regulator_token, seller, event_id).status_code == 403
    assert (
        client.post(
            f"/api/v1/sellers/{seller.public_id}/disputes", json={"kind": "correction"}
        ).status_code
        == 401
    )
    # The merchant of another seller cannot reach this seller's record through its own.
    assert _file(client, other_merchant, stranger, event_id).status_code == 404
    bad = _file(client, merchant, seller, event_id, kind="erase", statement="短")
    assert bad.status_code == 422
    assert set(bad.json["error"]["details"]) == {"kind", "statement"}
    assert _file(client, merchant, seller, "1; drop table").status_code == 422
    assert _file(client, merchant, seller, 10**9).status_code == 404
    assert _file(client, merchant, seller, event_id, statement="很" * 2001).status_code == 422

    first = _file(client, merchant, seller, event_id)
    assert first.status_code == 201
    again = _file(client, merchant, seller, event_id)
    assert again.status_code == 409 and again.json["error"]["details"]["status"] == "open"
    client.post(
        f"/api/v1/disputes/{first.json['data']['id']}/decision",
        json={"outcome": "upheld", "reason": "维持原处罚。"},
        headers=auth(regulator_token),
    )
    refiled = _file(client, merchant, seller, event_id)
    assert refiled.status_code == 409
    assert "file_again_after" in refiled.json["error"]["details"]
    mine = client.get("/api/v1/disputes", headers=auth(merchant)).json["data"]
    assert [d["status"] for d in mine] == ["upheld"]
    assert client.get("/api/v1/disputes", headers=auth(other_merchant)).json["data"] == []


def test_a_complaint_taken_in_here_is_answered_in_mediation_not_disputed(
    client, session, seller, merchant
):
    complaint, _, _ = accepted(session, seller)
    event_id = session.execute(
        select(Event.id).where(Event.complaint_id == complaint.id)
    ).scalar_one()
    answer = _file(client, merchant, seller, event_id)
    assert answer.status_code == 409 and "event_id" in answer.json["error"]["details"]


def test_a_withdrawn_record_is_published_nowhere(app, client, session, seller):
    """A record its source overturns (``PATCH /api/v1/events/<id>`` to invalid) weighs
    nothing; neither the profile nor the front page's warnings show it."""
    regulator = make_token(session, "regulator", name="fraud desk")
    body = {
        "seller": seller.public_id,
        "scam_type": "deposit_scam",
        "amount": 5000,
        "verification": "regulator",
        "occurred_at": days_ago(2),
        "summary": "收取定金后失联。",
        "external_ref": "F-9",
    }
    answer = client.post("/api/v1/fraud-reports", json=[body], headers=auth(regulator))
    event_id = answer.json["data"][0]["event_id"]
    settle(app)
    assert "收取定金后失联。" in client.get(f"/sellers/{seller.public_id}").get_data(as_text=True)
    assert seller.legal_name in client.get("/?lang=zh").get_data(as_text=True)
    patched = client.patch(
        f"/api/v1/events/{event_id}", json={"resolution": "invalid"}, headers=auth(regulator)
    )
    assert patched.status_code == 200
    settle(app)
    assert "收取定金后失联。" not in client.get(f"/sellers/{seller.public_id}").get_data(
        as_text=True
    )
    assert seller.legal_name not in client.get("/?lang=zh").get_data(as_text=True)


def test_every_step_is_audited_with_who_did_it(client, session, seller, merchant, regulator_token):
    event_id = _sanction(client, regulator_token, seller)
    dispute = _file(client, merchant, seller, event_id).json["data"]
    client.post(
        f"/api/v1/disputes/{dispute['id']}/decision",
        json={"outcome": "refused", "reason": "x"},
        headers=auth(regulator_token),
    )  # a correction is upheld or withdrawn, not refused: nothing is decided
    session.expire_all()
    rows = session.execute(select(AuditEntry).where(AuditEntry.entity == "dispute")).scalars()
    assert [(r.action, r.actor.split(":")[0]) for r in rows] == [("dispute.file", "merchant")]
    assert session.execute(select(Dispute.status)).scalar() == "open"
