"""The embeddable badge, its script variant, the embed page and the verification page."""

from __future__ import annotations

import json
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.http import quote_etag

from registry.badges import BadgeFacts, FactsCache, badge_facts
from registry.errors import ValidationFailed

from .badge_svg import LANGS, SIZES, render_badge
from .db import database, get_session

bp = Blueprint("badge", __name__)

CACHE_CONTROL = "public, max-age=60, must-revalidate"


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        raise ValidationFailed(f"{name} must be one of {', '.join(allowed)}", {name: value})
    return value


def _referrer_host() -> str | None:
    """The embedding page's host from the Referer, unless it is this site itself."""
    referrer = request.environ.get("HTTP_REFERER")
    if not referrer:
        return None
    parts = urlsplit(referrer)
    host = (parts.hostname or "").lower()
    # Only this very origin is "ourselves": another port on the same host is another site.
    return None if not host or parts.netloc.lower() == request.host.lower() else host


def embedding_host() -> str | None:
    """The host a badge is shown on: the Referer wins over what the page says of itself."""
    return _referrer_host() or (request.args.get("host") or None)


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


def cached_facts(public_id: str) -> BadgeFacts:
    """Facts from this process's cache (see FactsCache): no session for a hit."""
    ext = current_app.extensions
    if "badge_facts" not in ext:
        ext["badge_facts"] = FactsCache(poll=current_app.config["CACHE_POLL_SECONDS"])
    return ext["badge_facts"].get(database().reader, public_id)


def _registry_name(lang: str) -> str:
    return current_app.config["REGISTRY_NAME" if lang == "zh" else "REGISTRY_NAME_EN"]


# Cacheable, revalidated cheaply, embeddable by any site; built once, not per request.
_HEADERS = (
    ("Cache-Control", CACHE_CONTROL),
    ("Cross-Origin-Resource-Policy", "cross-origin"),
    ("Vary", "Referer"),
    ("X-Content-Type-Options", "nosniff"),
)


def _conditional(body_fn, etag: str, mimetype: str) -> Response:
    """A 304 when the client holds this version, else the body; cacheable, embeddable."""
    headers = [*_HEADERS, ("ETag", quote_etag(etag))]
    # Most requests carry no validator: skip parsing one that is not there.
    if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    return Response(body_fn(), mimetype=mimetype, headers=headers)


@bp.get("/badge/<public_id>.svg")
def badge_svg(public_id: str):
    lang = _choice("lang", LANGS, "zh")
    size = _choice("size", SIZES, "medium")
    facts: BadgeFacts = cached_facts(public_id)
    host = embedding_host()
    state = facts.state(host)
    etag = facts.etag(lang, size, state)
    registry = _registry_name(lang)
    return _conditional(
        lambda: _svg(registry, facts.legal_name, facts.grade, facts.verified, state, lang, size),
        etag,
        "image/svg+xml",
    )


_SCRIPT = """(function () {
  var s = document.currentScript, base = %(base)s, id = %(id)s;
  var host = location.hostname;
  var a = document.createElement("a");
  a.href = base + "/verify/" + id + "?lang=%(lang)s&from=" + encodeURIComponent(host);
  a.target = "_blank"; a.rel = "noopener";
  var img = document.createElement("img");
  img.src = base + "/badge/" + id + ".svg?lang=%(lang)s&size=%(size)s&host=" +
    encodeURIComponent(host);
  img.alt = %(alt)s; img.style.border = "0";
  a.appendChild(img);
  s.parentNode.insertBefore(a, s);
})();
"""


@bp.get("/badge/<public_id>.js")
def badge_js(public_id: str):
    """The script variant: the server decides per host whether the badge or a warning shows."""
    lang = _choice("lang", LANGS, "zh")
    size = _choice("size", SIZES, "medium")
    facts = cached_facts(public_id)
    base = current_app.config["BASE_URL"].rstrip("/")
    alt = "网店信誉登记册核验徽章：" if lang == "zh" else "Registry verification badge: "
    body = _SCRIPT % {
        "base": json.dumps(base),
        "id": json.dumps(facts.public_id),
        "lang": lang,
        "size": size,
        "alt": json.dumps(alt + facts.legal_name, ensure_ascii=True),
    }
    return _conditional(lambda: body, facts.etag("js", lang, size, base), "text/javascript")


@bp.get("/sellers/<public_id>/badge")
def embed(public_id: str):
    """The merchant's page: HTML and script snippets to copy."""
    facts = badge_facts(get_session(), public_id)
    base = current_app.config["BASE_URL"].rstrip("/")
    return render_template("embed.html", facts=facts, base=base)


@bp.get("/verify/<public_id>")
def verify(public_id: str):
    """Where a badge links: the live record, the allowed domains, and where you came from."""
    facts = badge_facts(get_session(), public_id)
    referrer = _referrer_host()
    claimed = request.args.get("from")
    host = referrer or claimed
    allowed = facts.state(host) != "warning" if host else None
    return render_template(
        "verify.html",
        facts=facts,
        referrer=referrer,
        claimed=claimed,
        host=host,
        allowed=allowed,
        profile_url=url_for("pages.seller", public_id=public_id),
    )


@bp.get("/.well-known/jwks.json")
def jwks():
    """The public keys that verify the registry's signed statements."""
    from .keys import key_ring

    response = current_app.json.response(key_ring().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
