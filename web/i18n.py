"""Languages: Chinese first (zh_Hans_CN, the default), English second.

The language of a request: ``?lang=``, else the ``lang`` cookie (a choice made earlier), else
the browser's ``Accept-Language``, else Chinese. A page whose language was not named in its
URL says ``Vary: Accept-Language, Cookie`` so that no cache hands it to another reader.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

from .links import arg

LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
DEFAULT = "zh"
COOKIE = "lang"
#: the languages a browser may ask for, Chinese first: it wins ties ("*", equal weights)
_OFFERED = tuple(LOCALES)
_FROM_URL = "registry.lang_from_url"


def current_lang() -> str:
    """Return "zh" or "en" for this request (an unknown ?lang= falls back, never fails)."""
    environ = request.environ  # a page asks a dozen times: one look through the proxy each
    found = environ.get("registry.lang")
    if found is not None:
        return found
    wanted = arg("lang")
    if wanted in LOCALES:
        environ[_FROM_URL] = True
    else:
        wanted = arg(COOKIE, values=request.cookies)
    if wanted not in LOCALES:
        # The browser's languages; none we have (or no header): Chinese, as most visitors read.
        wanted = request.accept_languages.best_match(_OFFERED) or DEFAULT
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
        if "registry.lang" in request.environ and not request.environ.get(_FROM_URL):
            # The language came from the cookie or the browser's header: so did the page.
            response.vary.update(("Accept-Language", "Cookie"))
        if response.mimetype != "text/html":
            # Only a page a person reads remembers the language: a badge image or script is
            # public, cached by browsers and CDNs and embedded by other sites, and must not
            # carry a cookie.
            return response
        chosen = arg("lang")
        if chosen in LOCALES and arg(COOKIE, values=request.cookies) != chosen:
            response.set_cookie(
                COOKIE,
                chosen,
                max_age=365 * 86400,
                samesite="Lax",
                httponly=True,  # read by the server only
                secure=request.is_secure,
            )
        return response
