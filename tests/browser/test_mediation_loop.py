"""The whole mediation loop in a real browser, by people only: a consumer files with a photo,
a moderator accepts in the console, the merchant is e-mailed (a real SMTP server), signs in,
attaches a file and answers on its desk, the consumer sees both parties' files and rebuts,
the merchant offers a settlement, the consumer accepts, and the profile shows the outcome.
Screenshots of the merchant's pages in both languages (docs/screenshots with
``make screenshots``)."""

from __future__ import annotations

import email
import io
import socket
from email.policy import default as default_policy

import pyotp
import pytest
from aiosmtpd.controller import Controller

from .conftest import DESKTOP, save_screenshot
from .test_moderation_console import PASSWORD, _accounts

pytestmark = pytest.mark.browser

NARRATIVE = {
    "zh": "买的电饭煲用了两天就坏了，商家不肯换货，只说是我操作不当，已经一周没有解决。",
    "en": "订购的羽绒服到货后发现是旧款，和页面描述不符，商家拒绝退货并不再回复消息。",
}
CONTACT = {"zh": "loop-zh@consumer.test", "en": "loop-en@consumer.test"}
OUTCOME = {"zh": "已解决", "en": "Resolved"}


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def inbox(registry):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = _Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    config = registry.app.config
    saved = {k: config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM")}
    config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="desk@registry.test")
    yield box
    config.update(saved)
    controller.stop()


def _photo(kind: str = "JPEG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, kind)
    return out.getvalue()


def _send(app) -> None:
    from web.jobs import send_notifications

    send_notifications(app)


def _sign_in(page, base, lang, email_address, secret=None):
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#email", email_address)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if secret:
        page.fill("#code", pyotp.TOTP(secret).now())
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_whole_loop_by_people_only(browser, registry, inbox, screenshot_dir, tmp_path, lang):
    from sqlalchemy import select, update

    from registry.registration.models import Seller

    app, base, seller = registry.app, registry.base, registry.seller
    merchant_mail = f"shop-{lang}@seller.test"
    with app.app_context(), app.extensions["registry_db"].writer() as session:
        sid = session.execute(
            select(Seller.id).where(Seller.public_id == seller.public_id)
        ).scalar_one()
        session.execute(update(Seller).where(Seller.id == sid).values(contact_email=merchant_mail))
        session.commit()
    moderator, secret = _accounts(app, "moderator")
    merchant, _ = _accounts(app, "merchant", seller_ids=[sid])
    photo = tmp_path / "receipt.jpg"
    photo.write_bytes(_photo())
    shop_file = tmp_path / "waybill.png"
    shop_file.write_bytes(_photo("PNG"))
    # The consumer is a person of their own (their address): other tests' complaints from
    # this machine count against 127.0.0.1's intake limits, not theirs.
    address = {"zh": "203.0.113.61", "en": "203.0.113.62"}[lang]
    consumer = browser.new_context(
        viewport=DESKTOP, extra_http_headers={"X-Forwarded-For": address}
    )
    mod_ctx, shop_ctx = browser.new_context(viewport=DESKTOP), browser.new_context(viewport=DESKTOP)
    try:
        # The consumer files, with a photo.
        page = consumer.new_page()
        page.goto(f"{base}/sellers/{seller.public_id}/complain?lang={lang}")
        page.locator("select[name=category]").select_option("after_sales")
        page.locator("textarea[name=narrative]").fill(NARRATIVE[lang])
        page.locator("input[name=contact]").fill(CONTACT[lang])
        page.locator("input[type=file]").set_input_files(str(photo))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        link = page.locator("#private-link").get_attribute("href")
        complaint_id = link.split("/complaints/")[1].split("/")[0]

        # The moderator accepts in the console.
        mod = mod_ctx.new_page()
        _sign_in(mod, base, lang, moderator, secret)
        mod.goto(f"{base}/moderation/{complaint_id}?lang={lang}")
        mod.select_option("#action", "accept")
        with mod.expect_navigation():
            mod.locator("form[action$='/decision'] button[type=submit]").click()

        # The merchant is e-mailed, signs in and answers on its desk.
        _send(app)
        to_shop = [m for m in inbox.messages if merchant_mail in str(m["To"])]
        assert to_shop and complaint_id in str(to_shop[-1]["Subject"])
        shop = shop_ctx.new_page()
        _sign_in(shop, base, lang, merchant)
        shop.goto(f"{base}/merchant?lang={lang}")
        row = shop.locator("table.queue tr", has=shop.locator(f"a:text-is('{complaint_id}')"))
        assert row.count() == 1
        save_screenshot(shop, screenshot_dir, f"merchant-desk-{lang}")
        with shop.expect_navigation():
            row.locator("a", has_text=complaint_id).click()
        # It attaches a file of its own from the desk (the consumer is told); the case still
        # takes more until it is answered: the screenshot shows both files and the form.
        shop.locator("#evidence-form input[type=file]").set_input_files(str(shop_file))
        with shop.expect_navigation():
            shop.locator("#evidence-form button[type=submit]").click()
        assert shop.locator("#evidence li[data-party=merchant]").count() == 1
        assert shop.locator("#evidence li[data-party=consumer]").count() == 1
        assert shop.locator("#evidence-form input[type=file]").is_visible()
        save_screenshot(shop, screenshot_dir, f"merchant-case-{lang}")
        shop.locator("input[name=response][value=explanation]").check()
        shop.locator("textarea[name=reply]").fill("产品经检测为正常使用损坏，请提供照片以便核实。")
        with shop.expect_navigation():
            shop.locator("#reply-form button[type=submit]").click()

        # The consumer rebuts from the status page (the private link opens it).
        page.goto(link)
        page.wait_for_selector("#timeline")
        # Both parties' files are listed, each a download.
        assert page.locator("#evidence li[data-party=consumer]").count() == 1
        shop_item = page.locator("#evidence li[data-party=merchant]")
        assert shop_item.count() == 1
        with page.expect_download() as got:
            shop_item.locator("a").click()
        assert got.value.suggested_filename.endswith(".png")
        page.locator("#rebut-form textarea").fill("照片已上传，外壳裂开并非人为损坏，请换货。")
        with page.expect_navigation():
            page.locator("#rebut-form button[type=submit]").click()

        # The merchant settles.
        shop.goto(f"{base}/merchant/cases/{complaint_id}?lang={lang}")
        shop.locator("input[name=response][value=monetary_relief]").check()
        shop.locator("input[name=settlement]").fill("150")
        shop.locator("textarea[name=reply]").fill("同意退款150元作为补偿，已联系顾客。")
        with shop.expect_navigation():
            shop.locator("#reply-form button[type=submit]").click()

        # The consumer sees the offer and accepts the outcome.
        page.goto(f"{base}/complaints/{complaint_id}/status?lang={lang}")
        assert "150" in page.locator("p.notice.ok").first.inner_text()
        with page.expect_navigation():
            page.locator("#accept-form button[type=submit]").click()

        # The profile shows the outcome.
        page.goto(f"{base}/complaints/{complaint_id}?lang={lang}")
        assert OUTCOME[lang] in page.locator("main").inner_text()

        # Records and disputes, for the screenshots.
        shop.goto(f"{base}/merchant/sellers/{seller.public_id}/disputes?lang={lang}")
        save_screenshot(shop, screenshot_dir, f"merchant-disputes-{lang}")
    finally:
        for ctx in (consumer, mod_ctx, shop_ctx):
            ctx.close()
        # The shared demo seller goes back to having no address: other tests expect the
        # moderator to be handed its reply link.
        with app.app_context(), app.extensions["registry_db"].writer() as session:
            session.execute(update(Seller).where(Seller.id == sid).values(contact_email=None))
            session.commit()
