"""The embeddable badge, its script variant, the embed page and the verification page."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from werkzeug.http import parse_etags, quote_etag
from werkzeug.wsgi import get_host

from registry.core.errors import ValidationFailed
from registry.read.badges import BadgeFacts, FactsCache, badge_facts
from registry.registration.domains import within
from registry.trust.embedding import Origin, claimed_domain, embedding_origin, parse_origin

from .badge_svg import LANGS, SIZES, render_badge
from .badge_text import clean_text
from .db import WROTE_COOKIE, cache_reader, get_session, node_reader
from .i18n import current_lang
from .links import arg, site_root
from .request import QUOTE_ERRORS as _QUOTE

bp = Blueprint("badge", __name__)

#: The badge depends on the Referer: browsers keep it per Referer (Vary), shared caches not at
#: all, since many CDNs key on the URL alone and would hand one site's badge to another.
SVG_CACHE_CONTROL = "private, max-age=60, must-revalidate"
#: The script is the same wherever it is embedded.
JS_CACHE_CONTROL = "public, max-age=60, must-revalidate"
SVG_TYPE = "image/svg+xml; charset=utf-8"
JS_TYPE = "text/javascript; charset=utf-8"
#: (status, headers, body) of a badge response
Answer = tuple[int, list[tuple[str, str]], bytes]


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = arg(name, default)
    if value not in allowed:
        raise ValidationFailed(f"{name} must be one of {', '.join(allowed)}", {name: value})
    return value


def _origin() -> Origin | None:
    """The page this badge or link was shown on, from the Referer (never from the query)."""
    return embedding_origin(request.environ.get("HTTP_REFERER"), lambda: request.host)


def _options() -> tuple[str, str]:
    """The badge's language and size (``?lang=``, ``?size=``)."""
    if not request.environ.get("QUERY_STRING"):
        return "zh", "medium"
    return _choice("lang", LANGS, "zh"), _choice("size", SIZES, "medium")


@lru_cache(maxsize=4096)  # every input is part of the key, so a changed record renders afresh
def _svg(
    registry: str, seller: str, grade: str, verified: bool, state: str, lang: str, size: str
) -> bytes:
    """The badge, encoded once for all the requests that show it."""
    return render_badge(
        registry_name=registry,
        seller_name=seller,
        grade=grade,
        verified=verified,
        state=state,
        lang=lang,
        size=size,
    ).encode()


def _facts_cache(app: Flask) -> FactsCache:
    """This process's badge facts (see FactsCache), one cache for both ways in."""
    cache = app.extensions.get("badge_facts")
    if cache is None:
        cache = app.extensions["badge_facts"] = FactsCache(poll=app.config["CACHE_POLL_SECONDS"])
    return cache


def cached_facts(public_id: str) -> BadgeFacts:
    """Facts from this process's cache: no session for a hit (a client that wrote lately
    reads afresh)."""
    reader = cache_reader()
    if reader is None:
        return badge_facts(get_session(), public_id)
    return _facts_cache(current_app).get(reader, public_id)


def _registry_name(config: Mapping[str, Any], lang: str) -> str:
    return config["REGISTRY_NAME" if lang == "zh" else "REGISTRY_NAME_EN"]


# Revalidated cheaply, embeddable by any site; built once, not per request.
_SVG_HEADERS = (
    ("Cache-Control", SVG_CACHE_CONTROL),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("Vary", "Referer"),
    ("X-Content-Type-Options", "nosniff"),
)
_JS_HEADERS = (
    ("Cache-Control", JS_CACHE_CONTROL),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("X-Content-Type-Options", "nosniff"),
)
# The registry's own pages about a badge are never shown inside another site's frame, where a
# copycat could crop them to a reassuring part.
_NO_FRAMES = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY"}


def _validated(if_none_match: str | None, etag: str) -> bool:
    """Whether the client's If-None-Match holds *etag* (most requests carry none)."""
    return bool(if_none_match) and parse_etags(if_none_match).contains(etag)


def _conditional(
    etag: str,
    body: Callable[[], bytes],
    content_type: str,
    if_none_match: str | None,
    fixed: tuple[tuple[str, str], ...],
) -> Answer:
    """A 304 when the client holds this version, else the body; cacheable, embeddable."""
    headers = [*fixed, ("ETag", quote_etag(etag))]
    if _validated(if_none_match, etag):
        return 304, headers, b""
    data = body()
    return 200, [*headers, ("Content-Type", content_type), ("Content-Length", str(len(data)))], data


def _response(answer: Answer, mimetype: str) -> Response:
    # The mimetype also types a 304 (werkzeug drops it from the headers sent), so that the
    # language hook, which remembers ?lang= on pages only, leaves it alone.
    status, headers, body = answer
    return Response(body, status=status, headers=headers, mimetype=mimetype)


def svg_answer(
    facts: BadgeFacts,
    lang: str,
    size: str,
    origin: Origin | None,
    if_none_match: str | None,
    config: Mapping[str, Any],
) -> Answer:
    """The badge of *facts* as shown on *origin*: a 304 when the client holds this version."""
    state = facts.state(origin)
    name = _registry_name(config, lang)
    return _conditional(
        # One version per state: a page's copy never revalidates as another page's state.
        facts.etag(lang, size, state),
        lambda: _svg(name, facts.legal_name, facts.grade, facts.verified, state, lang, size),
        SVG_TYPE,
        if_none_match,
        _SVG_HEADERS,
    )


@bp.get("/badge/<public_id>.svg")
def badge_svg(public_id: str):
    lang, size = _options()
    facts = cached_facts(public_id)
    answer = svg_answer(
        facts,
        lang,
        size,
        _origin(),
        request.environ.get("HTTP_IF_NONE_MATCH"),
        current_app.config,
    )
    return _response(answer, "image/svg+xml")


class BadgeFastPath:
    """WSGI middleware: answers ``GET``/``HEAD /badge/<id>.svg`` before Flask does.

    A badge is embedded on every page of a shop and fetched by every visitor, without a
    cookie, a session or a form. Flask's request machinery (contexts, the signed-cookie
    session, routing, hooks) costs more than finding and drawing a cached badge, so the
    badge's own answers (200 and 304) are made here from the same facts cache and
    functions as the Flask view. Anything else (an unknown seller, a bad ``?lang=``, any
    error at all) goes on to Flask, which answers it as every other route does; tests hold
    the two ways to byte-identical responses.
    """

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        answer = self.answer(environ)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(_STATUS[status], headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    def answer(self, environ: dict) -> Answer | None:
        """The badge's response, or None for Flask to answer."""
        try:
            return self._answer(environ)
        except Exception:
            return None

    def _answer(self, environ: dict) -> Answer | None:
        path = environ.get("PATH_INFO", "")
        if (
            not path.startswith("/badge/")
            or not path.endswith(".svg")
            or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
        ):
            return None
        public_id = path[7:-4]
        if not public_id or "/" in public_id or not public_id.isascii():
            return None
        query = environ.get("QUERY_STRING")
        if query:
            # As request.args: the first of repeated names, blank values kept (an ASCII query,
            # as browsers send, is its own UTF-8).
            raw = query if query.isascii() else query.encode("latin-1").decode("utf-8", _QUOTE)
            args = dict(reversed(parse_qsl(raw, keep_blank_values=True, errors=_QUOTE)))
            lang, size = args.get("lang", "zh"), args.get("size", "medium")
            if lang not in LANGS or size not in SIZES:
                return None
        else:
            lang, size = "zh", "medium"
        trusted = self.app.config.get("TRUSTED_HOSTS")
        # Flask refuses an untrusted Host (get_host raises): it says so.
        own = get_host(environ, trusted) if trusted is not None else None
        if not _routable_host(own or get_host(environ)):
            return None  # Flask answers 400 (BadHost)
        if WROTE_COOKIE in environ.get("HTTP_COOKIE", ""):
            return None  # a client that wrote lately: Flask reads its own write afresh
        reader = node_reader(self.app.extensions["registry_db"])
        facts = _facts_cache(self.app).get(reader, public_id)
        origin = embedding_origin(environ.get("HTTP_REFERER"), lambda: own or get_host(environ))
        return svg_answer(
            facts, lang, size, origin, environ.get("HTTP_IF_NONE_MATCH"), self.app.config
        )


_STATUS = {200: "200 OK", 304: "304 NOT MODIFIED"}


@lru_cache(maxsize=256)
def _routable_host(host: str) -> bool:
    """Whether Flask can bind its URL map to *host* (werkzeug's Map.bind IDNA-encodes it and
    answers 400 BadHost when that fails, e.g. for ``Host: .``)."""
    try:
        host.lower().encode("idna")
    except UnicodeError:
        return False
    return True


def init_app(app: Flask) -> None:
    _facts_cache(app)
    app.wsgi_app = BadgeFastPath(app, app.wsgi_app)  # type: ignore[method-assign]


# The image and the link send the page's origin (never its path), whatever the page's own
# referrer policy: that is what the registry checks. The script says nothing the registry
# believes: it cannot make the badge green; only the browser's Referer can.
_SCRIPT = """(function () {
  var s = document.currentScript, base = %(base)s, id = %(id)s;
  if (!s || !s.parentNode) return;
  var a = document.createElement("a");
  a.referrerPolicy = "origin";
  a.href = base + "/verify/" + id + "?lang=%(lang)s&from=" +
    encodeURIComponent(location.origin);
  a.target = "_blank"; a.rel = "noopener";
  var img = document.createElement("img");
  img.referrerPolicy = "origin";
  img.src = base + "/badge/" + id + ".svg?lang=%(lang)s&size=%(size)s";
  img.alt = %(alt)s; img.style.border = "0";
  a.appendChild(img);
  s.parentNode.insertBefore(a, s);
})();
"""


@bp.get("/badge/<public_id>.js")
def badge_js(public_id: str):
    """The script variant: the image it adds sends the page's origin, so that the server can
    tell the seller's own site from a copy."""
    lang, size = _options()
    facts = cached_facts(public_id)
    base = site_root()
    alt = "网店信誉登记册核验徽章：" if lang == "zh" else "Registry verification badge: "
    body = _SCRIPT % {
        "base": json.dumps(base),
        "id": json.dumps(facts.public_id),
        "lang": lang,
        "size": size,
        "alt": json.dumps(alt + facts.legal_name, ensure_ascii=True),
    }
    etag = facts.etag("js", lang, size, base)
    inm = request.environ.get("HTTP_IF_NONE_MATCH")
    answer = _conditional(etag, body.encode, JS_TYPE, inm, _JS_HEADERS)
    return _response(answer, "text/javascript")


def _preview(facts: BadgeFacts, origin: Origin | None, lang: str) -> dict[str, str]:
    """The badge as it looks on *origin*, as a data: URL for the embed page."""
    state = facts.state(origin)
    name = _registry_name(current_app.config, lang)
    svg = _svg(name, facts.legal_name, facts.grade, facts.verified, state, lang, "medium")
    return {"state": state, "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode()}


@bp.get("/sellers/<public_id>/badge")
def embed(public_id: str):
    """The merchant's page: HTML and script snippets to copy, and what buyers will see."""
    facts = badge_facts(get_session(), public_id)
    base = site_root()
    lang = current_lang()
    own = parse_origin(f"https://{facts.domains[0]}") if facts.domains else None
    previews = {
        "own": _preview(facts, own, lang) if own else None,
        "blind": _preview(facts, None, lang),
        "elsewhere": _preview(facts, parse_origin("https://copycat.invalid"), lang),
    }
    html = render_template("embed.html", facts=facts, base=base, previews=previews)
    return html, 200, _NO_FRAMES


@bp.get("/verify/<public_id>")
def verify(public_id: str):
    """Where a badge links: the live record, the bound domains, and where you came from.

    Where the visitor came from is the Referer's origin; ``?from=`` is only what the link
    says, shown as such.
    """
    facts = badge_facts(get_session(), public_id)
    origin = _origin()
    claimed = clean_text(arg("from") or "")[:200] or None
    claim = claimed_domain(claimed)
    if claimed and origin is not None and claim == origin.domain:
        claimed = None  # the browser confirmed what the link says: nothing more to tell
    html = render_template(
        "verify.html",
        facts=facts,
        origin=origin,
        standing=None if origin is None else origin.standing(facts.domains),
        claimed=claimed,
        claim_bound=claim is not None and within(claim, facts.domains),
        profile_url=url_for("pages.seller", public_id=public_id),
    )
    return html, 200, _NO_FRAMES


@bp.get("/.well-known/jwks.json")
def jwks():
    """The public keys that verify the registry's signed statements."""
    from .keys import key_ring

    # A reader: the keys are made by the jobs and commands that sign (create=False).
    response = current_app.json.response(key_ring(create=False).jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
