"""Flask's signed-cookie sessions, opened without work when the request brings no cookie."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Only the complaint and moderation forms keep a session (their CSRF token); a search
    or a profile page comes without a session cookie. Flask builds the cookie's signer (a
    key derivation and a serializer) for every request before it looks for the cookie;
    here a request without one gets its empty session at once.

    The cookie is ``HttpOnly`` and ``SameSite=Lax`` (``SESSION_COOKIE_HTTPONLY`` and
    ``SESSION_COOKIE_SAMESITE``), and ``Secure`` whenever the request came over HTTPS: the
    scheme the client used, as ProxyFix reports it behind a proxy that the ``PROXY_FIX_*``
    settings name, never as a raw ``X-Forwarded-Proto`` says."""

    def open_session(self, app: Any, request: Any) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Any) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure
        )
