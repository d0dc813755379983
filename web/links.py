"""Links in pages: url_for that remembers what it built, this page with one argument changed
(language, page number), the request's arguments read as cheaply as they are written, and the
one way absolute links are made (never from a Host header the operator did not list)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_from_bytes, quote_plus, unquote_to_bytes

from flask import Flask, Response, current_app, request, url_for
from markupsafe import escape
from werkzeug.exceptions import SecurityError


def arg(name: str, default: str | None = None, values: Any = None) -> str | None:
    """``request.args.get(name, default)`` (or of *values*, request.cookies say) without
    werkzeug building and catching an HTTP exception (BadRequestKeyError) for a name the
    request does not have: a page asks for several such names."""
    found = request.args if values is None else values
    return found[name] if name in found else default


_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]+")  # characters no URL part is ever escaped for


def remembered_url_for(app: Flask) -> Callable[..., str]:
    """``url_for`` for templates, remembering what it built (the URL map is fixed once the app
    serves). A URL without arguments is built once; one whose arguments are plain words (a
    seller's public id) is built once per endpoint and argument names with markers in their
    place, then filled in: werkzeug's URL building costs more than the rest of a link."""
    built: dict[tuple, str] = {}
    shapes: dict[tuple, str | None] = {}
    token = secrets.token_hex(4)

    def fill(shape: str, values: dict[str, str]) -> str:
        for i, value in enumerate(values.values()):
            shape = shape.replace(f"zz{token}{i}q", value)
        return shape

    def by_shape(endpoint: str, values: dict[str, str]) -> str:
        key = (request.script_root, endpoint, tuple(values))
        shape = shapes.get(key, "")
        if shape == "":
            real = url_for(endpoint, **values)
            markers = {name: f"zz{token}{i}q" for i, name in enumerate(values)}
            shape = None
            # Defaults and URL-default callbacks may make the URL depend on the values.
            if not app.url_default_functions and not any(
                rule.defaults for rule in app.url_map.iter_rules(endpoint)
            ):
                try:
                    candidate = url_for(endpoint, **markers)
                except Exception:  # a converter that takes no words: build every time
                    candidate = None
                if candidate is not None and fill(candidate, values) == real:
                    shape = candidate
            shapes[key] = shape
            return real
        return url_for(endpoint, **values) if shape is None else fill(shape, values)

    def template_url_for(endpoint: str, **values) -> str:
        # Relative endpoints, external URLs and lists of values are built every time.
        if endpoint.startswith(".") or any(
            k.startswith("_") or isinstance(v, list | dict | set) for k, v in values.items()
        ):
            return url_for(endpoint, **values)
        if values and all(type(v) is str and _UNQUOTED.fullmatch(v) for v in values.values()):
            return by_shape(endpoint, values)
        key = (request.script_root, endpoint, *sorted(values.items()))
        found = built.get(key)
        if found is None:
            if len(built) >= 10_000:
                built.clear()
            found = built[key] = url_for(endpoint, **values)
        return found

    return template_url_for


#: what a query pair keeps as it is (its = and + and %-escapes among them)
_QUERY_SAFE = "=+%!$'()*,/:;?@~"


def url_with(name: str, value: str) -> str:
    """This request's URL with the query argument *name* set to *value* (last), the others
    as the request sent them: already encoded, so nothing is decoded and encoded again."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    key = name.encode()
    kept = [
        quote_from_bytes(pair, safe=_QUERY_SAFE)  # raw bytes a client left unencoded
        for pair in req.query_string.split(b"&")
        if pair and unquote_to_bytes(pair.partition(b"=")[0].replace(b"+", b" ")) != key
    ]
    kept.append(f"{quote_plus(name)}={quote_plus(value)}")
    return f"{req.script_root}{req.path}?{'&'.join(kept)}"


def lang_url(lang: str) -> str:
    """The same page in language *lang*."""
    return url_with("lang", lang)


def page_url(page: int) -> str:
    return url_with("page", str(page))


def site_root() -> str:
    """Where absolute links start: the request's own scheme and host when the operator listed
    the hosts the site answers to (``TRUSTED_HOSTS``: Flask refuses any other Host with 400
    before a view runs), otherwise ``BASE_URL``. A Host header alone never reaches a link."""
    if current_app.config.get("TRUSTED_HOSTS"):
        return request.url_root.rstrip("/")
    return current_app.config["BASE_URL"].rstrip("/")


def with_fragment(url: str, pairs: dict[str, str] | None) -> str:
    """*url* with *pairs* as its fragment (``#name=value&...``): a secret there stays in the
    browser, since no request line, access log or Referer carries a fragment."""
    if not pairs:
        return url
    encoded = (f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs.items())
    return url + "#" + "&".join(encoded)


def external_url(endpoint: str, fragment: dict[str, str] | None = None, **values: Any) -> str:
    """The absolute URL of *endpoint* (see ``site_root``), *fragment* as in ``with_fragment``."""
    path = url_for(endpoint, **values)
    root = request.script_root
    if root and path.startswith(root):
        path = path[len(root) :]  # site_root() already ends where the application is mounted
    return with_fragment(site_root() + path, fragment)


def refuse_unlisted_hosts(app: Flask) -> None:
    """Answer a Host that ``TRUSTED_HOSTS`` does not list with a plain 400: no page of the
    site can be built for it (every link would need the refused host)."""

    @app.errorhandler(SecurityError)
    def _unlisted_host(exc: SecurityError):
        from flask_babel import gettext

        from .envelope import error

        message = gettext("This site does not answer to that host name.")
        if request.path.startswith(("/api/", "/.well-known/")):
            return error(400, "untrusted_host", message)
        page = f"<!doctype html><title>400</title><h1>400</h1><p>{escape(message)}</p>"
        return Response(page, 400, mimetype="text/html")
