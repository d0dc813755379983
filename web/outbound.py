"""The app's outbound HTTP client, configured once (jobs only: never inside a request)."""

from __future__ import annotations

import logging

from flask import Flask

from registry.core.outbound import HttpClient
from registry.core.sealing import ALERT_SECRETS, TOTP_SECRETS, SecretBox

from .config import secret_key

log = logging.getLogger(__name__)


def http_client(app: Flask) -> HttpClient:
    """Return a client with the app's limits; private addresses only where configured."""
    return HttpClient(
        allow_private=app.config["OUTBOUND_ALLOW_PRIVATE"],
        resolve=app.config.get("OUTBOUND_RESOLVE") or None,
        timeout=(
            float(app.config["OUTBOUND_CONNECT_TIMEOUT"]),
            float(app.config["OUTBOUND_READ_TIMEOUT"]),
        ),
    )


def feed_client(app: Flask) -> HttpClient:
    """Return the client of pulled feeds: their timeouts, body limit and retries."""
    from registry.feeds import feed_retries

    return HttpClient(
        allow_private=app.config["OUTBOUND_ALLOW_PRIVATE"],
        resolve=app.config.get("OUTBOUND_RESOLVE") or None,
        timeout=(app.config["FEED_CONNECT_TIMEOUT"], app.config["FEED_READ_TIMEOUT"]),
        max_bytes=app.config["FEED_MAX_BYTES"],
        max_redirects=3,
        user_agent="merchant-registry/0.1 (+pulled feeds)",
        retries=feed_retries(app.config["FEED_RETRIES"]),
    )


def warn_if_private(app: Flask) -> None:
    """Say loudly, at start, that outbound calls may reach private and loopback addresses."""
    if app.config["OUTBOUND_ALLOW_PRIVATE"]:
        log.warning(
            "OUTBOUND_ALLOW_PRIVATE is on: webhooks, feeds and domain proofs may reach "
            "loopback and private addresses. Never set it outside a local test set-up."
        )


def sealing_key(app: Flask) -> str:
    """The master key of sealed secrets (ALERT_SECRET_KEY, else a key made once in the
    instance folder: losing it leaves every subscription unable to sign and every second
    factor unable to be checked)."""
    return app.config.get("ALERT_SECRET_KEY") or secret_key(app.instance_path, "alert_secret_key")


def secret_box(app: Flask) -> SecretBox:
    """Return the box that seals webhook signing secrets."""
    return SecretBox(sealing_key(app), ALERT_SECRETS)


def totp_box(app: Flask) -> SecretBox:
    """Return the box that seals people's TOTP secrets (its own key, derived for it)."""
    return SecretBox(sealing_key(app), TOTP_SECRETS)
