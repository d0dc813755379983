"""Every outbound setting comes from the environment; allowing private targets is loud."""

from __future__ import annotations

import logging

import pytest

from web import create_app
from web.jobs import retry_policy
from web.outbound import http_client


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    return monkeypatch


def test_outbound_and_alert_settings_come_from_the_environment(env):
    for key, value in {
        "OUTBOUND_ALLOW_PRIVATE": "1",
        "OUTBOUND_RESOLVE": "hooks.test=127.0.0.1, feed.test=10.0.0.2",
        "OUTBOUND_CONNECT_TIMEOUT": "1.5",
        "OUTBOUND_READ_TIMEOUT": "2",
        "ALERT_RETRY_BASE_SECONDS": "10",
        "ALERT_RETRY_MAX_SECONDS": "600",
        "ALERT_RETRY_WINDOW_HOURS": "6",
        "ALERT_DISABLE_AFTER_FAILURES": "5",
        "ALERT_DELIVERY_BATCH": "7",
        "ALERT_SECRET_KEY": "from-env",
    }.items():
        env.setenv(key, value)
    app = create_app({"TESTING": True})
    assert app.config["OUTBOUND_ALLOW_PRIVATE"] is True
    assert app.config["OUTBOUND_RESOLVE"] == {"hooks.test": "127.0.0.1", "feed.test": "10.0.0.2"}
    with http_client(app) as http:
        assert http.timeout == (1.5, 2.0) and http.allow_private
    policy = retry_policy(app)
    assert (policy.base_seconds, policy.max_seconds, policy.disable_after) == (10, 600, 5)
    assert policy.window.total_seconds() == 6 * 3600
    assert app.config["ALERT_DELIVERY_BATCH"] == 7 and app.config["ALERT_SECRET_KEY"] == "from-env"


def test_allowing_private_targets_warns_at_start(env, caplog):
    env.setenv("OUTBOUND_ALLOW_PRIVATE", "1")
    with caplog.at_level(logging.WARNING, logger="web.outbound"):
        create_app({"TESTING": True})
    assert any("OUTBOUND_ALLOW_PRIVATE is on" in r.getMessage() for r in caplog.records)


def test_private_targets_stay_refused_by_default(env, caplog):
    with caplog.at_level(logging.WARNING, logger="web.outbound"):
        app = create_app({"TESTING": True})
    assert app.config["OUTBOUND_ALLOW_PRIVATE"] is False
    assert not any("OUTBOUND_ALLOW_PRIVATE" in r.getMessage() for r in caplog.records)


def test_a_bad_number_in_the_environment_is_named(env):
    env.setenv("OUTBOUND_READ_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="OUTBOUND_READ_TIMEOUT"):
        create_app({"TESTING": True})
