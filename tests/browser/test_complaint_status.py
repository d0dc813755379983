"""The complainant's loop in a browser: file, open the status page from the private link,
then (after the merchant's answer) rebut in Chinese and escalate in English; screenshots of
each new page in both languages (docs/screenshots with ``make screenshots``)."""

from __future__ import annotations

import pytest

from .conftest import save_screenshot

pytestmark = pytest.mark.browser

NARRATIVES = {
    "zh": "下单后商家说缺货，却一直不退款，客服只让我等待，已经过去三周了。",
    "en": "买的投影仪收到时屏幕有裂痕，商家说是运输问题，让我自己找快递公司。",
}
CONTACTS = {"zh": "13700002222", "en": "13700003333"}
STATUS = {
    "zh": ("已转交监管部门", "消费者已反驳答复"),
    "en": ("With the regulator", "Consumer rebutted the reply"),
}


def _answer(page, registry, complaint_id: str) -> None:
    """A moderator accepts and the merchant answers through its link (as people would)."""
    accepted = page.request.post(
        f"{registry.base}/api/v1/complaints/{complaint_id}/accept",
        headers={"Authorization": f"Bearer {registry.moderator_token}"},
        data={},
    )
    assert accepted.status == 200, accepted.text()
    token = accepted.json()["data"]["reply_url"].split("#token=")[1]
    replied = page.request.post(
        f"{registry.base}/api/v1/complaints/{complaint_id}/reply",
        data={"reply": "已安排退款，三个工作日内到账。", "token": token},
    )
    assert replied.status == 200, replied.text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_file_follow_and_then_rebut_or_escalate(page, registry, screenshot_dir, lang):
    seller = registry.seller
    page.goto(f"{registry.base}/sellers/{seller.public_id}/complain?lang={lang}")
    assert page.locator("#what-next li").count() == 3
    page.locator("select[name=category]").select_option("contract_fulfillment")
    page.locator("textarea[name=narrative]").fill(NARRATIVES[lang])
    page.locator("input[name=contact]").fill(CONTACTS[lang])
    page.locator("input[name=publish_narrative][value=no]").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    link = page.locator("#private-link").get_attribute("href")
    assert "/status#token=cpt_" in link
    complaint_id = link.split("/complaints/")[1].split("/")[0]
    assert page.locator("#what-next li").count() == 3
    save_screenshot(page, screenshot_dir, f"complaint-filed-{lang}")

    # The private link opens the page by itself (the script posts the fragment's token).
    page.goto(link)
    page.wait_for_selector("#timeline")
    assert NARRATIVES[lang] in page.locator("section.card .narrative").first.inner_text()
    assert page.locator("#timeline li").count() == 1 and page.locator("#deadline").count() == 1
    save_screenshot(page, screenshot_dir, f"complaint-status-{lang}")

    _answer(page, registry, complaint_id)
    page.reload()
    assert page.locator("#timeline li").count() == 3
    assert page.locator("#rebut-form").count() == 1 and page.locator("#escalate-form").count() == 1
    if lang == "zh":
        page.locator("textarea[name=rebut-rebuttal]").fill(
            "到现在也没有收到退款，请商家给出退款凭证。"
        )
        with page.expect_navigation():
            page.locator("#rebut-form button").click()
        assert page.locator("#status").inner_text() == STATUS[lang][1]
        assert page.locator("#rebut-form").count() == 0
    else:
        page.locator("textarea[name=escalate-escalation_reason]").fill("退款一直没有到账。")
        with page.expect_navigation():
            page.locator("#escalate-form button").click()
        assert page.locator("#status").inner_text() == STATUS[lang][0]
    assert page.locator("#timeline li").count() == 4
    save_screenshot(page, screenshot_dir, f"complaint-status-after-{lang}")
    # The public sees only the category and the outcome (the consumer's choice).
    page.goto(f"{registry.base}/complaints/{complaint_id}?lang={lang}")
    assert NARRATIVES[lang] not in page.content()
    assert page.errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_recovery_page(page, registry, screenshot_dir, lang):
    page.goto(f"{registry.base}/complaints/recover?lang={lang}")
    page.locator("input[name=ask-contact]").fill("someone@example.com")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#sent").count() == 1
    save_screenshot(page, screenshot_dir, f"complaint-recover-{lang}")
