"""What a copycat can do with the badge in a real browser, and what the badge shows for it.

The genuine shop is http://genuine-shop.localhost:<port> (bound by a regulator in the fixture;
``*.localhost`` names are served only by the visitor's own machine, so they count as secure
origins); the copycat is http://copycat.localhost:<port> and look-alike names under it. The
verified state appears only where the browser's Referer names a bound origin.
"""

from __future__ import annotations

import html as htmllib
import urllib.parse

import pytest

from .conftest import COPYCAT_HOST, GENUINE_HOST

pytestmark = pytest.mark.browser

STATES = {
    "ok": "已验证商家",
    "warning": "未经验证的网站",
    "neutral": "请到登记册核对此商家",
}
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">{head}
<title>shop</title></head><body>{body}</body></html>"""


def state_of(svg: str) -> str:
    found = [name for name, words in STATES.items() if words in svg]
    assert len(found) == 1, svg[:300]
    return found[0]


class Shop:
    """Pages served on the third-party server; the badge states its images were drawn in."""

    def __init__(self, page, registry, third_party):
        self.page, self.registry, self.third_party = page, registry, third_party
        self.pid = registry.seller.public_id
        self.svgs: dict[str, str] = {}  # the "n" marker of each badge URL -> its SVG
        page.on("response", self._seen)

    def _seen(self, response) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(response.url).query)
        if "/badge/" in response.url and ".svg" in response.url:
            assert response.status == 200, response.url
            # The script's image asks for a size; the test's own images carry a marker.
            self.svgs[query["n"][0] if "n" in query else "script"] = response.text()

    def badge_url(self, n: str, query: str = "") -> str:
        # A marker per image: one document never reuses another image's answer.
        return f"{self.registry.base}/badge/{self.pid}.svg?lang=zh&n={n}{query}"

    def script(self) -> str:
        return f'<script src="{self.registry.base}/badge/{self.pid}.js?lang=zh"></script>'

    def open(self, host: str, body: str, head: str = "", name: str = "/page.html") -> None:
        self.third_party.pages[name] = PAGE.format(head=head, body=body)
        self.page.goto(self.third_party.url(host, name))
        self.page.wait_for_load_state("networkidle")

    def states(self) -> dict[str, str]:
        return {n: state_of(svg) for n, svg in self.svgs.items()}


@pytest.fixture
def shop(page, registry, third_party):
    return Shop(page, registry, third_party)


def test_no_referrer_policy_on_the_image_gets_the_neutral_badge(shop):
    """The copied <img referrerpolicy="no-referrer">: on the genuine site too, never green."""
    claiming = shop.badge_url("b", "&host=" + GENUINE_HOST)
    for host in (COPYCAT_HOST, GENUINE_HOST):
        shop.svgs.clear()
        shop.open(
            host,
            f'<img referrerpolicy="no-referrer" src="{shop.badge_url("a")}">'
            # ?host= names the genuine shop: it proves nothing.
            f'<img referrerpolicy="no-referrer" src="{claiming}">',
        )
        assert shop.states() == {"a": "neutral", "b": "neutral"}, host
        assert shop.registry.seller.legal_name in shop.svgs["a"]


def test_a_host_parameter_on_a_copycat_page_is_a_warning(shop):
    shop.open(COPYCAT_HOST, f'<img src="{shop.badge_url("a", "&host=" + GENUINE_HOST)}">')
    assert shop.states() == {"a": "warning"}


def test_a_page_wide_no_referrer_policy(shop):
    """<meta name="referrer" content="no-referrer">: the plain image is neutral everywhere; the
    script and the snippet's referrerpolicy="origin" still send the origin, so the genuine shop
    stays green and the copycat is warned about."""
    meta = '<meta name="referrer" content="no-referrer">'
    body = (
        f'<img id="plain" src="{shop.badge_url("plain")}">'
        f'<img referrerpolicy="origin" src="{shop.badge_url("snippet")}">' + shop.script()
    )
    shop.open(GENUINE_HOST, body, meta)
    assert "host=" not in shop.page.locator("a > img").get_attribute("src")
    assert shop.states() == {"plain": "neutral", "snippet": "ok", "script": "ok"}

    # The same URLs on the copycat's page: neither the browser's cache nor anything else
    # hands it the genuine shop's green badge.
    shop.svgs.clear()
    shop.open(COPYCAT_HOST, body, meta)
    assert shop.states() == {"plain": "neutral", "snippet": "warning", "script": "warning"}


def test_a_script_tampered_with_on_the_copycat_page_is_never_green(shop):
    """The copycat stops the script from setting the image's policy: no Referer, neutral."""
    head = (
        '<meta name="referrer" content="no-referrer"><script>'
        "Object.defineProperty(HTMLImageElement.prototype, 'referrerPolicy',"
        " {set() {}, get() { return ''; }});</script>"
    )
    shop.open(COPYCAT_HOST, shop.script(), head)
    assert shop.states() == {"script": "neutral"}


@pytest.mark.parametrize(
    "host",
    [
        f"{GENUINE_HOST}.{COPYCAT_HOST}",  # the real name in front of the copycat's
        f"evil{GENUINE_HOST}",  # the real name at the end of another label
    ],
)
def test_a_look_alike_domain_is_a_warning(shop, host):
    shop.open(host, f'<img src="{shop.badge_url("a")}">{shop.script()}')
    assert shop.states() == {"a": "warning", "script": "warning"}


def test_a_sub_domain_of_a_bound_domain_is_the_shop(shop):
    shop.open(f"m.{GENUINE_HOST}", f'<img src="{shop.badge_url("a")}">')
    assert shop.states() == {"a": "ok"}


def test_frames_and_blank_pages_are_never_green(shop):
    """The badge in an iframe (of the badge itself, srcdoc, about:blank, data:) on a copycat."""
    in_data = urllib.parse.quote(f'<img src="{shop.badge_url("data")}">')
    in_srcdoc = htmllib.escape(f'<img src="{shop.badge_url("srcdoc")}">')
    body = (
        f'<iframe src="{shop.badge_url("frame")}"></iframe>'
        f'<iframe srcdoc="{in_srcdoc}"></iframe>'
        f'<iframe src="data:text/html,{in_data}"></iframe>'
        '<iframe id="blank" src="about:blank"></iframe>'
        "<script>document.getElementById('blank').contentDocument.body.innerHTML ="
        f" '<img src=\"{shop.badge_url('blank')}\">';</script>"
    )
    shop.open(COPYCAT_HOST, body)
    states = shop.states()
    assert set(states) == {"frame", "srcdoc", "data", "blank"}, states
    # A frame's Referer is the page that made it (a srcdoc document's is its parent's); a
    # data: or about:blank document is at no URL a Referer may name, so it sends none.
    assert states == {
        "frame": "warning",
        "srcdoc": "warning",
        "data": "neutral",
        "blank": "neutral",
    }


def test_the_registry_pages_cannot_be_framed_by_a_copycat(shop):
    """A copycat cannot crop the embed page's green preview into its own page."""
    registry = shop.registry
    shop.open(
        COPYCAT_HOST,
        f'<iframe id="embed" src="{registry.base}/sellers/{shop.pid}/badge"></iframe>'
        f'<iframe id="verify" src="{registry.base}/verify/{shop.pid}"></iframe>',
    )
    for frame in shop.page.frames[1:]:
        # Refused by frame-ancestors: the frame holds the browser's error page, not ours.
        assert registry.seller.legal_name not in frame.content()


def test_the_script_link_tells_the_verification_page_where_it_was(context, shop):
    """Under a page-wide no-referrer policy the script's link still sends the origin."""
    shop.open(COPYCAT_HOST, shop.script(), '<meta name="referrer" content="no-referrer">')
    with context.expect_page() as opened:
        shop.page.locator("a:has(img)").click()
    verify = opened.value
    verify.wait_for_load_state()
    notice = verify.locator("article.verify > p.notice").inner_text()
    assert f"http://{COPYCAT_HOST}:{shop.third_party.port}" in notice and "警示" in notice
