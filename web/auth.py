"""Bearer-token authentication for the JSON API (failures are throttled by web.throttle)."""

from __future__ import annotations

import logging

from flask import request

from registry.errors import Unauthorized
from registry.tokens import Principal, TokenService, require_role

from .db import get_session

log = logging.getLogger(__name__)


def authenticate(*roles: str) -> Principal:
    """Return the caller's principal, requiring one of ``roles``; raise 401 or 403."""
    try:
        principal = TokenService(get_session()).authenticate(request.headers.get("Authorization"))
    except Unauthorized as exc:
        # Never the token itself: the reason, and who tried.
        log.warning("authentication refused for %s: %s", request.remote_addr, exc.message)
        raise
    return require_role(principal, *roles) if roles else principal
