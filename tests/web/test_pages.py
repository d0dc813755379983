from __future__ import annotations

import traceback
from datetime import UTC, datetime, timedelta

from registry.events.service import EventService

from ..factories import make_seller, new_code
from .helpers import settle


def now():
    return datetime.now(UTC)


def test_home_in_chinese_by_default_with_warnings(client, session, app):
    seller = make_seller(session, legal_name="深圳警示测试电子商务有限公司")
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": seller.public_id,
                    "kind": "sanction_major_fine",
                    "occurred_at": now() - timedelta(days=3),
                    "summary": "虚假宣传罚款",
                }
            ]
        )
    )
    session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "付款之前，先查一查卖家" in html and '<html lang="zh-CN">' in html
    assert "深圳警示测试电子商务有限公司" in html and "重大罚款" in html


def test_language_switch_sets_a_cookie(client):
    response = client.get("/?lang=en")
    assert "Check a seller before you pay" in response.get_data(as_text=True)
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "Check a seller before you pay" in client.get("/").get_data(as_text=True)


def test_unknown_locale_falls_back_without_error(client):
    response = client.get("/?lang=xx-YY")
    assert response.status_code == 200 and "付款之前" in response.get_data(as_text=True)


def test_search_finds_a_partial_chinese_name(client, session, app):
    make_seller(session, legal_name="杭州青柚数码科技有限公司")
    make_seller(session, legal_name="宁波橙屿服饰有限公司")
    settle(app)
    html = client.get("/search", query_string={"q": "青柚"}).get_data(as_text=True)
    assert "<mark>青柚</mark>" in html and "橙屿" not in html


def test_search_by_code_or_shop_url_goes_to_the_profile(client, session, app):
    seller = make_seller(session, stores=["https://shop3330001.taobao.com/"])
    code = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]["identities"][0]["value"]
    for q in (code, code.lower(), "https://shop3330001.taobao.com/search.htm?spm=1"):
        response = client.get("/search", query_string={"q": q})
        assert response.status_code == 302, q
        assert response.headers["Location"].endswith(f"/sellers/{seller.public_id}")


def test_search_explains_a_bad_or_unknown_code(client):
    bad = client.get("/search", query_string={"q": "91110000600037341A"}).get_data(as_text=True)
    assert "校验位不对" in bad
    unknown = client.get("/search", query_string={"q": new_code()}).get_data(as_text=True)
    assert "没有登记的卖家" in unknown


def test_search_page_filters_and_pages(client, session, app):
    for i in range(25):
        make_seller(session, legal_name=f"苏州栖枝家居{i:02d}号有限公司", category="home")
    settle(app)
    first = client.get("/search", query_string={"q": "栖枝"}).get_data(as_text=True)
    assert "25" in first and 'rel="next"' in first
    second = client.get("/search", query_string={"q": "栖枝", "page": 2}).get_data(as_text=True)
    assert second.count('class="hit"') == 5
    q = "q=%E6%A0%96%E6%9E%9D"
    assert f'rel="next" href="/search?{q}&amp;page=2"' in first
    assert f'rel="prev" href="/search?{q}&amp;page=1"' in second and 'rel="next"' not in second
    assert "<span>第 2 页，共 2 页</span>" in second
    assert client.get("/search", query_string={"q": "栖枝", "page": "x"}).status_code == 400


def test_profile_shows_identity_score_and_sections(client, session, app):
    seller = make_seller(
        session,
        legal_name="厦门晴川图书有限公司",
        category="books",
        domains=["qingchuan-books.example"],
    )
    settle(app)
    html = client.get(f"/sellers/{seller.public_id}").get_data(as_text=True)
    for text in (
        "主体信息",
        "统一社会信用代码",
        "信誉分",
        "NR",
        "记录不足",  # no orders: not rated, and no number shown (registry.read.display)
        "一图看懂",
        "qingchuan-books.example",
        "我要投诉",
    ):
        assert text in html, text
    english = client.get(f"/sellers/{seller.public_id}?lang=en").get_data(as_text=True)
    assert "Reputation score" in english and "Unified Social Credit Code" in english


def test_model_page_publishes_the_weights(client):
    html = client.get("/scoring").get_data(as_text=True)
    assert "/api/v1/scoring/model" in html and "300" in html


def test_text_from_sellers_is_escaped_everywhere(client, session, app):
    seller = make_seller(session, legal_name="<script>alert(1)</script>商行")
    settle(app)
    for path in (
        f"/sellers/{seller.public_id}",
        "/search?q=商行",
        f"/verify/{seller.public_id}",
        f"/sellers/{seller.public_id}/badge",
    ):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html, path


def test_a_remembered_search_page_follows_the_index_and_the_language(client, session, app):
    make_seller(session, legal_name="杭州拾光茶叶有限公司")
    settle(app)
    first = client.get("/search", query_string={"q": "拾光"}).get_data(as_text=True)
    assert "茶叶有限公司" in first and "文具有限公司" not in first
    make_seller(session, legal_name="宁波拾光文具有限公司")
    settle(app)  # the index applied the change: the page is made afresh
    again = client.get("/search", query_string={"q": "拾光"}).get_data(as_text=True)
    assert "茶叶有限公司" in again and "文具有限公司" in again
    english = client.get("/search", query_string={"q": "拾光", "lang": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert '<html lang="zh-CN">' in again


def test_pages_ask_for_absent_arguments_without_building_http_errors(client, session, monkeypatch):
    """``request.args.get`` of a name the URL lacks makes (and catches) a BadRequestKeyError,
    an HTTP exception: pages ask for several such names (lang, filters, the cookie)."""
    from werkzeug import exceptions

    from web.links import arg

    made = []
    real = exceptions.BadRequestKeyError.__init__

    def counted(self, *args, **kwargs):
        stack = "".join(traceback.format_stack())
        if "werkzeug/test.py" not in stack and "flask/testing.py" not in stack:  # the client
            made.append((args, stack))
        real(self, *args, **kwargs)

    monkeypatch.setattr(exceptions.BadRequestKeyError, "__init__", counted)
    seller = make_seller(session)
    assert client.get(f"/sellers/{seller.public_id}").status_code == 200
    assert client.get("/search", query_string={"q": "测试"}).status_code == 200
    assert client.get("/").status_code == 200
    assert [a for a, _ in made] == [], made[:1]
    with client.application.test_request_context("/?q=x&lang=en"):
        assert arg("q") == "x" and arg("lang") == "en" and arg("page", "1") == "1"
