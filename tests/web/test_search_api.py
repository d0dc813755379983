from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from web import jobs
from web.indexing import index_paths

from ..factories import make_seller
from .helpers import settle

BAD_QUERIES = [
    "AND",
    "OR NOT",
    "*",
    "云*",
    '"',
    '"unbalanced',
    "name:x",
    "a:b:c",
    "(((",
    "~1",
    "x" * 1000,
    "云帆\x00\x1b\x7f",
    "   ",
    "",
    "\u202e\u200b",
    "%",
    "\\",
    "AND OR *:*",
]


@pytest.fixture
def indexed(app, session):
    sellers = [
        make_seller(
            session,
            legal_name="杭州云帆数码科技有限公司",
            english_name="Yunfan Digital",
            category="electronics",
            stores=["https://shop7010001.taobao.com/"],
            domains=["yunfan-digital.example"],
        ),
        make_seller(
            session,
            legal_name="上海星禾服饰有限公司",
            english_name="Xinghe Apparel",
            category="apparel",
        ),
        make_seller(session, legal_name="北京云帆图书有限公司", category="books"),
    ]
    settle(app)
    return sellers


def test_search_json_envelope_with_facets_and_highlights(client, indexed):
    body = client.get("/api/v1/sellers", query_string={"q": "云帆"}).json
    assert body["meta"]["total"] == 2
    names = {hit["legal_name"] for hit in body["data"]}
    assert names == {"杭州云帆数码科技有限公司", "北京云帆图书有限公司"}
    assert "<mark>" in body["data"][0]["highlights"]["legal_name"]
    assert body["meta"]["facets"]["category"] == {"electronics": 1, "books": 1}


def test_filters_and_paging(client, indexed):
    one = client.get("/api/v1/sellers", query_string={"q": "云帆", "category": "books"}).json
    assert [h["legal_name"] for h in one["data"]] == ["北京云帆图书有限公司"]
    page = client.get("/api/v1/sellers", query_string={"q": "云帆", "per_page": 1, "page": 2})
    assert page.json["meta"]["page"] == 2 and len(page.json["data"]) == 1
    assert client.get("/api/v1/sellers?q=x&per_page=1000").status_code == 422


def test_pinyin_english_typo_and_suggest(client, indexed):
    assert client.get("/api/v1/sellers?q=yunfan").json["meta"]["total"] >= 2
    assert client.get("/api/v1/sellers?q=xhfs").json["meta"]["total"] >= 1  # initials
    assert client.get("/api/v1/sellers?q=Yunfam").json["meta"]["total"] >= 1  # one typo
    suggestions = client.get("/api/v1/suggest?q=杭州云").json["data"]
    assert any(s["text"].startswith("杭州云帆") for s in suggestions)


def test_codes_domains_and_shop_urls_come_from_the_database(client, indexed):
    seller = indexed[0]
    code = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]["identities"][0]["value"]
    for q, route in (
        (code, "code"),
        ("https://www.yunfan-digital.example/p?id=1", "domain"),
        ("https://shop7010001.taobao.com/category.htm", "url"),
    ):
        body = client.get("/api/v1/sellers", query_string={"q": q}).json
        assert body["meta"]["route"] == route and body["data"][0]["id"] == seller.public_id


@pytest.mark.parametrize("q", BAD_QUERIES)
def test_bad_input_never_breaks_search(client, indexed, q):
    response = client.get("/api/v1/sellers", query_string={"q": q})
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:200]
    if response.status_code == 400:
        assert response.json["error"]["message"]
    page = client.get("/search", query_string={"q": q})
    assert page.status_code in (200, 400)
    assert client.get("/api/v1/suggest", query_string={"q": q}).status_code in (200, 400)


def test_a_change_is_searchable_after_the_job(client, session, indexed, app):
    assert client.get("/api/v1/sellers?q=暖橘").json["meta"]["total"] == 0
    make_seller(session, legal_name="广州暖橘美妆有限公司")
    assert jobs.reindex_changed(app) >= 1
    assert client.get("/api/v1/sellers?q=暖橘").json["meta"]["total"] == 1


def test_reports_search_names_the_sellers(client, session, indexed, app):
    from registry.events.service import EventService

    list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": indexed[1].public_id,
                    "kind": "fraud_report",
                    "occurred_at": "2026-01-05",
                    "verification": "regulator",
                    "category": "deposit_scam",
                    "summary": "收取定金后拒不发货，也不退款。",
                }
            ]
        )
    )
    session.commit()
    settle(app)
    found = client.get("/api/v1/reports", query_string={"q": "定金"}).json["data"]
    assert [f["seller_id"] for f in found] == [indexed[1].public_id]


def test_deleting_the_index_loses_nothing(client, runner, indexed, app):
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]))
    missing = client.get("/api/v1/sellers?q=云帆")
    assert missing.status_code == 503 and "rebuilt" in missing.json["error"]["message"]
    code_lookup = client.get("/search", query_string={"q": "https://shop7010001.taobao.com/"})
    assert code_lookup.status_code == 302
    report = runner.invoke(args=["check-index"])
    assert report.exit_code == 1 and "reindex" in report.output
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0
    assert client.get("/api/v1/sellers?q=云帆").json["meta"]["total"] == 2


def test_check_index_reports_stale_entries(runner, session, indexed, app):
    from sqlalchemy import update

    from registry.registration.models import Seller

    session.execute(update(Seller).where(Seller.id == indexed[0].id).values(version=99))
    session.commit()
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1 and "1 stale" in result.output
    assert indexed[0].public_id in result.output


def test_two_nodes_fed_from_one_log_answer_alike(session, indexed, app, tmp_path):
    from search import SellerSearcher
    from web.indexing import apply_changes

    second = (tmp_path / "node2" / "sellers", tmp_path / "node2" / "narratives")
    apply_changes(session, second)  # an empty node builds itself from the database
    make_seller(session, legal_name="成都麦穗食品有限公司")
    session.commit()
    settle(app)
    while apply_changes(session, second):
        pass
    for q in ("云帆", "麦穗", "yunfan", "食品"):
        a = SellerSearcher(index_paths(app)[0]).search(q)
        b = SellerSearcher(second[0]).search(q)
        assert a.ids == b.ids and a.total == b.total, q


def test_a_rebuild_in_parts_reads_the_database_in_each_process(session, indexed, app, tmp_path):
    from search import SellerSearcher
    from web.indexing import rebuild

    for i in range(12):
        make_seller(session, legal_name=f"宁波云帆{i}号五金商行")
    session.commit()
    one = (tmp_path / "one" / "sellers", tmp_path / "one" / "narratives")
    three = (tmp_path / "three" / "sellers", tmp_path / "three" / "narratives")
    assert rebuild(session, one, procs=1) == 15
    assert rebuild(session, three, procs=3, min_per_part=5) == 15
    a, b = SellerSearcher(one[0]), SellerSearcher(three[0])
    assert len(b.cache.searcher().reader().leaf_readers()) == 3  # one segment per part
    for q in ("云帆", "五金", "yunfan", "ningbo", "星禾"):
        assert a.search(q, per_page=50).ids == b.search(q, per_page=50).ids, q
    assert b.search("云帆", per_page=50).total == 14
