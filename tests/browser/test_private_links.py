"""Private links in a browser: the token in the fragment fills the forms through the page's
own script, under a policy that runs no inline script; an old ?token= link still works."""

from __future__ import annotations

import itertools

import pytest

pytestmark = pytest.mark.browser

FORM = {"category": "contract_fulfillment"}
NARRATIVES = (
    "付款后一直没有发货，客服不回复。",
    "收到的耳机是二手的，包装已被拆开，申请退货被拒绝。",
    "说好七天内退款，已经过去一个月了，电话一直打不通。",
    "商品页面写着正品保证，实物却是仿冒品，商家拒绝承认。",
)
NUMBERS = itertools.count(1)  # one complainant, narrative and address per complaint


def _post(registry, path: str, body: dict, token: str | None = None, n: int = 0) -> dict:
    """Through the app in-process, from an address of its own: filing is rate-limited per
    client, and the browser tests share 127.0.0.1."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with registry.app.test_client() as client:
        response = client.post(
            path, json=body, headers=headers, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}
        )
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.json["data"]


def _watch_policy(page) -> list[str]:
    """Console messages about blocked content (an inline script or style, say)."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return blocked


def _filed_and_accepted(registry) -> tuple[str, str, str]:
    n = next(NUMBERS)
    body = {
        **FORM,
        "narrative": NARRATIVES[n % len(NARRATIVES)],
        "contact": f"1390000{n:04d}",
        "seller": registry.seller.public_id,
    }
    filed = _post(registry, "/api/v1/complaints", body, n=n)
    accepted = _post(
        registry, f"/api/v1/complaints/{filed['id']}/accept", {}, registry.moderator_token
    )
    return filed["id"], filed["follow_url"], accepted["reply_url"]


def test_the_merchant_and_the_consumer_answer_through_their_private_links(page, registry):
    blocked = _watch_policy(page)
    cid, follow_url, reply_url = _filed_and_accepted(registry)
    assert "#token=crt_" in reply_url and "?" not in reply_url

    page.goto(reply_url)
    assert page.locator("[data-token-paste]").is_hidden()  # the script filled it in
    page.get_by_label("您的公开答复").fill("已补发，快递单号 SF123")
    with page.expect_navigation():
        page.get_by_role("button", name="发布答复").click()
    assert page.url == f"{registry.base}/complaints/{cid}"
    assert "已补发" in page.locator("section.reply").inner_text()

    page.goto(follow_url)
    confirm = page.locator("details#confirm")
    assert confirm.get_attribute("open") is not None
    assert page.locator("[data-token-paste]").is_hidden()
    page.get_by_label("是的，已经解决").check()
    with page.expect_navigation():
        confirm.get_by_role("button", name="提交").click()
    assert page.url == f"{registry.base}/complaints/{cid}"
    assert page.locator("p.notice.ok").count() == 1
    assert page.errors == [] and blocked == []


def test_without_a_token_in_the_address_the_code_can_be_pasted(page, registry):
    cid, follow_url, reply_url = _filed_and_accepted(registry)
    page.goto(f"{registry.base}/complaints/{cid}/reply")
    paste = page.get_by_label("私密代码")
    assert paste.is_visible()
    paste.fill(reply_url.split("#token=", 1)[1])
    page.get_by_label("您的公开答复").fill("请提供订单号，我们马上处理。")
    with page.expect_navigation():
        page.get_by_role("button", name="发布答复").click()
    assert page.url == f"{registry.base}/complaints/{cid}"


def test_an_old_link_with_the_token_in_the_query_is_moved_to_the_fragment(page, registry):
    cid, follow_url, reply_url = _filed_and_accepted(registry)
    token = reply_url.split("#token=", 1)[1]
    page.goto(f"{registry.base}/complaints/{cid}/reply?token={token}")
    assert page.url == f"{registry.base}/complaints/{cid}/reply#token={token}"
    assert page.locator("[data-token-paste]").is_hidden()
    # The language links keep the fragment: the page in English still has the token.
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en**")
    assert page.url.endswith(f"#token={token}")
    assert page.locator("[data-token-paste]").is_hidden()
