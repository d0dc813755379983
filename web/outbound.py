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
