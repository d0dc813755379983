"""The verification page says where the visitor came from (the Referer) and whether that site
is the seller's; what a link claims (``?from=``) is shown as a claim. The embed page."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import pytest

from registry.events.service import EventService

from ..factories import make_seller
from .helpers import settle

DOMAIN = "realshop.example"
GENUINE = "这是该卖家的网站"
NOT_THEIRS = "它不是该卖家的网站"
BLIND = "没有告诉我们"
UNCONFIRMED = "但您的浏览器没有证实"


@pytest.fixture
def seller(session, app):
    seller = make_seller(session, legal_name="杭州真店数码有限公司", domains=[DOMAIN])
    settle(app)
    return seller


def page(client, seller, referer=None, query=""):
    headers = {"Referer": referer} if referer else {}
    response = client.get(f"/verify/{seller.public_id}{query}", headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def notice(html: str) -> str:
    """The page's verdict: the first notice."""
    return re.search(r'<p class="notice[^"]*"[^>]*>(.*?)</p>', html, re.S).group(1)


def test_a_bound_https_origin_is_confirmed(client, seller):
    verdict = notice(page(client, seller, f"https://www.{DOMAIN}/item/9"))
    assert GENUINE in verdict and f"https://www.{DOMAIN}" in verdict


def test_a_from_parameter_is_only_a_claim(client, seller):
    """The link says it came from the real shop; no browser said so: never "genuine"."""
    html = page(client, seller, query=f"?from=https://{DOMAIN}")
    assert GENUINE not in html and BLIND in notice(html)
    assert UNCONFIRMED in html and f"https://{DOMAIN}" in html


def test_a_claim_that_names_a_foreign_site_says_so(client, seller):
    html = page(client, seller, query="?from=https://evil.test")
    assert UNCONFIRMED in html and "该地址不是该卖家的网站" in html


def test_a_claim_against_the_referer_loses(client, seller):
    html = page(client, seller, "https://evil.test/", f"?from=https://{DOMAIN}")
    assert NOT_THEIRS in notice(html) and "https://evil.test" in notice(html)
    assert UNCONFIRMED in html


def test_an_http_page_of_a_bound_domain_is_not_confirmed(client, seller):
    for referer in (f"http://{DOMAIN}/", f"https://{DOMAIN}:8443/"):
        verdict = notice(page(client, seller, referer))
        assert GENUINE not in verdict and "https://" in verdict, referer
        assert referer.rstrip("/") in verdict


def test_a_sanctioned_seller_is_no_excuse_for_a_copycat(client, session, seller):
    """The verdict is about the site, whatever the seller's state (a sanction once read as
    "not a warning", so as "genuine")."""
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [{"seller": seller.public_id, "kind": "trading_ban", "occurred_at": datetime.now(UTC)}]
        )
    )
    session.commit()
    settle(client.application)
    html = page(client, seller, "https://evil.test/shop")
    assert NOT_THEIRS in notice(html) and GENUINE not in html
    assert "行政处罚" in html  # the alarm too


def test_verification_and_embed_pages_cannot_be_framed(client, seller):
    for path in (f"/verify/{seller.public_id}", f"/sellers/{seller.public_id}/badge"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_hostile_claim_is_shown_as_text(client, seller):
    html = page(client, seller, query="?from=%3Cscript%3Ex%3C/script%3E%E2%80%AEmoc.live")
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert "\u202e" not in html  # no bidi override to make "moc.live" read "evil.com"


@pytest.mark.parametrize(
    "referer", ["http://[/", "http://a:b/", "https://:0/", "data:,x", "\x00", "http://例子.测试/"]
)
def test_any_referer_is_an_answer_not_an_error(client, seller, referer):
    for path in (
        f"/verify/{seller.public_id}",
        f"/badge/{seller.public_id}.svg",
        f"/badge/{seller.public_id}.js",
        f"/sellers/{seller.public_id}/badge",
    ):
        response = client.get(path, environ_overrides={"HTTP_REFERER": referer})
        assert response.status_code == 200, (path, referer)


def test_a_query_string_that_is_not_utf8_is_an_answer_not_an_error(client, seller):
    """Browsers escape every such byte; a crafted request need not."""
    for path in (
        f"/verify/{seller.public_id}",
        f"/badge/{seller.public_id}.svg",
        f"/badge/{seller.public_id}.js",
        f"/sellers/{seller.public_id}/badge",
    ):
        for query in ("from=\xff", "\xc3(", "lang=en&x=\xe9"):
            response = client.get(path, environ_overrides={"QUERY_STRING": query})
            assert response.status_code == 200, (path, query)
        bad = client.get(path, environ_overrides={"QUERY_STRING": "size=\xff&lang=\xff"})
        assert bad.status_code in (200, 422), (path, bad.status_code)


def test_embed_page_snippets_send_the_origin(client, seller):
    html = client.get(f"/sellers/{seller.public_id}/badge?lang=en").get_data(as_text=True)
    snippet = re.search(r'<textarea id="snippet-html"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert snippet.count('referrerpolicy="origin"') == 2
    assert f"/verify/{seller.public_id}" in snippet
    assert f"/badge/{seller.public_id}.js" in html


def test_embed_page_shows_each_way_the_badge_looks(client, seller):
    html = client.get(f"/sellers/{seller.public_id}/badge?lang=en").get_data(as_text=True)
    states = re.findall(
        r'<figure data-state="(\w+)"><img src="data:image/svg\+xml;base64,([^"]+)"', html
    )
    assert [s for s, _ in states] == ["unknown", "neutral", "warning"]  # not rated yet
    svgs = [base64.b64decode(data).decode() for _, data in states]
    assert "Check at the registry" in svgs[1] and "Not verified for this site" in svgs[2]


@pytest.mark.postgres
def test_an_id_postgresql_cannot_hold_is_not_found(pg_engine):
    """A NUL in a crafted path would be an error from PostgreSQL, so a 500: it names no one."""
    from registry.core.db import session_factory
    from registry.core.errors import NotFound
    from registry.read.badges import FactsReader, badge_facts, read_facts

    for public_id in ("s-\x00", "S-ABC", "s-" + "x" * 30, "店"):
        with pytest.raises(NotFound):
            read_facts(pg_engine, public_id)
        with pytest.raises(NotFound):
            FactsReader(pg_engine).read(public_id)
        with session_factory(pg_engine)() as session, pytest.raises(NotFound):
            badge_facts(session, public_id)
