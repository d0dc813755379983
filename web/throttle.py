"""Failed authentication is throttled per client address (Flask-Limiter).

Every API request that brings credentials (an ``Authorization`` header) is checked against one
count per client address (``request.remote_addr``, after ProxyFix when the site is behind a
proxy); only the answers that refuse the credentials (401) add to it. Past
``AUTH_FAILURE_LIMIT`` in the moving window, that address gets 429 with ``Retry-After`` until
the window has room again, whatever its credentials. The count lives in
``RATELIMIT_STORAGE_URI``: ``memory://`` counts per process, so several workers or nodes
share a count through Redis.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

MESSAGE = "too many failed authentication attempts from your address; try again later"


def _no_credentials() -> bool:
    return "Authorization" not in request.headers


def _refused(response: Response) -> bool:
    return response.status_code == 401


def _retry_after(limit: RequestLimit) -> Response:
    """The 429's Retry-After: when the oldest failure in the window drops out of it."""
    seconds = max(1, math.ceil(limit.reset_at - time.time()))
    # The error envelope (web.envelope) writes the body and keeps this header.
    return Response(MESSAGE, 429, headers={"Retry-After": str(seconds)})


def init_app(app: Flask, api: Blueprint) -> Limiter:
    """Count failed authentications on the *api* blueprint's routes."""
    limiter = Limiter(get_remote_address, app=app, on_breach=_retry_after)
    limiter.shared_limit(
        app.config["AUTH_FAILURE_LIMIT"],
        scope="failed-authentication",
        exempt_when=_no_credentials,
        deduct_when=_refused,
        error_message=MESSAGE,
    )(api)
    app.extensions["auth_throttle"] = limiter
    return limiter
