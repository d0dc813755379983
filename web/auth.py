"""Bearer-token authentication for the JSON API; refused credentials are throttled per
client address (web.throttle)."""

from __future__ import annotations

import logging

from flask import current_app, request

from registry.core.errors import Unauthorized
from registry.trust.tokens import Principal, TokenService, require_role

from .db import get_session

log = logging.getLogger(__name__)


def authenticate(*roles: str) -> Principal:
    """Return the caller's principal, requiring one of ``roles``; raise 401, 403 or 429."""
    header = request.headers.get("Authorization")
    throttle = current_app.extensions["auth_throttle"]
    address = request.remote_addr or "unknown"
    if header:  # without credentials there is nothing to guess, and nothing to count
        throttle.check(address)
    try:
        principal = TokenService(get_session()).authenticate(header)
    except Unauthorized as exc:
        if header:
            throttle.failed(address)
        # Never the token itself: the reason, and who tried.
        log.warning("authentication refused for %s: %s", address, exc.message)
        raise
    return require_role(principal, *roles) if roles else principal
