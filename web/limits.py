"""Rate limits per client address (Flask-Limiter), in one table: what a scraper, a flood of
complaints or a guessing script may do per minute, route by route.

``LIMITS`` names the routes a stranger can make expensive or use to harvest (search,
suggest, reports, lookup, complaint intake, sign-in, attestations); every other route that
writes (POST, PUT, PATCH, DELETE) gets ``WRITE_LIMIT`` for its writing methods. A route
added later without a decision is caught by ``tests/web/test_rate_limits.py``. Profiles and
the badge are not limited here: they are cached and cheap, and the badge is embedded in
shops' pages, where every buyer's browser asks for it.

The count lives in ``RATELIMIT_STORAGE_URI``: ``memory://`` per process (the default), or
Redis, which ``make run`` uses so that its two workers share one count (and nodes too); with
``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED`` a worker counts in memory while Redis is gone. The
client is ``request.remote_addr``: the proxy's address unless ``PROXY_FIX_X_FOR`` says how
many proxies set ``X-Forwarded-For``, never the raw header. A refusal is a 429 in the JSON
envelope or a localised page, with ``Retry-After``. ``RATELIMIT_ENABLED=0`` turns limits off
(the benchmarks, which load the site from one address, and the tests, which enable them
where they test them).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

#: endpoint -> limit per client address (the methods it applies to: all the endpoint has)
LIMITS: dict[str, str] = {
    # what a scraper or harvester would run in a loop
    "pages.search": "60/minute",
    "api.search_sellers": "60/minute",
    "api.suggest": "300/minute",  # a keystroke each
    "api.search_reports": "30/minute",
    "api.lookup": "60/minute",
    "api.attestation": "60/minute",
    # the export streams the whole registry: a few times an hour is plenty
    "api.export_sellers_jsonl": "10/hour",
    "api.export_sellers_csv": "10/hour",
    "api.export_complaints_jsonl": "10/hour",
    # intake: the service's own limits count per client and contact too
    "api.file_complaint": "10/hour",
    # a merchant's files: up to 25 MB decoded and re-encoded a request
    "api.add_evidence": "30/hour",
    "complaints.reply_evidence": "30/hour",
}
#: pages whose GET shows a form and whose POST files it: only the POST is limited
FORM_LIMITS: dict[str, str] = {
    "complaints.complain": "10/hour",
    "complaints.complaint": "30/hour",
    "complaints.reply": "30/hour",
    "complaints.status": "60/hour",
    # a one-time code to a contact (the service also counts per client and per contact)
    "complaints.recover": "10/hour",
}
#: every other writing route (partners' batches are few and large: a batch is one request)
WRITE_LIMIT = "120/minute"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_app(app: Flask) -> Limiter:
    """Attach the limiter and the limits of every route registered so far."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter = Limiter(get_remote_address, app=app, default_limits=[])
    for endpoint, methods in _endpoints(app).items():
        view = app.view_functions[endpoint]
        if endpoint in LIMITS:
            wrapped = limiter.limit(LIMITS[endpoint])(view)
        elif endpoint in FORM_LIMITS:
            wrapped = limiter.limit(FORM_LIMITS[endpoint], methods=["POST"])(view)
        elif methods & WRITE_METHODS:
            wrapped = limiter.limit(WRITE_LIMIT, methods=sorted(methods & WRITE_METHODS))(view)
        else:
            continue
        app.view_functions[endpoint] = wrapped
    # The decorators hold the limiter weakly: the app keeps it alive.
    app.extensions["registry_limiter"] = limiter
    return limiter


def _endpoints(app: Flask) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        out.setdefault(rule.endpoint, set()).update(rule.methods or ())
    return {k: frozenset(v) for k, v in out.items()}


def limited(app: Flask) -> dict[str, str]:
    """Each limited endpoint and its limit: what the tests and the docs read."""
    out = {}
    for endpoint, methods in _endpoints(app).items():
        if endpoint in LIMITS:
            out[endpoint] = LIMITS[endpoint]
        elif endpoint in FORM_LIMITS:
            out[endpoint] = FORM_LIMITS[endpoint]
        elif methods & WRITE_METHODS:
            out[endpoint] = WRITE_LIMIT
    return out
