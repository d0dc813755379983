"""Every page sends its security headers; cookies are HttpOnly, SameSite=Lax and Secure over
HTTPS (behind a proxy only when the PROXY_FIX_* settings say so)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import make_test_app

from ..factories import make_seller, make_token
from .helpers import settle

FORM = {
    "category": "contract_fulfillment",
    "narrative": "付款后一直没有发货，客服不回复。",
    "contact": "13800138000",
}


class Inline(HTMLParser):
    """Collects what a `script-src 'self'; style-src 'self'` policy would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self._script = True
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag}[{n}]" for n in names if n == "style" or n.startswith("on")]
        self.found += [
            f"{tag}[{n}=javascript:]" for n, v in attrs if (v or "").startswith("javascript:")
        ]


@pytest.fixture
def pages(app, client, session):
    """Every kind of HTML page: path -> response."""
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    settle(app)
    cid = client.post("/api/v1/complaints", json={**FORM, "seller": seller.public_id}).json["data"][
        "id"
    ]
    client.post(
        f"/api/v1/complaints/{cid}/accept",
        json={},
        headers={"Authorization": f"Bearer {moderator}"},
    )
    paths = [
        "/",
        "/?lang=en",
        "/search?q=测试商贸",
        f"/sellers/{seller.public_id}",
        "/scoring",
        f"/sellers/{seller.public_id}/complain",
        f"/complaints/{cid}",
        f"/complaints/{cid}/reply",
        f"/sellers/{seller.public_id}/badge",
        f"/verify/{seller.public_id}",
        "/no-such-page",
        "/sellers/s-nobody",
    ]
    return {path: client.get(path) for path in paths}


def test_every_page_sends_a_policy_that_runs_only_its_own_scripts(pages):
    for path, response in pages.items():
        assert response.mimetype == "text/html", path
        policy = response.headers.get("Content-Security-Policy", "")
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives.get("script-src") == "'self'", path
        assert directives.get("style-src") == "'self'", path
        assert directives.get("object-src") == "'none'", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] in (
            "strict-origin-when-cross-origin",
            "no-referrer",
        ), path


def test_no_page_may_be_framed(pages):
    """The verification and embed pages neither: a copycat would crop them (docs/BADGE.md)."""
    for path, response in pages.items():
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_no_page_has_inline_script_or_style(pages):
    for path, response in pages.items():
        parser = Inline()
        parser.feed(response.get_data(as_text=True))
        assert parser.found == [], path


def test_pages_with_a_private_link_are_not_stored_nor_referred(pages):
    for path, response in pages.items():
        private = path.startswith("/complaints/") or path.endswith("/complain")
        if private:
            assert response.headers["Referrer-Policy"] == "no-referrer", path
            assert response.headers["Cache-Control"] == "no-store", path
        else:
            assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path


def test_json_and_static_files_are_not_sniffed_nor_framed(client, session):
    seller = make_seller(session)
    for path in (f"/api/v1/sellers/{seller.public_id}", "/static/private-link.js", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        response.close()


def test_the_badge_keeps_its_own_embeddable_headers(app, client, session):
    seller = make_seller(session)
    settle(app)
    for path in (f"/badge/{seller.public_id}.svg", f"/badge/{seller.public_id}.js"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert "Content-Security-Policy" not in response.headers, path


def set_cookies(response) -> dict[str, str]:
    return {v.split("=", 1)[0]: v for v in response.headers.getlist("Set-Cookie")}


def flags(cookie: str) -> set[str]:
    """A Set-Cookie value's attributes, lower case: {"httponly", "samesite=lax", "path=/"...}."""
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_the_session_cookie_is_httponly_and_lax_and_not_secure_over_http(client, session):
    seller = make_seller(session)
    cookie = set_cookies(client.get(f"/sellers/{seller.public_id}/complain"))["session"]
    assert {"httponly", "samesite=lax"} <= flags(cookie)
    assert "secure" not in flags(cookie)


def test_the_session_cookie_is_secure_over_https(client, session):
    seller = make_seller(session)
    response = client.get(f"/sellers/{seller.public_id}/complain", base_url="https://localhost")
    assert {"httponly", "samesite=lax", "secure"} <= flags(set_cookies(response)["session"])


def test_the_language_cookie_is_httponly_lax_and_secure_over_https(client):
    plain = set_cookies(client.get("/?lang=en"))["lang"]
    assert {"httponly", "samesite=lax"} <= flags(plain) and "secure" not in flags(plain)
    secure = set_cookies(client.get("/?lang=zh", base_url="https://localhost"))["lang"]
    assert "secure" in flags(secure)


FORWARDED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


def test_forwarded_headers_are_ignored_when_no_proxy_is_configured(client, session):
    seller = make_seller(session)
    response = client.get(f"/sellers/{seller.public_id}/complain", headers=FORWARDED_HTTPS)
    assert "secure" not in flags(set_cookies(response)["session"])


def test_forwarded_headers_count_for_the_configured_proxy_hops(
    tmp_path, migrated_template, session
):
    from web import create_app

    base = make_test_app(tmp_path, migrated_template)
    base.extensions["registry_db"].dispose()
    # ProxyFix is put in front when the app is made, from its settings.
    proxied = create_app({**base.config, "PROXY_FIX_X_FOR": 1, "PROXY_FIX_X_PROTO": 1})
    seller = make_seller(session)
    response = proxied.test_client().get(
        f"/sellers/{seller.public_id}/complain", headers=FORWARDED_HTTPS
    )
    assert "secure" in flags(set_cookies(response)["session"])
    proxied.extensions["registry_db"].dispose()
