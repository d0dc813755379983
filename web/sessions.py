"""Flask's signed-cookie sessions, opened without work when the request brings no cookie."""

from __future__ import annotations

from typing import Any

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Only the complaint and moderation forms keep a session (their CSRF token); a search
    or a profile page comes without a session cookie. Flask builds the cookie's signer (a
    key derivation and a serializer) for every request before it looks for the cookie;
    here a request without one gets its empty session at once."""

    def open_session(self, app: Any, request: Any) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
