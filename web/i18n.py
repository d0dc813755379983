"""Languages: Chinese first (zh_Hans_CN, the default), English second; ?lang= and a cookie."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

from .links import arg

LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
DEFAULT = "zh"
COOKIE = "lang"


def current_lang() -> str:
    """Return "zh" or "en" for this request (an unknown ?lang= falls back, never fails)."""
    environ = request.environ  # a page asks a dozen times: one look through the proxy each
    found = environ.get("registry.lang")
    if found is not None:
        return found
    wanted = arg("lang") or arg(COOKIE, values=request.cookies)
    if wanted not in LOCALES:
        # Chinese first: most visitors read Chinese, whatever their browser was set up with.
        wanted = DEFAULT
    environ["registry.lang"] = wanted
    return wanted


def select_locale() -> str:
    return LOCALES[current_lang()]


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")

    @app.context_processor
    def _lang():
        return {"lang": current_lang(), "other_lang": "en" if current_lang() == "zh" else "zh"}

    @app.after_request
    def _remember(response):
        if response.mimetype != "text/html":
            # Only a page a person reads remembers the language: a badge image or script is
            # public, cached by browsers and CDNs and embedded by other sites, and must not
            # carry a cookie.
            return response
        chosen = arg("lang")
        if chosen in LOCALES and arg(COOKIE, values=request.cookies) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=365 * 86400, samesite="Lax")
        return response
