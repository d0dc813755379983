"""Per-client rate limits (web.limits, Flask-Limiter): every writing route and every route a
harvester would loop over has one; a burst gets 429 with Retry-After in the envelope or a
localised page; a forged X-Forwarded-For changes nothing; two workers share one count
through Redis (the real one on 127.0.0.1:6379, skipped where absent)."""

from __future__ import annotations

import socket
import uuid

import pytest

from web import create_app, limits

from ..conftest import make_test_app
from .helpers import settle


@pytest.fixture
def limited_app(tmp_path, migrated_template):
    app = _app(tmp_path, migrated_template, "memory://")
    settle(app)  # an index to search
    yield app
    app.extensions["registry_db"].dispose()


def _app(folder, template, storage: str, prefix: str = "test"):
    folder.mkdir(parents=True, exist_ok=True)
    base = make_test_app(folder, template)
    config = {
        k: base.config[k]
        for k in (
            "DATABASE_URL",
            "SEARCH_INDEX_DIR",
            "SIGNING_KEY_DIR",
            "SECRET_KEY",
            "DIGEST_SECRET",
        )
    }
    base.extensions["registry_db"].dispose()
    app = create_app(
        {
            **config,
            "TESTING": True,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
        }
    )
    app.instance_path = str(folder / "instance")
    return app


def test_every_writing_route_and_every_harvestable_route_has_a_limit(app):
    decided = limits.limited(app)
    for rule in app.url_map.iter_rules():
        if set(rule.methods or ()) & limits.WRITE_METHODS:
            assert rule.endpoint in decided, f"{rule.rule} writes without a rate limit"
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = (set(limits.LIMITS) | set(limits.FORM_LIMITS)) - endpoints
    assert not stale, f"limits of routes that do not exist: {stale}"


def test_a_burst_of_searches_is_a_429_in_the_envelope_with_retry_after(limited_app):
    client = limited_app.test_client()
    statuses = [client.get("/api/v1/sellers?q=杭州").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    refused = client.get("/api/v1/sellers?q=杭州")
    assert refused.json["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0
    page = client.get("/search?q=杭州&lang=zh")  # the page counts apart from the API
    for _ in range(60):
        page = client.get("/search?q=杭州&lang=zh")
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert page.headers["Retry-After"] and "请稍后" in page.get_data(as_text=True)


def test_a_forged_forwarded_for_header_is_the_same_client(limited_app):
    client = limited_app.test_client()
    for n in range(60):
        client.get(
            "/api/v1/lookup?code=91110000600037341L", headers={"X-Forwarded-For": f"10.0.0.{n}"}
        )
    answer = client.get(
        "/api/v1/lookup?code=91110000600037341L", headers={"X-Forwarded-For": "10.9.9.9"}
    )
    assert answer.status_code == 429


def test_the_form_page_is_limited_only_when_it_files(limited_app):
    client = limited_app.test_client()
    # GETs of a form are not counted (the page shows the form)
    for _ in range(15):
        assert client.get("/sellers/s-nosuchseller/complain").status_code in (200, 404)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_two_workers_share_one_count_through_redis(tmp_path, migrated_template):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    one = _app(tmp_path / "one", migrated_template, "redis://127.0.0.1:6379/15", prefix)
    two = _app(tmp_path / "two", migrated_template, "redis://127.0.0.1:6379/15", prefix)
    settle(one)
    settle(two)
    try:
        a, b = one.test_client(), two.test_client()
        for _ in range(15):  # the reports search allows 30 a minute, from both together
            assert a.get("/api/v1/reports?q=定金").status_code == 200
            assert b.get("/api/v1/reports?q=定金").status_code == 200
        assert a.get("/api/v1/reports?q=定金").status_code == 429
        assert b.get("/api/v1/reports?q=定金").status_code == 429
    finally:
        one.extensions["registry_db"].dispose()
        two.extensions["registry_db"].dispose()
