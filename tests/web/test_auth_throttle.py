"""Failed authentication is throttled per client address, in memory or in a shared Redis."""

from __future__ import annotations

import socket
import uuid

import pytest

from tests.conftest import make_test_app
from web import create_app

from ..factories import make_token

REDIS = ("127.0.0.1", 6379)
QUEUE = "/api/v1/moderation/queue"


@pytest.fixture
def make_app(tmp_path, migrated_template):
    """Apps on one database with extra settings (the throttle reads them when it is made)."""
    base = make_test_app(tmp_path, migrated_template)
    base.extensions["registry_db"].dispose()
    made = []

    def make(**config):
        app = create_app({**base.config, "AUTH_FAILURE_LIMIT": "3 per minute", **config})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["registry_db"].dispose()


def call(client, token: str | None, address: str = "192.0.2.1", **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(QUEUE, headers=headers, environ_base={"REMOTE_ADDR": address})


def test_after_a_few_failures_the_client_gets_429_with_retry_after(make_app, session):
    client = make_app().test_client()
    good = make_token(session, "moderator")
    assert [call(client, "mrt_wrong").status_code for _ in range(3)] == [401] * 3
    blocked = call(client, "mrt_wrong")
    assert blocked.status_code == 429
    assert blocked.json["error"]["code"] == "too_many_requests"
    assert 0 < int(blocked.headers["Retry-After"]) <= 61
    # Locked out for the window, whatever it sends: guessing gains nothing.
    assert call(client, good).status_code == 429


def test_the_count_is_per_client_address(make_app, session):
    client = make_app().test_client()
    good = make_token(session, "moderator")
    for _ in range(4):
        call(client, "mrt_wrong", "192.0.2.1")
    assert call(client, "mrt_wrong", "192.0.2.1").status_code == 429
    assert call(client, good, "192.0.2.2").status_code == 200
    assert call(client, "mrt_wrong", "192.0.2.2").status_code == 401


def test_successes_and_requests_without_credentials_do_not_count(make_app, session):
    client = make_app().test_client()
    good = make_token(session, "moderator")
    for _ in range(5):
        assert call(client, good).status_code == 200
        assert call(client, None).status_code == 401  # no credentials: nothing to guess
    assert [call(client, "mrt_wrong").status_code for _ in range(4)] == [401] * 3 + [429]


def test_forwarded_for_is_believed_only_behind_a_configured_proxy(make_app):
    direct = make_app().test_client()
    statuses = [
        call(direct, "mrt_wrong", "198.51.100.7", **{"X-Forwarded-For": f"203.0.113.{i}"})
        for i in range(4)
    ]
    assert [r.status_code for r in statuses] == [401] * 3 + [429]  # one client: the proxy's
    proxied = make_app(PROXY_FIX_X_FOR=1).test_client()
    statuses = [
        call(proxied, "mrt_wrong", "198.51.100.7", **{"X-Forwarded-For": f"203.0.113.{i}"})
        for i in range(4)
    ]
    assert [r.status_code for r in statuses] == [401] * 4  # four clients behind one proxy


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_workers_sharing_redis_share_one_count(make_app, session):
    """Two apps stand for two gunicorn workers: failures seen by either count once."""
    config = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"registry-test-{uuid.uuid4().hex}",
    }
    first, second = make_app(**config).test_client(), make_app(**config).test_client()
    good = make_token(session, "moderator")
    assert call(first, "mrt_wrong").status_code == 401
    assert call(second, "mrt_wrong").status_code == 401
    assert call(first, "mrt_wrong").status_code == 401
    assert call(second, "mrt_wrong").status_code == 429
    assert call(first, good).status_code == 429
    assert call(second, good, "192.0.2.99").status_code == 200


def test_an_unreachable_redis_falls_back_to_memory_when_allowed(make_app):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    client = make_app(
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
    ).test_client()
    assert [call(client, "mrt_wrong").status_code for _ in range(4)] == [401] * 3 + [429]
