"""A real site (gunicorn, 2 workers, and the scheduler): after a sanction, a domain binding and a
resolved complaint, every worker lists each seller once, with its latest score."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from registry.events.service import EventService
from registry.registration.models import Seller
from registry.scores.models import SellerScore
from tests.live import LiveSite

from ..factories import make_seller, make_token

pytestmark = pytest.mark.slow

BRAND = "云帆测试"
NAMES = {
    "sanction": "云帆测试数码有限公司",
    "domain": "云帆测试食品有限公司",
    "complaint": "云帆测试服饰有限公司",
    "bystander": "云帆测试家居有限公司",
}
SEARCH = f"/api/v1/sellers?q={quote(BRAND)}&per_page=50"
_SCORE = re.compile(r'class="big-score"><span class="value">([^<]+)</span>')


def _orders(public_id: str, count: int = 120) -> list[dict]:
    now = datetime.now(UTC)
    return [
        {
            "seller": public_id,
            "kind": "order",
            "verification": "platform",
            "occurred_at": now - timedelta(days=i % 60, hours=i % 24),
            "order_ref": f"{public_id}-o{i}",
            "buyer_ref": f"b{i}",
        }
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def live_seed():
    def seed(site: LiveSite) -> None:
        client = site.app.test_client()
        with site.app.extensions["registry_db"].reader() as session:
            sellers = {kind: make_seller(session, legal_name=name) for kind, name in NAMES.items()}
            site.data["ids"] = {kind: s.public_id for kind, s in sellers.items()}
            platform = EventService(session, "platform:t", "platform")
            for seller in sellers.values():
                list(platform.submit(_orders(seller.public_id)))
            session.commit()
            site.data["regulator"] = make_token(session, "regulator")
            moderator = make_token(session, "moderator")
            target = sellers["complaint"]
            merchant = make_token(session, "merchant", seller_id=target.id)
        # A complaint the merchant has answered: the consumer resolves it while the site runs.
        filed = client.post(
            "/api/v1/complaints",
            json={
                "seller": target.public_id,
                "category": "contract_fulfillment",
                "order_ref": f"{target.public_id}-o1",
                "amount": "199.00",
                "desired_resolution": "退款",
                "complainant_name": "王小明",
                "contact": "13800138000",
                "narrative": "付款后一直没有发货，客服也不回复。",
            },
        ).json["data"]
        bearer = {"Authorization": f"Bearer {moderator}"}
        assert (
            client.post(
                f"/api/v1/complaints/{filed['id']}/accept", json={}, headers=bearer
            ).status_code
            == 200
        )
        replied = client.post(
            f"/api/v1/complaints/{filed['id']}/reply",
            json={"reply": "已补发，单号SF1"},
            headers={"Authorization": f"Bearer {merchant}"},
        )
        assert replied.status_code == 200
        site.data["complaint"] = (filed["id"], filed["token"])

    return seed


def _scores(site: LiveSite) -> dict[str, float | None]:
    """Each seller's score as the database has it (what every listing must show)."""
    with site.app.extensions["registry_db"].reader() as session:
        rows = session.execute(
            select(Seller.public_id, SellerScore.value)
            .join(SellerScore, SellerScore.seller_id == Seller.id, isouter=True)
            .where(Seller.legal_name.in_(list(NAMES.values())))
        ).all()
    return {pid: None if value is None else round(value, 1) for pid, value in rows}


def _assert_listed_once(answers, expected: dict[str, float | None]) -> None:
    for answer in answers:
        assert answer.status == 200, answer.text
        body = answer.json()
        ids = [hit["id"] for hit in body["data"]]
        assert sorted(ids) == sorted(expected), f"worker {answer.worker} listed {ids}"
        listed = {hit["id"]: hit["score"] for hit in body["data"]}
        assert listed == expected, f"worker {answer.worker}"
        assert body["meta"]["total"] == len(expected), f"worker {answer.worker} counted copies"


def test_a_change_lists_its_seller_once_with_its_latest_score_in_every_worker(live_site):
    site = live_site
    ids = site.data["ids"]
    before = _scores(site)
    # Every worker has its searcher open, and each profile cached, before anything changes.
    _assert_listed_once(site.from_every_worker(SEARCH), before)
    for public_id in ids.values():
        site.from_every_worker(f"/sellers/{public_id}", each=1)

    regulator = site.data["regulator"]
    sanction = site.post(
        "/api/v1/events",
        [
            {
                "seller": ids["sanction"],
                "kind": "sanction_major_fine",
                "occurred_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            }
        ],
        regulator,
    )
    assert sanction.status == 200, sanction.text
    bound = site.post(
        f"/api/v1/sellers/{ids['domain']}/domains", {"domain": "yunfan-food.example"}, regulator
    )
    assert bound.status == 201, bound.text
    complaint_id, consumer = site.data["complaint"]
    resolved = site.post(
        f"/api/v1/complaints/{complaint_id}/confirm", {"token": consumer, "resolved": True}
    )
    assert resolved.status == 200, resolved.text
    site.settled()

    after = _scores(site)
    assert after[ids["sanction"]] < before[ids["sanction"]]  # the sanction moved the score
    assert after[ids["complaint"]] != before[ids["complaint"]]
    _assert_listed_once(site.from_every_worker(SEARCH, each=5), after)

    time.sleep(site.app.config["CACHE_POLL_SECONDS"] + 0.2)  # a worker's profile cache poll
    for kind in ("sanction", "complaint"):
        for answer in site.from_every_worker(f"/sellers/{ids[kind]}", each=2):
            shown = _SCORE.search(answer.text)
            assert shown, f"worker {answer.worker}: no score on the profile"
            assert float(shown.group(1).replace(",", "")) == after[ids[kind]], answer.worker
