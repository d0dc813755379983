"""What a consumer does in a browser: search, read a profile, switch language, complain."""

from __future__ import annotations

import re

import pytest

from .conftest import PHONE

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__pwned=1</script>"
PHONE_NUMBER = "138 1234 5678"


def test_search_by_two_characters_then_open_the_profile(page, registry):
    seller = registry.seller
    page.goto(registry.base + "/")
    box = page.get_by_role("searchbox", name="查询卖家")
    box.click()
    page.keyboard.type(seller.brand)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search?" in page.url

    heading = page.locator("#results-h")
    assert re.search(rf"“{seller.brand}”", heading.inner_text())
    link = page.locator("ol.hits h3 a", has_text=seller.legal_name)
    assert link.count() == 1, page.locator("ol.hits").inner_text()
    # The matched characters are highlighted inside the seller's name.
    assert link.locator("mark").all_inner_texts() == [seller.brand]

    link.click()
    page.wait_for_url(f"**/sellers/{seller.public_id}")
    assert page.locator("h1").inner_text().strip() == seller.legal_name
    identity = page.locator("section[aria-labelledby=identity-h]")
    assert identity.locator("dt", has_text="统一社会信用代码").count() == 1
    assert identity.locator("dd code").first.inner_text().strip() == seller.credit_code
    assert page.locator(".profile-head .grade").inner_text().strip() == seller.grade
    assert page.errors == []


def test_language_switch_persists_in_a_cookie(page, registry):
    seller = registry.seller
    page.goto(f"{registry.base}/sellers/{seller.public_id}")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#score-h").inner_text() == "信誉分"

    page.get_by_role("navigation", name="语言").get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#score-h").inner_text() == "Reputation score"
    assert page.locator("#identity-h").inner_text() == "Identity"
    assert page.locator(".profile-head h1").inner_text().strip() == seller.legal_name
    cookies = {c["name"]: c["value"] for c in page.context.cookies(registry.base)}
    assert cookies.get("lang") == "en"

    # A link without ?lang= (the site name in the header): still English, from the cookie.
    page.locator("header.site a.brand").click()
    page.wait_for_url(registry.base + "/")
    assert page.locator("h1").inner_text() == "Check a seller before you pay"
    assert page.get_by_role("link", name="English").get_attribute("aria-current") == "true"

    page.get_by_role("link", name="中文").click()
    page.wait_for_url("**lang=zh**")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "付款之前，先查一查卖家"
    page.goto(f"{registry.base}/sellers/{seller.public_id}")
    assert page.locator("#score-h").inner_text() == "信誉分"


def test_complaint_with_a_script_is_published_as_text_after_moderation(page, registry):
    seller = registry.seller
    narrative = (
        f"付款后一直不发货，客服电话 {PHONE_NUMBER} 也打不通。页面上还写着 {SCRIPT} 这样的字样。"
    )
    page.goto(f"{registry.base}/sellers/{seller.public_id}")
    page.get_by_role("link", name="我要投诉").click()
    page.wait_for_url(f"**/sellers/{seller.public_id}/complain")
    assert page.locator("input[name=csrf_token]").get_attribute("value")
    page.get_by_label("问题类型").select_option("contract_fulfillment")
    page.get_by_label("发生了什么？").fill(narrative)
    page.get_by_label("订单号").fill("BROWSER-TEST-1")
    page.get_by_label("手机号或电子邮箱（保密，绝不公开）").fill("13900001111")
    with page.expect_navigation():
        page.get_by_role("button", name="提交投诉").click()

    assert page.locator("h1").inner_text() == "投诉已收到"
    notice = page.locator("p.notice.ok").inner_text()
    number = re.search(r"c-[0-9a-z]+", notice)
    assert number, notice
    complaint_id = number.group(0)
    private = page.locator("#private-link").get_attribute("href")
    # The token travels in the fragment, which the browser never sends to a server.
    assert private.startswith(f"{registry.base}/complaints/{complaint_id}/status#token=cpt_")

    # Not public before moderation.
    page.goto(f"{registry.base}/sellers/{seller.public_id}")
    assert page.locator(f"a[href='/complaints/{complaint_id}']").count() == 0

    response = page.request.post(
        f"{registry.base}/api/v1/complaints/{complaint_id}/accept",
        headers={"Authorization": f"Bearer {registry.moderator_token}"},
        data={},
    )
    assert response.status == 200, response.text()
    assert response.json()["data"]["status"] != "submitted"

    page.goto(f"{registry.base}/sellers/{seller.public_id}")
    item = page.locator("ol.complaints li").filter(
        has=page.locator(f"a[href='/complaints/{complaint_id}']")
    )
    assert item.count() == 1
    shown = item.locator("p.narrative").inner_text()
    assert SCRIPT in shown  # the markup is shown as text...
    assert item.locator("script").count() == 0  # ...and is not an element
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert "1234" not in shown and "5678" not in shown
    assert "【电话已隐去】" in shown

    # The complainant's private page shows their own words as they typed them (their phone
    # number too: it is theirs), as text, and runs nothing either.
    page.goto(private)
    page.wait_for_selector("#timeline")
    assert page.locator("h1").inner_text().endswith(complaint_id)
    assert SCRIPT in page.locator("p.narrative").first.inner_text()
    assert PHONE_NUMBER in page.locator("p.narrative").first.inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.errors == []


@pytest.mark.parametrize("where", ["home", "profile"])
def test_skip_link_is_the_first_tab_stop_and_search_has_a_label(page, registry, where):
    path = "/" if where == "home" else f"/sellers/{registry.seller.public_id}"
    page.goto(registry.base + path)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.className, document.activeElement.getAttribute('href')]"
    )
    assert focused == ["skip", "#main"]
    skip = page.locator("a.skip")
    assert skip.inner_text() == "跳到正文"
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # The search box (the big one at home, the header's elsewhere) has a label, hidden visually.
    search = page.get_by_role("searchbox", name="查询卖家")
    assert search.count() == 1
    assert search.get_attribute("id") == ("q" if where == "home" else "q-top")
    label = page.locator(f"label[for={search.get_attribute('id')}]")
    assert label.inner_text() == "查询卖家"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_profile_has_no_horizontal_scroll_on_a_phone(context, registry, lang):
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{registry.base}/sellers/{registry.seller.public_id}?lang={lang}")
    assert page.locator("h1").inner_text().strip() == registry.seller.legal_name
    width = page.evaluate("document.scrollingElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert viewport == PHONE["width"]
    if width > viewport + 1:
        wide = page.evaluate(
            """(limit) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit)
                .slice(0, 5).map(e => e.tagName + '.' + e.className)""",
            viewport + 1,
        )
        pytest.fail(f"page is {width}px wide on a {viewport}px screen; too wide: {wide}")


def _another_seller(registry) -> str:
    from sqlalchemy import select

    from registry.registration.models import Seller

    with registry.app.app_context():
        with registry.app.extensions["registry_db"].reader() as session:
            return session.execute(
                select(Seller.public_id)
                .where(Seller.public_id.not_in([registry.seller.public_id, registry.chart_seller]))
                .order_by(Seller.id.desc())
                .limit(1)
            ).scalar_one()


def test_published_complaint_keeps_chinese_punctuation(page, registry):
    public_id = _another_seller(registry)
    narrative = "收到的商品与描述不符，客服说：不退不换！我问为什么？没有回答（已截图）。"
    filed = page.request.post(
        f"{registry.base}/api/v1/complaints",
        data={
            "seller": public_id,
            "category": "false_advertising",
            "narrative": narrative,
            "contact": "buyer-punctuation@example.com",
        },
    )
    assert filed.status == 201, filed.text()
    complaint_id = filed.json()["data"]["id"]
    accepted = page.request.post(
        f"{registry.base}/api/v1/complaints/{complaint_id}/accept",
        headers={"Authorization": f"Bearer {registry.moderator_token}"},
    )
    assert accepted.status == 200, accepted.text()

    page.goto(f"{registry.base}/sellers/{public_id}")
    item = page.locator("ol.complaints li").filter(
        has=page.locator(f"a[href='/complaints/{complaint_id}']")
    )
    assert item.locator("p.narrative").inner_text().strip() == narrative
