"""The browser's language when none was chosen; every error a page shows, in its language."""

from __future__ import annotations

import re

import pytest

from ..factories import make_seller
from .test_complaints_web import FORM, csrf

EN = {"Accept-Language": "en-US,en;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def _message(response) -> str:
    html = response.get_data(as_text=True)
    return re.search(r'<section class="error" role="alert">(.*?)</section>', html, re.S).group(1)


def test_an_english_browser_gets_english_when_no_language_was_chosen(client):
    assert "Check a seller before you pay" in client.get("/", headers=EN).get_data(as_text=True)
    assert "付款之前" in client.get("/", headers=ZH).get_data(as_text=True)
    french = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "付款之前" in french.get_data(as_text=True)  # nothing offered: Chinese


def test_the_url_then_the_cookie_then_the_browser(client):
    assert "付款之前" in client.get("/?lang=zh", headers=EN).get_data(as_text=True)
    # ?lang=zh set the cookie: a later visit keeps Chinese, whatever the browser says.
    assert "付款之前" in client.get("/", headers=EN).get_data(as_text=True)
    assert "Check a seller" in client.get("/?lang=en", headers=ZH).get_data(as_text=True)


def test_pages_chosen_by_header_or_cookie_say_so_in_vary(client):
    by_header = client.get("/", headers=EN)
    assert {"Accept-Language", "Cookie"} <= set(by_header.vary)
    by_url = client.get("/?lang=en")
    assert "Accept-Language" not in by_url.vary


def test_cached_pages_are_kept_per_language(client, session, app):
    seller = make_seller(session)
    url = f"/sellers/{seller.public_id}"
    assert "Reputation score" in client.get(url, headers=EN).get_data(as_text=True)
    assert "信誉分" in client.get(url, headers=ZH).get_data(as_text=True)
    assert "Reputation score" in client.get(url, headers=EN).get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "status", "zh", "en"),
    [
        ("/sellers/s-nobody", 404, "没有编号为“s-nobody”的卖家", "No seller has the id “s-nobody”"),
        ("/sellers/s-nobody/complain", 404, "没有编号为“s-nobody”的卖家", "No seller has the id"),
        ("/complaints/c-nobody", 404, "没有编号为“c-nobody”的投诉", "No complaint has the id"),
        ("/no/such/page", 404, "这个网址没有对应的页面", "There is no page at this address"),
        ("/search?q=店&page=abc", 400, "页码必须是从 1 开始的整数", "The page number must be"),
        ("/search?q=店&page=0", 400, "页码必须是从 1 开始的整数", "The page number must be"),
        ("/search?q=!!!", 400, "无法查询这个内容", "This cannot be searched"),
        ("/search?q=" + "a" * 1200, 400, "查询内容太长（1,200 个字符", "The search is too long"),
    ],
)
def test_error_pages_speak_the_pages_language(client, path, status, zh, en):
    chinese = client.get(path, headers=ZH)
    assert chinese.status_code == status
    assert zh in _message(chinese) and "返回首页" in _message(chinese)
    assert not re.search(
        r"[A-Za-z]{4,}",
        _message(chinese)
        .replace("s-nobody", "")
        .replace("c-nobody", "")
        .replace('href="/search"', "")
        .replace('href="/"', "")
        .replace("alert", "")
        .replace("class", ""),
    )
    english = client.get(path, headers=EN)
    assert english.status_code == status and en in _message(english)
    assert "Back to the home page" in _message(english)


def test_a_page_number_past_the_last_page_says_so(client, session, app):
    from .helpers import settle

    make_seller(session, legal_name="宁波页码测试有限公司")
    settle(app)
    response = client.get("/search?q=页码测试&page=7", headers=ZH)
    assert response.status_code == 404 and "查询结果没有第 7 页：共 1 页" in _message(response)


def test_method_and_size_errors_are_localized(client, session, app):
    seller = make_seller(session)
    assert "这个网址不接受此类请求" in _message(client.post("/search", headers=ZH))
    app.config["MAX_CONTENT_LENGTH"] = 1000
    url = f"/sellers/{seller.public_id}/complain"
    big = client.post(url, data={"narrative": "长" * 2000}, headers=ZH)
    assert big.status_code == 413 and "提交的内容过大" in _message(big)
    expired = client.post(url, data={**FORM, "narrative": "付款后一直没有发货。"}, headers=ZH)
    assert expired.status_code == 400 and "表单已过期" in _message(expired)


def test_the_json_api_keeps_its_english_messages_and_codes(client):
    body = client.get("/api/v1/sellers/s-nobody", headers=ZH).json
    assert body["error"]["code"] == "not_found" and "no seller" in body["error"]["message"]


def test_a_duplicate_complaint_is_refused_in_chinese(client, session, app):
    seller = make_seller(session)
    url = f"/sellers/{seller.public_id}/complain"
    data = {**FORM, "narrative": "付款后一直没有发货，客服也不回复消息。"}
    first = client.post(url, data={**data, "csrf_token": csrf(client.get(url).get_data(True))})
    assert first.status_code == 200
    token = csrf(client.get(url, headers=ZH).get_data(as_text=True))
    again = client.post(url, data={**data, "csrf_token": token}, headers=ZH)
    html = again.get_data(as_text=True)
    assert again.status_code == 400 and "您已对该卖家提交过投诉" in html
    assert "you already have" not in html.lower()


def test_too_many_complaints_are_refused_in_chinese(client, session):
    sellers = [make_seller(session) for _ in range(6)]
    token = csrf(client.get(f"/sellers/{sellers[0].public_id}/complain").get_data(as_text=True))
    statuses = []
    for n, seller in enumerate(sellers):
        data = {**FORM, "narrative": f"付款后一直没有发货，第{n}次联系客服也不回复。"}
        response = client.post(
            f"/sellers/{seller.public_id}/complain",
            data={**data, "csrf_token": token},
            headers=ZH,
        )
        statuses.append(response.status_code)
    html = response.get_data(as_text=True)
    assert statuses == [200] * 5 + [400] and "来自此网络连接的投诉过多" in html
    assert "too many" not in html.lower()
