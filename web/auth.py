"""Bearer-token authentication for the JSON API."""

from __future__ import annotations

from flask import request

from registry.tokens import Principal, TokenService, require_role

from .db import get_session


def authenticate(*roles: str) -> Principal:
    """Return the caller's principal, requiring one of ``roles``; raise 401 or 403."""
    principal = TokenService(get_session()).authenticate(request.headers.get("Authorization"))
    return require_role(principal, *roles) if roles else principal
