"""Screenshots for the documentation: docs/screenshots/<page>-<lang>[-mobile].png (overwritten).

Each page is checked for its language and its main heading before it is photographed, so a
screenshot of an error page fails the test instead of ending up in the docs.
"""

from __future__ import annotations

import pytest

from .conftest import COPYCAT_HOST, PHONE, save_screenshot

pytestmark = pytest.mark.browser

HTML_LANG = {"zh": "zh-CN", "en": "en"}
# page name -> (path, {lang: text the <h1> contains}); "{id}", "{name}", "{q}" are filled in.
PAGES = {
    "home": ("/", {"zh": "付款之前，先查一查卖家", "en": "Check a seller before you pay"}),
    "search": ("/search?q={q}", {"zh": None, "en": None}),
    "profile": ("/sellers/{id}", {"zh": "{name}", "en": "{name}"}),
    "complaint-form": ("/sellers/{id}/complain", {"zh": "{name}", "en": "{name}"}),
    "verify": ("/verify/{id}", {"zh": "这个徽章是真的吗？", "en": "Is this badge genuine?"}),
    "embed": ("/sellers/{id}/badge", {"zh": "{name}", "en": "{name}"}),
}
SEARCH_HEADING = {"zh": "找到", "en": "sellers found"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots(context, registry, screenshot_dir, lang):
    seller = registry.seller
    values = {"id": seller.public_id, "name": seller.legal_name, "q": seller.brand}
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    written = []
    for name, (path, headings) in PAGES.items():
        url = registry.base + path.format(**values)
        url += ("&" if "?" in url else "?") + f"lang={lang}"
        # The verification page as reached from a copied badge: it warns about that site.
        referer = f"http://{COPYCAT_HOST}/" if name == "verify" else None
        response = page.goto(url, referer=referer)
        assert response.status == 200, (url, response.status)
        assert page.locator("html").get_attribute("lang") == HTML_LANG[lang], url
        if headings[lang]:
            assert headings[lang].format(**values) in page.locator("h1").inner_text(), url
        if name == "search":
            assert SEARCH_HEADING[lang] in page.locator("#results-h").inner_text()
            assert page.locator("ol.hits li.hit").count() >= 1
        if name == "verify":
            assert COPYCAT_HOST in page.locator("article.verify > p.notice").inner_text()
        written.append(save_screenshot(page, screenshot_dir, f"{name}-{lang}"))

    page.set_viewport_size(PHONE)
    page.goto(f"{registry.base}/sellers/{seller.public_id}?lang={lang}")
    assert page.locator("h1").inner_text().strip() == seller.legal_name
    written.append(save_screenshot(page, screenshot_dir, f"profile-{lang}-mobile"))

    assert len({p.name for p in written}) == len(PAGES) + 1
    assert errors == []
