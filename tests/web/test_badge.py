from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from registry.events.service import EventService

from ..factories import make_seller, make_token
from .helpers import settle


def now():
    return datetime.now(UTC)


@pytest.fixture
def good_seller(session, app):
    seller = make_seller(
        session, legal_name="杭州拾光数码有限公司", domains=["shiguang-shop.example"]
    )
    rows = [
        {
            "seller": seller.public_id,
            "kind": "order",
            "verification": "platform",
            "occurred_at": now() - timedelta(days=i % 60, hours=i),
            "order_ref": f"o{i}",
            "buyer_ref": f"b{i}",
        }
        for i in range(800)
    ]
    list(EventService(session, "platform:t", "platform").submit(rows))
    session.commit()
    settle(app)
    return seller


def test_badge_svg_headers_and_conditional_get(client, good_seller):
    url = f"/badge/{good_seller.public_id}.svg"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    svg = ET.fromstring(response.data)
    assert svg.tag.endswith("svg")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert again.headers["ETag"] == etag  # a revalidated copy keeps its validator and rules
    assert again.headers["Cache-Control"] == response.headers["Cache-Control"]
    assert again.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_badge_changes_with_language_size_and_record(client, session, good_seller):
    base = f"/badge/{good_seller.public_id}.svg"
    zh, en = client.get(base), client.get(base + "?lang=en&size=small")
    assert zh.headers["ETag"] != en.headers["ETag"]
    assert "Registry" in en.get_data(as_text=True)
    assert client.get(base + "?size=huge").status_code == 422
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [
                {
                    "seller": good_seller.public_id,
                    "kind": "sanction_major_fine",
                    "occurred_at": now() - timedelta(days=1),
                }
            ]
        )
    )
    session.commit()
    from web import jobs

    jobs.rescore_changed(client.application)
    sanctioned = client.get(base, headers={"If-None-Match": zh.headers["ETag"]})
    assert sanctioned.status_code == 200
    assert "处罚" in sanctioned.get_data(as_text=True) or "警示" in sanctioned.get_data(
        as_text=True
    )


def test_badge_in_another_language_sets_no_cookie(client, good_seller):
    for kind in ("svg", "js"):
        response = client.get(f"/badge/{good_seller.public_id}.{kind}?lang=en")
        assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_a_page_in_another_language_still_remembers_it(client, good_seller):
    response = client.get(f"/verify/{good_seller.public_id}?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]


def test_badge_on_a_foreign_host_is_a_warning(client, good_seller):
    url = f"/badge/{good_seller.public_id}.svg?lang=en"
    own = client.get(url, headers={"Referer": "https://www.shiguang-shop.example/item/1"})
    fake = client.get(url, headers={"Referer": "https://shiguang-shop.example.evil.test/"})
    lying = client.get(
        url + "&host=shiguang-shop.example", headers={"Referer": "https://evil.test/"}
    )
    assert "Verified seller" in own.get_data(as_text=True)
    for response in (fake, lying):
        assert "Not verified for this site" in response.get_data(as_text=True)


def test_script_variant_sends_the_page_origin_and_claims_nothing(client, good_seller):
    script = client.get(f"/badge/{good_seller.public_id}.js").get_data(as_text=True)
    assert f'"{good_seller.public_id}"' in script and "/verify/" in script
    # The image asks for the page's origin to be sent; it never names a host itself.
    assert script.count('referrerPolicy = "origin"') == 2
    assert "host=" not in script


def test_verification_page_warns_about_foreign_referrers(client, good_seller):
    path = f"/verify/{good_seller.public_id}"
    fake = client.get(path, headers={"Referer": "https://evil.test/shop"}).get_data(as_text=True)
    assert "evil.test" in fake and "不是该卖家的网站" in fake
    own = client.get(path, headers={"Referer": "https://shiguang-shop.example/"})
    assert "这是该卖家的网站" in own.get_data(as_text=True)
    blind = client.get(path).get_data(as_text=True)
    assert "没有告诉我们" in blind and "shiguang-shop.example" in blind


def test_embed_page_has_both_snippets(client, good_seller):
    html = client.get(f"/sellers/{good_seller.public_id}/badge").get_data(as_text=True)
    assert (
        f"/badge/{good_seller.public_id}.js" in html and f"/verify/{good_seller.public_id}" in html
    )


class _ProofHandler(SimpleHTTPRequestHandler):
    token = ""

    def do_GET(self):
        body = (self.token + "\n").encode()
        self.send_response(200 if self.path == "/.well-known/merchant-registry.txt" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_merchant_proves_a_domain_through_the_job(client, session, app):
    seller = make_seller(session)
    merchant = make_token(session, "merchant", seller_id=seller.id)
    response = client.post(
        f"/api/v1/sellers/{seller.public_id}/domains",
        json={"domain": "https://www.proof-shop.example/"},
        headers={"Authorization": f"Bearer {merchant}"},
    )
    assert response.status_code == 202
    token = response.json["data"]["token"]
    _ProofHandler.token = token
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProofHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config.update(
        DOMAIN_PROOF_SCHEME="http",
        DOMAIN_PROOF_PORT=server.server_port,
        OUTBOUND_ALLOW_PRIVATE=True,
        OUTBOUND_RESOLVE={"proof-shop.example": "127.0.0.1"},
    )
    from web import jobs

    try:
        assert jobs.check_domains(app) == 1
    finally:
        server.shutdown()
        server.server_close()
    settle(app)
    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    assert [d["domain"] for d in record["domains"]] == ["proof-shop.example"]
    assert record["domains"][0]["state"] == "proven"
    badge = client.get(
        f"/badge/{seller.public_id}.svg?lang=en", headers={"Referer": "https://proof-shop.example/"}
    )
    assert "Not verified for this site" not in badge.get_data(as_text=True)


def test_another_merchant_cannot_claim_for_a_seller(client, session):
    seller, other = make_seller(session), make_seller(session)
    token = make_token(session, "merchant", seller_id=other.id)
    response = client.post(
        f"/api/v1/sellers/{seller.public_id}/domains",
        json={"domain": "x.example"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403


def test_svg_of_a_hostile_name_is_valid_xml(client, session):
    seller = make_seller(session, legal_name='<script>alert("x")</script> & "Co" ]]>')
    data = client.get(f"/badge/{seller.public_id}.svg").data
    root = ET.fromstring(data)
    assert not [e for e in root.iter() if e.tag.endswith("script")]


def test_facts_cache_forgets_exactly_the_sellers_the_change_log_names(session):
    from registry.core.db import session_factory
    from registry.read.badges import FactsCache

    first, second = make_seller(session), make_seller(session)
    clock = [0.0]
    cache = FactsCache(poll=1.0, clock=lambda: clock[0])
    factory = session_factory(session.get_bind())
    a, b = cache.get(factory, first.public_id), cache.get(factory, second.public_id)
    list(
        EventService(session, "regulator:t", "regulator").submit(
            [{"seller": first.public_id, "kind": "trading_ban", "occurred_at": now()}]
        )
    )
    session.commit()
    assert cache.get(factory, first.public_id) is a  # within the poll interval: cached
    clock[0] = 1.5
    assert cache.get(factory, second.public_id) is b  # not named by the log: kept
    assert first.public_id not in cache.items  # named: forgotten, reloaded on next use
