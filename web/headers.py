"""The security headers of every answer, set in one place.

- Pages (HTML): a Content-Security-Policy that runs only this site's own scripts and styles
  (no inline script, no inline style) and lets no other site frame the page, with
  ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``;
  ``Referrer-Policy: strict-origin-when-cross-origin``; ``X-Content-Type-Options: nosniff``.
  The badge's verification and embed pages too: a copycat shop must not crop them into its
  own page (docs/BADGE.md); what other sites embed is the badge image and script.
- Pages and answers that carry a secret (``private``): ``Referrer-Policy: no-referrer`` and
  ``Cache-Control: no-store``.
- JSON and everything else: ``nosniff``, and a policy that loads nothing and frames nowhere.
- The badge image and script are answered with their own headers (``web.badge``): cacheable,
  embeddable, identical on the fast path and through Flask; they are left as they are.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

#: response types of the badge's own answers (see web.badge), which keep their headers
BADGE_TYPES = frozenset({"image/svg+xml", "text/javascript"})
#: the WSGI environ key that marks a request whose answer carries a secret
PRIVATE = "registry.private_answer"


@functools.lru_cache(maxsize=8)
def page_headers(base_url: str) -> dict[str, str]:
    """The headers of every page, for this BASE_URL."""
    return {
        "Content-Security-Policy": page_policy(base_url),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Content-Type-Options": "nosniff",
    }


def page_policy(base_url: str) -> str:
    """The Content-Security-Policy of the site's pages."""
    # The badge-snippet page shows the badge from BASE_URL, which may be another origin.
    parts = urlsplit(base_url)
    badge_origin = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data:{badge_origin}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def private(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose page or answer carries a secret (a complaint or reply token)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        request.environ[PRIVATE] = True
        return view(*args, **kwargs)

    return wrapper


OTHER = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
SECRET = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
        mimetype = response.mimetype
        if mimetype in BADGE_TYPES and req.blueprint == "badge":
            return response
        chosen = page_headers(app.config["BASE_URL"]) if mimetype == "text/html" else OTHER
        response.headers.update(chosen)
        if PRIVATE in req.environ:
            response.headers.update(SECRET)
        return response
