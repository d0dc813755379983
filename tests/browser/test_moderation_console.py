"""A moderator in a real browser: signs in with a password and a TOTP code, opens the queue,
corrects the public text the scrubber left, accepts; screenshots of the new pages in both
languages (docs/screenshots with ``make screenshots``)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pyotp
import pytest

from ..people import BOX
from .conftest import save_screenshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
TEXT = {
    "zh": {
        "queue": "待审核队列",
        "saved": "公开文本已保存",
        "accepted": "已受理",
        "sign_in": "登录",
    },
    "en": {
        "queue": "Moderation queue",
        "saved": "The public text was saved",
        "accepted": "Accepted",
        "sign_in": "Sign in",
    },
}
# The consumer gave a WeChat handle in a form the scrubber does not know; the moderator
# takes it out of the public text.
NARRATIVE = "付款后商家一直不发货，电话13812345678，客服说加我薇芯 shop_kf2026 再谈，至今没有退款。"
# Two complaints, one per language, different enough for the near-duplicate rule.
TAILS = {
    "198.51.100.21": "我已经等了整整两个星期，多次催促都没有用，希望尽快处理。",
    "198.51.100.22": "订单里买的是一台咖啡机，平台客服让我自己和商家协商解决。",
}
_n = itertools.count(1)


def _accounts(app, role: str, *, enrol: bool = True, seller_ids=()):
    from registry.accounts.service import AccountService
    from registry.core.types import utcnow

    with app.app_context(), app.extensions["registry_db"].writer() as session:
        account, _ = AccountService(session).create(
            email=f"{role}{next(_n)}@example.org",
            role=role,
            password=PASSWORD,
            seller_ids=seller_ids,
        )
        if enrol and role != "merchant":
            earlier = utcnow() - timedelta(minutes=3)
            service = AccountService(session, earlier, box=BOX)
            secret, _ = service.start_totp(account, "Registry")
            service.confirm_totp(account, pyotp.TOTP(secret).at(earlier))
        session.commit()
        return account.email, (BOX.open(account.totp_secret) if account.totp_secret else None)


def _file_complaint(app, seller_id: str, address: str) -> str:
    client = app.test_client()
    response = client.post(
        "/api/v1/complaints",
        json={
            "seller": seller_id,
            "category": "after_sales",
            "narrative": NARRATIVE + TAILS[address],
            "contact": "1390000" + address.rsplit(".", 1)[1].zfill(4),
        },
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 201, response.json
    return response.json["data"]["id"]


def _shot(page, screenshot_dir, name, lang):
    assert page.locator("html").get_attribute("lang") == HTML_LANG[lang]
    return save_screenshot(page, screenshot_dir, f"{name}-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_moderator_signs_in_with_totp_edits_and_accepts(context, registry, screenshot_dir, lang):
    app, base = registry.app, registry.base
    email, secret = _accounts(app, "moderator")
    public_id = _file_complaint(
        app, registry.seller.public_id, {"zh": "198.51.100.21", "en": "198.51.100.22"}[lang]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{base}/login?lang={lang}")
    assert TEXT[lang]["sign_in"] in page.locator("h1").inner_text()
    _shot(page, screenshot_dir, "login", lang)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login/code" in page.url
    _shot(page, screenshot_dir, "login-code", lang)
    page.fill("#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/moderation"), page.url

    assert TEXT[lang]["queue"] in page.locator("h1").inner_text()
    row = page.locator("table.queue tr", has=page.locator(f"a:text-is('{public_id}')"))
    assert row.count() == 1
    _shot(page, screenshot_dir, "moderation-queue", lang)
    with page.expect_navigation():
        row.locator("a", has_text=public_id).click()

    # The consumer's words with the masks beside the public text.
    original = page.locator("p.narrative.original")
    assert original.locator("mark[data-kind=phone]").inner_text() == "13812345678"
    box = page.locator("#text")
    public = box.input_value()
    assert "13812345678" not in public and "shop_kf2026" in public  # the scrubber's miss
    _shot(page, screenshot_dir, "moderation-case", lang)

    box.fill(public.replace("加我薇芯 shop_kf2026 再谈", "私下联系"))
    with page.expect_navigation():
        page.locator("form[action$='/text'] button[type=submit]").click()
    assert TEXT[lang]["saved"] in page.locator("p.notice.ok").inner_text()
    assert "shop_kf2026" not in page.locator("#text").input_value()

    page.select_option("#action", "accept")
    with page.expect_navigation():
        page.locator("form[action$='/decision'] button[type=submit]").click()
    assert TEXT[lang]["accepted"] in page.locator("p.notice.ok").inner_text()
    assert "shop_kf2026" not in page.locator("p.narrative.public").inner_text()
    assert errors == []

    # The complaint's public page now shows the corrected text.
    page.goto(f"{base}/complaints/{public_id}?lang={lang}")
    shown = page.locator("p.narrative").first.inner_text()
    assert "私下联系" in shown and "13812345678" not in shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots_of_enrolment_and_the_account_pages(context, registry, screenshot_dir, lang):
    from sqlalchemy import select

    from registry.registration.models import Seller

    app, base = registry.app, registry.base
    email, _ = _accounts(app, "regulator", enrol=False)
    page = context.new_page()
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login/enrol" in page.url
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    secret = page.locator("[data-totp-secret]").inner_text().strip()
    assert "otpauth://totp/" in page.locator("code.uri").inner_text()
    _shot(page, screenshot_dir, "login-enrol", lang)
    page.fill("#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/account")
    page.fill("#seller", registry.seller.public_id)
    with page.expect_navigation():
        page.locator("form[action$='/claim-codes'] button[type=submit]").click()
    code = page.locator("code.claim-code").inner_text().strip()
    assert len(code) == 19
    _shot(page, screenshot_dir, "account-regulator", lang)

    with app.app_context(), app.extensions["registry_db"].reader() as session:
        seller_id = session.execute(
            select(Seller.id).where(Seller.public_id == registry.seller.public_id)
        ).scalar_one()
    merchant, _ = _accounts(app, "merchant", seller_ids=[seller_id])
    other = context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        mpage = other.new_page()
        mpage.goto(f"{base}/login?lang={lang}")
        mpage.fill("#email", merchant)
        mpage.fill("#password", PASSWORD)
        with mpage.expect_navigation():
            mpage.locator("main form button[type=submit]").click()
        assert mpage.url.endswith("/account")
        assert registry.seller.legal_name in mpage.locator("#sellers-h + ul").inner_text()
        _shot(mpage, screenshot_dir, "account-merchant", lang)
    finally:
        other.close()
