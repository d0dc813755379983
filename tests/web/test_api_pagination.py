"""Every list of the API pages the same way: ?page= and ?per_page=, meta with the totals, and
a Link header (RFC 8288) to the first, previous, next and last pages."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from ..factories import make_seller, make_token
from .helpers import settle
from .test_complaints_web import FORM


def links(response) -> dict[str, dict[str, list[str]]]:
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))
    return {rel: parse_qs(urlsplit(url).query) for url, rel in found}


def test_search_results_name_the_next_and_last_pages(app, client, session):
    for n in range(5):
        make_seller(session, legal_name=f"宁波翻页测试{n}号文具有限公司", category="books")
    settle(app)
    first = client.get("/api/v1/sellers", query_string={"q": "翻页测试", "per_page": 2})
    assert first.status_code == 200
    meta = first.json["meta"]
    assert (meta["total"], meta["page"], meta["per_page"], meta["pages"]) == (5, 1, 2, 3)
    rels = links(first)
    assert set(rels) == {"first", "next", "last"}
    assert rels["next"]["page"] == ["2"] and rels["last"]["page"] == ["3"]
    assert rels["next"]["q"] == ["翻页测试"] and rels["next"]["per_page"] == ["2"]
    last = client.get("/api/v1/sellers", query_string={"q": "翻页测试", "per_page": 2, "page": 3})
    assert set(links(last)) == {"first", "prev", "last"} and len(last.json["data"]) == 1
    seen = [
        h["id"]
        for p in (1, 2, 3)
        for h in client.get(
            "/api/v1/sellers", query_string={"q": "翻页测试", "per_page": 2, "page": p}
        ).json["data"]
    ]
    assert len(seen) == len(set(seen)) == 5


def test_the_moderation_queue_pages(client, session):
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    for n in range(3):
        filed = client.post(
            "/api/v1/complaints",
            json={
                **FORM,
                "seller": seller.public_id,
                "order_ref": f"TB{n}",
                "contact": f"1380013800{n}",
                "narrative": [
                    "付款后一直没有发货，客服不回复。",
                    "收到的货和图片完全不一样，要求退货被拒。",
                    "定金交了以后店铺就联系不上了。",
                ][n],
            },
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
        )
        assert filed.status_code == 201, filed.json
    auth = {"Authorization": f"Bearer {moderator}"}
    page = client.get("/api/v1/moderation/queue?per_page=2&page=2", headers=auth)
    assert page.status_code == 200
    assert page.json["meta"]["total"] == 3 and len(page.json["data"]) == 1
    assert set(links(page)) == {"first", "prev", "last"}


def test_score_history_pages(client, session):
    seller = make_seller(session)
    answer = client.get(f"/api/v1/sellers/{seller.public_id}/score-history?per_page=5")
    assert answer.status_code == 200
    assert answer.json["meta"]["page"] == 1 and "Link" in answer.headers


@pytest.mark.parametrize(
    "query", ["page=0", "page=x", "per_page=0", "per_page=101", "page=-1", f"page={2**105}"]
)
def test_a_bad_page_is_refused_in_the_envelope(client, session, query):
    answer = client.get(f"/api/v1/sellers?q=abc&{query}")
    assert answer.status_code == 422 and answer.json["error"]["details"]


@pytest.mark.parametrize(
    "path", ["/api/v1/stores", "/api/v1/moderation/queue", "/api/v1/subscriptions/w-x/deliveries"]
)
def test_a_page_past_any_offset_a_database_holds_is_refused(client, session, path):
    """A page number whose offset overflows a 64-bit integer was a 500 from SQLite."""
    role = {"/api/v1/stores": "platform", "/api/v1/moderation/queue": "moderator"}.get(
        path, "platform"
    )
    auth = {"Authorization": f"Bearer {make_token(session, role)}"}
    answer = client.get(f"{path}?page=71620559860211526809938091311104", headers=auth)
    assert answer.status_code == 422
    assert answer.json["error"]["details"] == {"page": "71620559860211526809938091311104"}


def test_an_id_past_what_a_database_holds_is_no_route(client, session):
    """/events/<id> with an id past 64 bits overflowed SQLite's integer: a 500."""
    auth = {"Authorization": f"Bearer {make_token(session, 'platform')}"}
    answer = client.patch(
        "/api/v1/events/111159948343336740323328", json={"summary": None}, headers=auth
    )
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    assert client.patch("/api/v1/events/9", json={}, headers=auth).status_code in (404, 422)
