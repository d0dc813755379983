"""The badge's WSGI fast path answers exactly as the Flask view does, and leaves the rest."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder

from web.badge import BadgeFastPath

from ..factories import make_seller


def run(wsgi, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    seen: list = []
    body = wsgi(
        dict(environ), lambda status, headers, exc_info=None: seen.extend([status, headers])
    )
    try:
        data = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return seen[0], list(seen[1]), data


def environ(path: str, method: str = "GET", headers: dict | None = None) -> dict:
    builder = EnvironBuilder(path=path, method=method, headers=headers or {})
    try:
        return builder.get_environ()
    finally:
        builder.close()


@pytest.fixture
def ways(app):
    fast = app.wsgi_app
    assert isinstance(fast, BadgeFastPath)
    return fast, fast.wsgi_app  # the fast path, and Flask behind it


@pytest.fixture
def seller(session):
    return make_seller(session, legal_name='<b>"拾光" & 数码</b>', domains=["shiguang.example"])


def cases(public_id: str, etag: str) -> list[tuple[str, str, dict]]:
    path = f"/badge/{public_id}.svg"
    return [
        (path, "GET", {}),
        (path, "HEAD", {}),
        (path + "?lang=en", "GET", {}),
        (path + "?size=small&lang=en", "GET", {}),
        (path + "?size=large", "GET", {}),
        (path + "?lang=en&lang=zh", "GET", {}),  # the first of repeated names counts
        (path + "?host=shiguang.example", "GET", {}),
        (path + "?host=evil.test", "GET", {}),
        (path + "?host=", "GET", {}),
        (path, "GET", {"Referer": "https://www.shiguang.example/item/1"}),
        (path, "GET", {"Referer": "https://evil.test/shop"}),
        (path, "GET", {"Referer": "http://localhost/sellers/x"}),  # this very site
        (path, "GET", {"Referer": "http://localhost:8080/"}),  # another port: another site
        (path + "?host=evil.test", "GET", {"Referer": "https://shiguang.example/"}),
        (path, "GET", {"Referer": "http://shiguang.example/"}),  # not https: neutral
        (path, "GET", {"Referer": "https://shiguang.example:8443/"}),
        (path, "GET", {"Referer": "https://shiguang.example.evil.test/"}),
        (path, "GET", {"Referer": "http://[/"}),  # no URL at all
        (path, "GET", {"Referer": "http://a:b/"}),
        (path, "GET", {"Referer": "about:blank"}),
        (path, "GET", {"Referer": "https://shiguang.example/" + "x" * 600}),  # not remembered
        (path + "?lang=en&x=%ff", "GET", {}),
        (path, "GET", {"If-None-Match": etag}),
        (path, "HEAD", {"If-None-Match": etag}),
        (path, "GET", {"If-None-Match": f'"other", {etag}'}),
        (path, "GET", {"If-None-Match": "*"}),
        (path, "GET", {"If-None-Match": '"stale"'}),
        (path + "?lang=en", "GET", {"If-None-Match": etag}),  # another version: the body
    ]


def test_fast_path_answers_badges_exactly_as_flask_does(ways, seller, client):
    fast, flask = ways
    etag = client.get(f"/badge/{seller.public_id}.svg").headers["ETag"]
    statuses = set()
    for path, method, headers in cases(seller.public_id, etag):
        env = environ(path, method, headers)
        assert fast.answer(dict(env)) is not None, (path, method, headers)  # answered itself
        got, want = run(fast, env), run(flask, env)
        assert got == want, (path, method, headers)
        statuses.add(got[0])
    assert statuses == {"200 OK", "304 NOT MODIFIED"}


def test_any_error_in_the_fast_path_is_left_to_flask(ways, seller, monkeypatch):
    fast, _ = ways
    env = environ(f"/badge/{seller.public_id}.svg", headers={"Referer": "https://evil.test/"})
    assert fast.answer(dict(env)) is not None

    def broken(*args):
        raise RuntimeError("any bug at all")

    monkeypatch.setattr("web.badge.embedding_origin", broken)
    assert fast.answer(dict(env)) is None  # Flask answers, with its error handling


def test_fast_path_leaves_other_requests_to_flask(ways, seller):
    fast, flask = ways
    pid = seller.public_id
    for path, method in [
        ("/badge/s-0000000000.svg", "GET"),  # unknown seller: Flask's 404
        (f"/badge/{pid}.svg?lang=fr", "GET"),  # Flask's 400 with its message
        (f"/badge/{pid}.svg?size=", "GET"),
        (f"/badge/{pid}.svg", "POST"),  # 405
        (f"/badge/{pid}.js", "GET"),
        (f"/badge/{pid}/x.svg", "GET"),
        ("/badge/.svg", "GET"),
        ("/badge/店.svg", "GET"),
        (f"/sellers/{pid}", "GET"),
    ]:
        env = environ(path, method)
        assert fast.answer(dict(env)) is None, path
        assert run(fast, env) == run(flask, env), path
    status, _, body = run(fast, environ(f"/badge/{pid}.svg?lang=fr"))
    # The page says which argument is wrong, in the reader's language (Chinese here).
    assert status.startswith("422") and "此地址中有页面无法使用的值（lang）".encode() in body


def test_fast_path_badge_sets_no_cookie(client, seller):
    response = client.get(f"/badge/{seller.public_id}.svg?lang=en")
    assert "Set-Cookie" not in response.headers
    revalidated = client.get(
        f"/badge/{seller.public_id}.svg?lang=en",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert revalidated.status_code == 304 and "Set-Cookie" not in revalidated.headers


def test_untrusted_host_is_left_to_flask(app, seller):
    app.config["TRUSTED_HOSTS"] = ["registry.example"]
    try:
        fast = app.wsgi_app
        env = environ(f"/badge/{seller.public_id}.svg", headers={"Host": "evil.test"})
        assert fast.answer(dict(env)) is None  # Flask refuses it
        good = environ(f"/badge/{seller.public_id}.svg", headers={"Host": "registry.example"})
        assert fast.answer(dict(good)) is not None
    finally:
        app.config["TRUSTED_HOSTS"] = None


def test_script_variant_is_cacheable_and_revalidated_like_the_badge(client, seller):
    url = f"/badge/{seller.public_id}.js?lang=en"
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert int(first.headers["Content-Length"]) == len(first.data)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    for response in (first, again):
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert response.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
        assert response.headers["ETag"] == first.headers["ETag"]
        assert "Set-Cookie" not in response.headers
    # The script is the same on every page (it does not vary by Referer; the image it adds does).
    assert [k for k, _ in first.headers] == [
        "Cache-Control",
        "Cross-Origin-Resource-Policy",
        "X-Content-Type-Options",
        "ETag",
        "Content-Type",
        "Content-Length",
    ]
