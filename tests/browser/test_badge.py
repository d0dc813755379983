"""The trust badge embedded by a third-party page on another origin (another local port).

The seller's bound domains are its demo ``*.example`` domain and ``genuine-shop.localhost``
(bound by a regulator in the fixture). Third-party pages are served from a second server on
127.0.0.1; chromium maps every ``*.localhost`` name to 127.0.0.1, so the same server answers as
``127.0.0.1``, ``copycat.localhost`` (not bound) and ``genuine-shop.localhost`` (bound).
"""

from __future__ import annotations

import pytest

from .conftest import COPYCAT_HOST, GENUINE_HOST, save_screenshot

pytestmark = pytest.mark.browser

# The state labels drawn in the SVG (web/badge_svg.py, _LABELS).
WARNING = {"zh": "未经验证的网站", "en": "Not verified for this site"}
OK = {"zh": "已验证商家", "en": "Verified seller"}

SHOP_PAGE = """<!doctype html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font-family: "Noto Sans CJK SC", sans-serif; margin: 2rem; max-width: 40rem; }}
section {{ border: 1px solid #ccc; border-radius: 8px; padding: 1rem; margin: 1rem 0; }}</style>
</head><body>
<h1>{title}</h1>
<section><h2>script</h2>
<div id="script-badge"><script src="{base}/badge/{id}.js?lang={lang}" async></script></div>
</section>
<section><h2>&lt;a&gt;&lt;img&gt;</h2>
<div id="plain-badge"><a id="plain-link" href="{base}/verify/{id}"><img id="plain-img"
  src="{base}/badge/{id}.svg?lang={lang}" alt="badge"></a></div>
</section>
</body></html>
"""
TITLES = {"zh": "第三方网店（演示）", "en": "A third-party shop (demo)"}

LOADED = """(selector) => { const i = document.querySelector(selector);
  return !!i && i.complete && i.naturalWidth > 0; }"""


def open_shop(page, registry, third_party, host: str, lang: str):
    """Open the shop page on ``host``; return the SVG bodies it loaded, by variant."""
    path = f"/shop-{lang}.html"
    third_party.pages[path] = SHOP_PAGE.format(
        html_lang="zh-CN" if lang == "zh" else "en",
        title=TITLES[lang],
        base=registry.base,
        id=registry.seller.public_id,
        lang=lang,
    )
    responses = []
    page.on(
        "response",
        lambda r: responses.append(r) if "/badge/" in r.url and ".svg" in r.url else None,
    )
    page.goto(third_party.url(host, path))
    page.wait_for_function(LOADED, arg="#script-badge a img")
    page.wait_for_function(LOADED, arg="#plain-img")
    page.wait_for_load_state("networkidle")
    bodies = {}
    for response in responses:
        assert response.status == 200, response.url
        # The script asks for a size; the plain snippet does not.
        variant = "script" if "size=" in response.url else "plain"
        bodies[variant] = response.text()
    assert set(bodies) == {"script", "plain"}, [r.url for r in responses]
    return bodies


def verify_notice(page) -> str:
    page.wait_for_selector("article.verify")
    return page.locator("article.verify > p.notice").inner_text()


def allowed_domains(page) -> list[str]:
    return [d.strip() for d in page.locator("ul.domains code").all_inner_texts()]


def test_script_badge_on_an_unbound_origin_shows_the_warning(
    context, page, registry, third_party, screenshot_dir
):
    """The brief's set-up: the shop is http://127.0.0.1:<other port>/, a host not bound."""
    seller = registry.seller
    bodies = open_shop(page, registry, third_party, "127.0.0.1", "zh")

    assert WARNING["zh"] in bodies["script"]
    assert OK["zh"] not in bodies["script"]
    assert seller.legal_name in bodies["script"]
    script_img = page.locator("#script-badge a img")
    assert seller.legal_name in script_img.get_attribute("alt")
    # The plain image renders (its state on another port: see the test below).
    assert page.evaluate("document.querySelector('#plain-img').naturalWidth") == 280
    save_screenshot(page, screenshot_dir, "third-party-zh")

    # The script's link says where it was shown; the verification page warns about that host.
    with context.expect_page() as opened:
        page.locator("#script-badge a").click()
    verify = opened.value
    verify.wait_for_load_state()
    # The link says where it was shown (a claim); the browser's Referer says so too (proof).
    assert verify.url == (
        f"{registry.base}/verify/{seller.public_id}?lang=zh"
        f"&from=http%3A%2F%2F127.0.0.1%3A{third_party.port}"
    )
    notice = verify_notice(verify)
    assert "警示" in notice and "127.0.0.1" in notice
    assert set(seller.demo_domains) <= set(allowed_domains(verify))
    assert "127.0.0.1" not in allowed_domains(verify)
    assert page.errors == []


def test_plain_badge_on_another_port_of_the_registry_host_warns(page, registry, third_party):
    bodies = open_shop(page, registry, third_party, "127.0.0.1", "zh")
    with page.expect_navigation():
        page.locator("#plain-link").click()
    notice = verify_notice(page)
    assert "警示" in notice and "127.0.0.1" in notice, notice
    assert WARNING["zh"] in bodies["plain"]


def test_badge_copied_to_another_site_warns_and_its_link_says_so(
    page, registry, third_party, screenshot_dir
):
    """A copycat host (Referer: http://copycat.localhost:<port>/) in English."""
    seller = registry.seller
    bodies = open_shop(page, registry, third_party, COPYCAT_HOST, "en")
    assert WARNING["en"] in bodies["script"]
    # The Referer names the copycat, so even the plain image warns.
    assert WARNING["en"] in bodies["plain"]
    assert OK["en"] not in bodies["plain"]
    save_screenshot(page, screenshot_dir, "third-party-en")

    with page.expect_navigation():
        page.locator("#plain-link").click()
    assert page.url == f"{registry.base}/verify/{seller.public_id}"
    notice = verify_notice(page)
    # The link carries no language, and the registry is Chinese first.
    assert COPYCAT_HOST in notice
    assert "它不是该卖家的网站" in notice
    assert page.locator("article.verify > p.notice").get_attribute("role") == "alert"
    domains = allowed_domains(page)
    assert COPYCAT_HOST not in domains and GENUINE_HOST in domains
    assert page.errors == []


def test_badge_on_a_bound_site_is_genuine(context, page, registry, third_party, screenshot_dir):
    """The positive case: genuine-shop.localhost is one of the seller's bound domains."""
    seller = registry.seller
    bodies = open_shop(page, registry, third_party, GENUINE_HOST, "zh")
    for variant in ("script", "plain"):
        assert OK["zh"] in bodies[variant], variant
        assert WARNING["zh"] not in bodies[variant], variant
        assert f">{seller.grade}</text>" in bodies[variant], variant
    save_screenshot(page, screenshot_dir, "third-party-genuine-zh")

    with page.expect_navigation():
        page.locator("#plain-link").click()
    notice = verify_notice(page)
    assert notice.startswith("✔") and GENUINE_HOST in notice
    assert "警示" not in notice

    page.go_back()
    page.wait_for_function(LOADED, arg="#script-badge a img")
    with context.expect_page() as opened:
        page.locator("#script-badge a").click()
    verify = opened.value
    verify.wait_for_load_state()
    assert f"from=http%3A%2F%2F{GENUINE_HOST}%3A{third_party.port}" in verify.url
    assert GENUINE_HOST in verify_notice(verify)
    assert "警示" not in verify_notice(verify)
