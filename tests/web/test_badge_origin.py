"""A badge is green only on a page whose origin, as the browser's Referer names it, is bound.

What the copycat tries, and what the badge shows for it (the browser-side tricks, such as
``referrerpolicy`` and ``<meta name="referrer">``, are in tests/browser/test_badge.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from registry.events.service import EventService
from registry.read.badges import BadgeFacts, badge_facts
from registry.trust.embedding import BOUND, FOREIGN, NOT_SECURE, embedding_origin, parse_origin

from ..factories import make_seller
from .helpers import settle

DOMAIN = "realshop.example"
OK = {"zh": "已验证商家", "en": "Verified seller"}
WARNING = {"zh": "未经验证的网站", "en": "Not verified for this site"}
NEUTRAL = {"zh": "请到登记册核对此商家", "en": "Check this seller at the registry"}
SANCTIONED = {"zh": "正在受到处罚", "en": "Under active sanctions"}


def make_shop(session, app):
    """A verified seller with a good grade and one bound domain."""
    seller = make_seller(session, legal_name="杭州真店数码有限公司", domains=[DOMAIN])
    orders = [
        {
            "seller": seller.public_id,
            "kind": "order",
            "verification": "platform",
            "occurred_at": datetime.now(UTC) - timedelta(days=i % 60, hours=i),
            "order_ref": f"o{i}",
            "buyer_ref": f"b{i}",
        }
        for i in range(800)
    ]
    list(EventService(session, "platform:t", "platform").submit(orders))
    session.commit()
    settle(app)
    return seller


@pytest.fixture
def shop(session, app):
    return make_shop(session, app)


def badge(client, seller, referer: str | None = None, query: str = "", lang: str = "zh"):
    headers = {"Referer": referer} if referer is not None else {}
    url = f"/badge/{seller.public_id}.svg?lang={lang}{query}"
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def shown(response, lang: str = "zh") -> str:
    """Which state the badge shows, by its words."""
    text = response.get_data(as_text=True)
    found = [
        name
        for name, words in (
            ("ok", OK),
            ("warning", WARNING),
            ("neutral", NEUTRAL),
            ("sanctioned", SANCTIONED),
        )
        if words[lang] in text
    ]
    assert len(found) == 1, (found, text)
    return found[0]


def test_the_real_shop_over_https_is_green(client, shop):
    for referer in (
        f"https://{DOMAIN}/",
        f"https://www.{DOMAIN}/item/1?x=1",
        f"https://{DOMAIN}:443/",
    ):
        assert shown(badge(client, shop, referer)) == "ok", referer


def test_no_referrer_shows_the_neutral_badge_naming_the_seller(client, session, shop):
    """<img referrerpolicy="no-referrer">, a data: or about:blank page: no Referer at all."""
    grade = badge_facts(session, shop.public_id).grade
    for lang in ("zh", "en"):
        response = badge(client, shop, lang=lang)
        assert shown(response, lang) == "neutral"
        assert shop.legal_name in response.get_data(as_text=True)
        assert f">{grade}</text>" not in response.get_data(as_text=True)  # nor its grade
    green = badge(client, shop, f"https://{DOMAIN}/").get_data(as_text=True)
    assert f">{grade}</text>" in green


def test_a_host_parameter_proves_nothing(client, shop):
    assert shown(badge(client, shop, query=f"&host={DOMAIN}")) == "neutral"
    assert shown(badge(client, shop, "https://evil.test/", f"&host={DOMAIN}")) == "warning"


@pytest.mark.parametrize(
    "referer",
    [
        "https://evil.test/",
        f"https://{DOMAIN}.evil.test/",  # the real name as a sub-domain of the copycat's
        f"https://evil{DOMAIN}/",  # the real name as the end of another label
        f"https://{DOMAIN}-shop.example/",
        "https://xn--realshp-fjg.example/",  # realshоp with a Cyrillic о, as browsers send it
        "https://realshop.exampl/",
        f"https://{DOMAIN}@evil.test/",  # user-info before the copycat's host
        f"https://evil.test/{DOMAIN}/",
        f"https://evil.test/?from=https://{DOMAIN}/",
        "https://127.0.0.1/",
        "https://[::1]:8443/",
    ],
)
def test_a_copycat_origin_is_warned_about(client, shop, referer):
    assert shown(badge(client, shop, referer)) == "warning"


@pytest.mark.parametrize(
    "referer",
    [
        f"http://{DOMAIN}/",  # plain http: anyone on the visitor's network could serve it
        f"https://{DOMAIN}:8443/",  # another port: not where the domain was proven
        f"http://{DOMAIN}:443/",
        "data:text/html,<img src=x>",  # only a non-browser sends these
        "about:blank",
        "null",
        "android-app://com.example.browser/",
        "http://[/",
        "http://a:b/",
        "https://:443/",
    ],
)
def test_an_unproven_origin_is_neutral(client, shop, referer):
    assert shown(badge(client, shop, referer)) == "neutral"


def test_sub_domains_of_a_bound_domain_count(client, shop):
    assert shown(badge(client, shop, f"https://m.shop.{DOMAIN}/")) == "ok"


def test_the_registry_itself_is_no_shop(client, shop):
    """A registry page (or a copycat framing one) does not make the badge green."""
    assert shown(badge(client, shop, "http://localhost/sellers/x/badge")) == "neutral"
    # Another port on the registry's host is another site.
    assert shown(badge(client, shop, "http://localhost:8080/")) == "warning"


def test_alarms_show_on_every_page(client, session, shop):
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": shop.public_id,
                    "kind": "sanction_major_fine",
                    "occurred_at": datetime.now(UTC) - timedelta(days=1),
                }
            ]
        )
    )
    session.commit()
    settle(client.application)
    for referer in (None, f"https://{DOMAIN}/", "https://evil.test/", f"http://{DOMAIN}/"):
        for lang in ("zh", "en"):
            assert shown(badge(client, shop, referer, lang=lang), lang) == "sanctioned", referer


FACTS = BadgeFacts("s-1", "Shop", "A", 90.0, True, (), (DOMAIN,), "v")
BOUND_ORIGIN = parse_origin(f"https://{DOMAIN}/")
HTTP_ORIGIN = parse_origin(f"http://{DOMAIN}/")
FOREIGN_ORIGIN = parse_origin("https://evil.test/")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # (no Referer, foreign, bound over http, bound over https)
        (FACTS, ("neutral", "warning", "neutral", "ok")),
        (replace(FACTS, grade="F", value=20.0), ("failing",) * 4),
        (replace(FACTS, alarms=("fraud_finding",)), ("sanctioned",) * 4),
        (replace(FACTS, verified=False), ("neutral", "warning", "neutral", "unverified")),
        (replace(FACTS, grade="NR", value=None), ("neutral", "warning", "neutral", "unknown")),
        (replace(FACTS, domains=()), ("neutral", "warning", "warning", "warning")),
    ],
)
def test_state_table(facts, expected):
    """Warnings (alarms, a failing grade) everywhere; approval only with a bound origin."""
    got = tuple(facts.state(o) for o in (None, FOREIGN_ORIGIN, HTTP_ORIGIN, BOUND_ORIGIN))
    assert got == expected


def test_origin_standing():
    domains = (DOMAIN,)
    assert parse_origin(f"https://shop.{DOMAIN}/a").standing(domains) == BOUND
    assert parse_origin(f"https://{DOMAIN.upper()}./").standing(domains) == BOUND
    assert parse_origin(f"https://{DOMAIN}:8443/").standing(domains) == NOT_SECURE
    assert parse_origin(f"http://{DOMAIN}/").standing(domains) == NOT_SECURE
    assert parse_origin(f"https://x{DOMAIN}/").standing(domains) == FOREIGN
    # Only the visitor's own machine answers a .localhost name: browsers count it as secure.
    assert parse_origin("http://shop.localhost:8123/").standing(("shop.localhost",)) == BOUND
    assert str(parse_origin("https://[::1]:8443/x")) == "https://[::1]:8443"
    assert embedding_origin("https://registry.test/x", lambda: "registry.test") is None
    assert str(embedding_origin("https://shop.test/x", lambda: "registry.test")) == (
        "https://shop.test"
    )


def test_caching_keeps_each_page_its_own_state(client, shop):
    """Vary and an ETag per state: a green copy never revalidates for another page."""
    green = badge(client, shop, f"https://{DOMAIN}/")
    neutral = badge(client, shop)
    warning = badge(client, shop, "https://evil.test/")
    assert len({r.headers["ETag"] for r in (green, neutral, warning)}) == 3
    for response in (green, neutral, warning):
        assert response.headers["Vary"] == "Referer"
        # Many CDNs key on the URL alone: no shared cache may keep a badge.
        assert response.headers["Cache-Control"].startswith("private")
    stale = client.get(
        f"/badge/{shop.public_id}.svg?lang=zh",
        headers={"If-None-Match": green.headers["ETag"], "Referer": "https://evil.test/"},
    )
    assert stale.status_code == 200 and shown(stale) == "warning"
    fresh = client.get(
        f"/badge/{shop.public_id}.svg?lang=zh",
        headers={"If-None-Match": green.headers["ETag"], "Referer": f"https://{DOMAIN}/"},
    )
    assert fresh.status_code == 304 and fresh.headers["Vary"] == "Referer"
