"""The Flask application: the one package that wires Flask to the registry."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance config and environment, then ``config``."""
    instance = os.environ.get("REGISTRY_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
    )
    from . import config as settings

    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(settings.from_environment())
    if config:
        app.config.from_mapping(config)
    settings.check_search_backend(app.config)
    app.json.ensure_ascii = False  # Chinese stays readable in the JSON API
    from .request import Request, refuse_control_characters

    app.request_class = Request  # a query string that is not UTF-8 is read, not a 500
    refuse_control_characters(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key(app.instance_path)
    if not app.config.get("DIGEST_SECRET"):
        # Keys the complainant digests: it must outlive SECRET_KEY rotations, or repeat
        # complainants stop being recognised by the scoring's 90-day rule.
        app.config["DIGEST_SECRET"] = settings.secret_key(app.instance_path, "digest_secret")

    from flask_wtf import CSRFProtect
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import (
        account_pages,
        api,
        api_docs,
        badge,
        cli,
        complaint_pages,
        db,
        envelope,
        headers,
        i18n,
        limits,
        links,
        merchant,
        moderation,
        ops,
        pages,
        people,
        regulator,
        search_rows,
        templating,
        throttle,
    )
    from .payload import init_app as read_bodies_safely
    from .payload import limit_evidence_bodies
    from .sessions import CookieSessions

    app.session_interface = CookieSessions()
    db.init_app(app)
    search_rows.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    envelope.register(app)
    links.refuse_unlisted_hosts(app)
    headers.init_app(app)
    limit_evidence_bodies(app)  # before the CSRF check reads a form
    csrf = CSRFProtect(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(complaint_pages.bp)
    people.init_app(app)
    app.register_blueprint(account_pages.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(merchant.bp)
    app.register_blueprint(regulator.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(badge.bp)
    read_bodies_safely(app)  # a body the server cannot read is a 400, wherever it is read
    badge.init_app(app)  # the badge's fast path, in front of Flask
    app.register_blueprint(api.bp)
    app.register_blueprint(api_docs.bp)
    csrf.exempt(api.bp)  # the JSON API authenticates with bearer tokens, not cookies
    throttle.init_app(app)
    limits.init_app(app)  # after every blueprint: it decides a limit for each route
    hops = {arg: int(app.config[key] or 0) for key, arg in settings.PROXY_FIX_KEYS.items()}
    if any(hops.values()):
        # Outermost, so that the badge's fast path sees the client's address and scheme too.
        # Without hop counts no X-Forwarded-* header is believed.
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]
    cli.register(app)
    from .outbound import warn_if_private

    warn_if_private(app)
    return app
