"""The app's outbound HTTP client, configured once (jobs only: never inside a request)."""

from __future__ import annotations

from flask import Flask

from registry.core.outbound import HttpClient


def http_client(app: Flask) -> HttpClient:
    """Return a client with the app's limits; private addresses only where configured."""
    return HttpClient(
        allow_private=app.config["OUTBOUND_ALLOW_PRIVATE"],
        resolve=app.config.get("OUTBOUND_RESOLVE") or None,
        timeout=(3.0, 5.0),
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
