"""Links in pages: url_for that remembers what it built, this page with one argument changed
(language, page number), and the request's arguments read as cheaply as they are written."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_from_bytes, quote_plus, unquote_to_bytes

from flask import Flask, request, url_for


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
