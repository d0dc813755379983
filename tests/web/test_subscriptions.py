"""Watch alerts end to end: subscribe, change a seller, derive, deliver to a real receiver."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from registry.alerts.signing import HEADER, verify
from registry.core.types import utcnow
from web import jobs

from ..factories import make_seller, make_token, new_code
from ..receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def local_app(app):
    """The app allowed to post to loopback (a local test set-up)."""
    app.config["OUTBOUND_ALLOW_PRIVATE"] = True
    return app


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def subscribe(client, token, url, **filters):
    response = client.post(
        "/api/v1/subscriptions", json={"url": url, **filters}, headers=bearer(token)
    )
    assert response.status_code == 201, response.json
    return response.json["data"]


def sanction(client, token, seller, **extra):
    record = {
        "seller": seller.public_id,
        "kind": "sanction_major_fine",
        "occurred_at": (utcnow() - timedelta(days=1)).isoformat(),
        "summary": "罚款决定，联系人电话 13912345678",
        **extra,
    }
    response = client.post("/api/v1/events", json=[record], headers=bearer(token))
    assert response.status_code == 200, response.json
    return response.json["data"][0]["event_id"]


def test_a_sanction_reaches_the_receiver_signed(local_app, client, session, receiver):
    seller = make_seller(session)
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    sub = subscribe(client, watcher, receiver.url, sellers=[seller.public_id])
    assert set(sub) >= {"id", "secret"} and sub["secret"].startswith("whsec_")
    sanction(client, regulator, seller)

    assert jobs.derive_alerts(local_app) == 1
    assert receiver.requests == []  # nothing leaves before the delivery job
    assert jobs.deliver_alerts(local_app) == {"delivered": 1}

    [got] = receiver.requests
    assert verify(sub["secret"], got.headers[HEADER], got.body, now=time.time())
    assert not verify("whsec_other", got.headers[HEADER], got.body, now=time.time())
    assert not verify(sub["secret"], got.headers[HEADER], got.body + b" ", now=time.time())
    event = json.loads(got.body)
    assert event["type"] == "sanction" and event["seller"] == seller.public_id
    assert event["id"].startswith("evt_") and event["occurred_at"].endswith("Z")
    assert event["data"]["kind"] == "sanction_major_fine"
    # Once delivered, a second run sends nothing again.
    assert jobs.deliver_alerts(local_app) == {}
    assert len(receiver.requests) == 1


def test_the_secret_is_shown_once_and_stored_sealed(local_app, client, session, receiver):
    from sqlmodel import select

    from registry.alerts.models import Subscription

    seller = make_seller(session)
    watcher = make_token(session, "platform")
    sub = subscribe(client, watcher, receiver.url, sellers=[seller.public_id])
    listed = client.get("/api/v1/subscriptions", headers=bearer(watcher)).json["data"]
    assert [s["id"] for s in listed] == [sub["id"]]
    assert sub["secret"] not in json.dumps(listed)
    row = session.exec(select(Subscription)).one()
    assert sub["secret"] not in row.secret_encrypted


def test_a_receiver_answering_500_is_retried_with_back_off(local_app, client, session, receiver):
    seller = make_seller(session)
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    sub = subscribe(client, watcher, receiver.url, sellers=[seller.public_id])
    sanction(client, regulator, seller)
    jobs.derive_alerts(local_app)
    receiver.status = 500
    t0 = utcnow()
    assert jobs.deliver_alerts(local_app, now=t0) == {"pending": 1}
    # Not due yet: the back-off (30 s base, equal jitter: 15 to 30 s) has not passed.
    assert jobs.deliver_alerts(local_app, now=t0 + timedelta(seconds=10)) == {}
    assert len(receiver.requests) == 1
    assert jobs.deliver_alerts(local_app, now=t0 + timedelta(seconds=31)) == {"pending": 1}
    receiver.status = 200
    assert jobs.deliver_alerts(local_app, now=t0 + timedelta(seconds=200)) == {"delivered": 1}
    # Every retry is the same event, signed again: receivers dedupe on its id.
    ids = {json.loads(r.body)["id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1

    page = client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries", headers=bearer(watcher))
    [delivery] = page.json["data"]
    assert delivery["status"] == "delivered" and page.json["meta"]["total"] == 1
    first, second, third = delivery["attempts"]
    assert (first["status_code"], second["status_code"], third["status_code"]) == (500, 500, 200)
    assert first["error"] == "HTTP 500" and third["error"] is None
    assert first["latency_ms"] >= 0 and third["next_attempt_at"] is None
    gap1 = _seconds(first["next_attempt_at"], first["at"])
    gap2 = _seconds(second["next_attempt_at"], second["at"])
    assert 15 <= gap1 <= 30 and 30 <= gap2 <= 60  # doubling, with jitter


def _seconds(later: str, earlier: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def test_retries_stop_after_the_window(local_app, client, session, receiver):
    seller = make_seller(session)
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    sub = subscribe(client, watcher, receiver.url, sellers=[seller.public_id])
    sanction(client, regulator, seller)
    t0 = utcnow()
    jobs.derive_alerts(local_app, now=t0)
    receiver.status = 503
    statuses = []
    now = t0
    while now < t0 + timedelta(hours=26):
        statuses += list(jobs.deliver_alerts(local_app, now=now))
        now += timedelta(minutes=30)
    assert statuses[-1] == "failed" and statuses.count("failed") == 1
    sent = len(receiver.requests)
    assert jobs.deliver_alerts(local_app, now=now + timedelta(hours=1)) == {}
    assert len(receiver.requests) == sent
    page = client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries", headers=bearer(watcher))
    assert page.json["data"][0]["status"] == "failed"


def test_repeated_failure_disables_the_subscription(local_app, client, session, receiver):
    local_app.config["ALERT_DISABLE_AFTER_FAILURES"] = 3
    seller = make_seller(session)
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    sub = subscribe(client, watcher, receiver.url, sellers=[seller.public_id])
    sanction(client, regulator, seller, external_ref="a")
    sanction(client, regulator, seller, external_ref="b")
    jobs.derive_alerts(local_app)
    receiver.status = 500
    now = utcnow()
    for _ in range(4):
        jobs.deliver_alerts(local_app, now=now)
        now += timedelta(hours=2)
    assert len(receiver.requests) == 3
    [shown] = client.get("/api/v1/subscriptions", headers=bearer(watcher)).json["data"]
    assert shown["active"] is False and "3 failed attempts" in shown["disabled_reason"]
    # Nothing more is queued for it, or sent.
    sanction(client, regulator, seller, external_ref="c")
    assert jobs.derive_alerts(local_app) == 0
    jobs.deliver_alerts(local_app, now=now + timedelta(hours=1))
    assert len(receiver.requests) == 3
    page = client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries", headers=bearer(watcher))
    assert {d["status"] for d in page.json["data"]} == {"failed"}


def test_a_private_url_is_refused_without_the_setting(client, session, receiver):
    seller = make_seller(session)
    watcher = make_token(session, "platform")
    for url in (
        receiver.url,
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "ftp://example.org/",
    ):
        response = client.post(
            "/api/v1/subscriptions",
            json={"url": url, "sellers": [seller.public_id]},
            headers=bearer(watcher),
        )
        assert response.status_code == 422, url
        assert "url" in response.json["error"]["details"]


def test_the_url_is_checked_again_at_delivery(app, client, session):
    """The name resolved to a public address when subscribed, to loopback when delivering."""
    app.config["OUTBOUND_RESOLVE"] = {"hooks.example": "93.184.215.14"}
    seller = make_seller(session)
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    sub = subscribe(client, watcher, "https://hooks.example/hook", sellers=[seller.public_id])
    sanction(client, regulator, seller)
    jobs.derive_alerts(app)
    app.config["OUTBOUND_RESOLVE"] = {"hooks.example": "127.0.0.1"}
    assert jobs.deliver_alerts(app) == {"pending": 1}
    page = client.get(f"/api/v1/subscriptions/{sub['id']}/deliveries", headers=bearer(watcher))
    [attempt] = page.json["data"][0]["attempts"]
    assert attempt["status_code"] is None and "private" in attempt["error"]


def test_another_token_cannot_see_or_delete_a_subscription(local_app, client, session, receiver):
    seller = make_seller(session)
    owner = make_token(session, "platform")
    other = make_token(session, "merchant", seller_id=seller.id)
    sub = subscribe(client, owner, receiver.url, sellers=[seller.public_id])
    assert client.get("/api/v1/subscriptions", headers=bearer(other)).json["data"] == []
    for method, path in (
        ("delete", f"/api/v1/subscriptions/{sub['id']}"),
        ("get", f"/api/v1/subscriptions/{sub['id']}/deliveries"),
    ):
        response = getattr(client, method)(path, headers=bearer(other))
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.get("/api/v1/subscriptions").status_code == 401
    gone = client.delete(f"/api/v1/subscriptions/{sub['id']}", headers=bearer(owner))
    assert gone.status_code == 200
    assert client.get("/api/v1/subscriptions", headers=bearer(owner)).json["data"] == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "https://example.org/h"},
        {"url": "https://example.org/h", "sellers": ["s-nosuchseller"]},
        {"url": "https://example.org/h", "sellers": "s-1"},
        {"url": "https://example.org/h", "region": "浙江省", "category": "服装"},
        {"url": "https://example.org/h", "region": 5},
        {"url": "https://example.org/h", "region": "浙江省", "secret": "mine"},
        {"url": "x" * 3000, "region": "浙江省"},
    ],
)
def test_bad_subscriptions_are_422(client, session, body):
    watcher = make_token(session, "platform")
    response = client.post("/api/v1/subscriptions", json=body, headers=bearer(watcher))
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_failed"


def test_region_and_category_subscriptions_match_their_sellers(
    local_app, client, session, receiver
):
    zhejiang = make_seller(session, category="服装")  # area 330106: 浙江省杭州市
    beijing = make_seller(session, identifier=new_code("110105"), category="食品")
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    subscribe(client, watcher, receiver.url, region="33")
    subscribe(client, watcher, receiver.url, category="服装")
    subscribe(client, watcher, receiver.url, category="食品")
    sanction(client, regulator, zhejiang)
    assert jobs.derive_alerts(local_app) == 2  # by region and by its category
    sanction(client, regulator, beijing)
    assert jobs.derive_alerts(local_app) == 1  # by its category only
    jobs.deliver_alerts(local_app)
    sellers = sorted(json.loads(r.body)["seller"] for r in receiver.requests)
    assert sellers == sorted([zhejiang.public_id] * 2 + [beijing.public_id])


def test_deliveries_page_like_every_list(local_app, client, session, receiver):
    seller = make_seller(session)
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    sub = subscribe(client, watcher, receiver.url, sellers=[seller.public_id])
    for ref in "abc":
        sanction(client, regulator, seller, external_ref=ref)
    jobs.derive_alerts(local_app)
    path = f"/api/v1/subscriptions/{sub['id']}/deliveries"
    first = client.get(path, query_string={"per_page": 2}, headers=bearer(watcher))
    meta = first.json["meta"]
    assert (meta["total"], meta["pages"], len(first.json["data"])) == (3, 2, 2)
    assert 'rel="next"' in first.headers["Link"]
    second = client.get(path, query_string={"per_page": 2, "page": 2}, headers=bearer(watcher))
    events = [d["event"] for d in first.json["data"] + second.json["data"]]
    assert len(set(events)) == 3
    bad = client.get(path, query_string={"per_page": 0}, headers=bearer(watcher))
    assert bad.status_code == 422


def test_a_decision_posted_to_the_sanctions_api_alerts_with_its_facts(
    local_app, client, session, receiver
):
    seller = make_seller(session)
    watcher, regulator = make_token(session, "platform"), make_token(session, "regulator")
    subscribe(client, watcher, receiver.url, sellers=[seller.public_id])
    record = {
        "seller": seller.public_id,
        "kind": "administrative_penalty",
        "decision_number": "杭市监罚〔2026〕A-1号",
        "authority": "杭州市市场监督管理局",
        "decided_on": (utcnow() - timedelta(days=3)).date().isoformat(),
        "amount": 50000,
        "summary": "销售假冒商品，联系人电话13812345678。",
        "external_ref": "A-1",
    }
    posted = client.post("/api/v1/sanctions", json=[record], headers=bearer(regulator))
    assert posted.status_code == 200, posted.json
    assert jobs.derive_alerts(local_app) == 1
    jobs.deliver_alerts(local_app)
    [got] = receiver.requests
    event = json.loads(got.body)
    assert event["type"] == "sanction"
    decision = event["data"]["decision"]
    assert decision["kind"] == "administrative_penalty" and decision["amount"] == "50000.00"
    assert decision["decision_number"] == "杭市监罚〔2026〕A-1号"
    assert "13812345678" not in got.body.decode()
