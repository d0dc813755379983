"""The escalation path in a real browser, by people only: a consumer files, a moderator
accepts in the console, the merchant answers on its desk, the consumer escalates from the
status page, a regulator signs in with a TOTP code, opens the case on the desk and decides;
the consumer's status page and the seller's profile then show the decision. Also a dispute
decided by its source on the desk, and a site report on /ops/sites. Screenshots of the
regulator's pages, /report-site and /ops/sites in both languages (``make screenshots``)."""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, save_screenshot
from .test_mediation_loop import _sign_in
from .test_moderation_console import HTML_LANG, _accounts

pytestmark = pytest.mark.browser

NARRATIVE = {
    "zh": "在店里订购的空气净化器迟迟不发货，客服一再承诺明天发，已经拖了二十天。",
    "en": "购买的智能手表充不进电，商家说需要寄回检测，寄回后一个月没有任何消息。",
}
CONTACT = {"zh": "desk-zh@consumer.test", "en": "desk-en@consumer.test"}
DECISION = {
    "zh": "经核查，商家未能提供发货凭证，投诉成立。",
    "en": "经核查，商家未能提供检测报告，投诉成立。",
}
UPHELD = {"zh": "监管部门支持投诉", "en": "Regulator upheld the complaint"}
QUEUE = {"zh": "转交监管的投诉", "en": "Escalated complaints"}
# Reports are counted under the registrable domain (the Public Suffix List's).
SITE = {"zh": "example.cn", "en": "example.com"}


def _shot(page, directory, name, lang):
    assert page.locator("html").get_attribute("lang") == HTML_LANG[lang]
    return save_screenshot(page, directory, f"{name}-{lang}")


def _spare_sellers(registry) -> list[tuple[int, str]]:
    """Demo sellers no other browser test looks at (id, public id), the newest first: a
    decision and a sanction change what their pages and badges show."""
    from sqlalchemy import select

    from registry.registration.models import Seller

    shared = {registry.seller.public_id, registry.chart_seller}
    with registry.app.app_context(), registry.app.extensions["registry_db"].reader() as session:
        rows = session.execute(
            select(Seller.id, Seller.public_id).order_by(Seller.id.desc()).limit(5)
        ).all()
    return [(r[0], r[1]) for r in rows if r[1] not in shared]


def _dispute(app, lang: str, seller_id: int, public_id: str) -> str:
    """A regulator (the source ``desk-<lang>``) lists a penalty on a demo seller, whose
    merchant asks for a credit repair: the source's name, for the regulator's account."""
    from registry.trust.tokens import TokenService

    name = f"desk-{lang}"
    with app.app_context(), app.extensions["registry_db"].writer() as session:
        regulator, _ = TokenService(session).create(name=name, role="regulator")
        merchant, _ = TokenService(session).create(
            name=f"shop-{lang}", role="merchant", seller_id=seller_id
        )
        session.commit()
    client = app.test_client()
    recorded = client.post(
        "/api/v1/sanctions",
        json=[
            {
                "seller": public_id,
                "kind": "administrative_penalty",
                "decision_number": f"杭市监罚〔2026〕{len(lang)}{ord(lang[0])}号",
                "authority": "杭州市市场监督管理局",
                "decided_on": "2026-09-01",
                "amount": 5000,
                "summary": "未按规定明码标价。",
                "external_ref": f"desk-{lang}-1",
            }
        ],
        headers={"Authorization": f"Bearer {regulator}"},
    )
    assert recorded.status_code == 200, recorded.json
    filed = client.post(
        f"/api/v1/sellers/{public_id}/disputes",
        json={
            "kind": "credit_repair",
            "event_id": recorded.json["data"][0]["event_id"],
            "statement": "罚款已缴清，价签已全部整改，申请信用修复。",
        },
        headers={"Authorization": f"Bearer {merchant}"},
    )
    assert filed.status_code == 201, filed.json
    return name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_escalation_path_by_people_only(browser, registry, screenshot_dir, lang):
    from registry.accounts.service import AccountService

    app, base = registry.app, registry.base
    (sid, seller_id), (other_id, other) = _spare_sellers(registry)[:2]
    moderator, mod_secret = _accounts(app, "moderator")
    merchant, _ = _accounts(app, "merchant", seller_ids=[sid])
    regulator, reg_secret = _accounts(app, "regulator")
    source = _dispute(app, lang, other_id, other)
    with app.app_context(), app.extensions["registry_db"].writer() as session:
        service = AccountService(session)
        service.set_source(service.find(regulator), source, "test")
        session.commit()

    address = {"zh": "203.0.113.71", "en": "203.0.113.72"}[lang]
    consumer = browser.new_context(
        viewport=DESKTOP, extra_http_headers={"X-Forwarded-For": address}
    )
    contexts = [consumer] + [browser.new_context(viewport=DESKTOP) for _ in range(3)]
    mod_ctx, shop_ctx, reg_ctx = contexts[1:]
    errors: list[str] = []
    try:
        # The consumer files.
        page = consumer.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/sellers/{seller_id}/complain?lang={lang}")
        page.locator("select[name=category]").select_option("contract_fulfillment")
        page.locator("textarea[name=narrative]").fill(NARRATIVE[lang])
        page.locator("input[name=contact]").fill(CONTACT[lang])
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        link = page.locator("#private-link").get_attribute("href")
        complaint_id = link.split("/complaints/")[1].split("/")[0]

        # A moderator accepts in the console.
        mod = mod_ctx.new_page()
        _sign_in(mod, base, lang, moderator, mod_secret)
        mod.goto(f"{base}/moderation/{complaint_id}?lang={lang}")
        mod.select_option("#action", "accept")
        with mod.expect_navigation():
            mod.locator("form[action$='/decision'] button[type=submit]").click()

        # The merchant answers on its desk.
        shop = shop_ctx.new_page()
        _sign_in(shop, base, lang, merchant)
        shop.goto(f"{base}/merchant/cases/{complaint_id}?lang={lang}")
        shop.locator("input[name=response][value=explanation]").check()
        shop.locator("textarea[name=reply]").fill("订单已在处理中，请耐心等待。")
        with shop.expect_navigation():
            shop.locator("#reply-form button[type=submit]").click()

        # The consumer escalates from the status page.
        page.goto(link)
        page.wait_for_selector("#escalate-form")
        page.locator("textarea[name=escalate-escalation_reason]").fill("商家只是拖延，没有解决。")
        with page.expect_navigation():
            page.locator("#escalate-form button[type=submit]").click()

        # The regulator signs in with a TOTP code and finds the case on the desk.
        reg = reg_ctx.new_page()
        reg.on("pageerror", lambda exc: errors.append(str(exc)))
        _sign_in(reg, base, lang, regulator, reg_secret)
        reg.goto(f"{base}/regulator?lang={lang}")
        assert QUEUE[lang] in reg.locator("h1").inner_text()
        row = reg.locator("table.queue tr", has=reg.locator(f"a:text-is('{complaint_id}')"))
        assert row.count() == 1
        _shot(reg, screenshot_dir, "regulator-queue", lang)
        with reg.expect_navigation():
            row.locator("a", has_text=complaint_id).click()
        assert NARRATIVE[lang] in reg.locator("p.narrative.original").inner_text()
        assert "订单已在处理中" in reg.locator("section.reply").inner_text()
        assert reg.locator("#timeline li").count() == 4
        _shot(reg, screenshot_dir, "regulator-case", lang)
        reg.select_option("#decision", "upheld")
        reg.fill("#reason", DECISION[lang])
        with reg.expect_navigation():
            reg.locator("#decision-form button[type=submit]").click()
        assert reg.locator("p.notice.ok").count() == 1
        assert UPHELD[lang] in reg.locator("main").inner_text()

        # The consumer's status page and the seller's profile show the decision.
        page.goto(f"{base}/complaints/{complaint_id}/status?lang={lang}")
        assert DECISION[lang] in page.locator("main").inner_text()
        assert UPHELD[lang] in page.locator("main").inner_text()
        page.goto(f"{base}/sellers/{seller_id}?lang={lang}")
        assert DECISION[lang] in page.locator("main").inner_text()

        # A dispute of the regulator's own record, decided on the desk.
        reg.goto(f"{base}/regulator/disputes?lang={lang}")
        card = reg.locator("section.dispute").first
        assert "罚款已缴清" in card.inner_text()
        _shot(reg, screenshot_dir, "regulator-disputes", lang)
        card.locator("input[name=outcome][value=granted]").check()
        card.locator("textarea[name=reason]").fill("已核实缴款凭证和整改照片，准予信用修复。")
        with reg.expect_navigation():
            card.locator("button[type=submit]").click()
        assert reg.locator("p.notice.ok").count() == 1
        assert reg.locator("section.dispute form").count() == 0

        # A site nobody can identify, reported by a consumer, reaches the regulator.
        page.goto(f"{base}/report-site?lang={lang}")
        _shot(page, screenshot_dir, "report-site", lang)
        page.locator("input[name=site]").fill(f"https://deals.{SITE[lang]}/item/1")
        page.locator("select[name=category]").select_option("fraud")
        said = "付款后网站就打不开了，客服也联系不上。" + lang
        page.locator("textarea[name=narrative]").fill(said)
        page.locator("input[name=contact]").fill(f"site-{CONTACT[lang]}")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        reg.goto(f"{base}/regulator?lang={lang}")
        with reg.expect_navigation():
            reg.locator("nav.desk a[href='/ops/sites']").click()
        assert SITE[lang] in reg.locator("main").inner_text()
        _shot(reg, screenshot_dir, "ops-sites", lang)
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()
