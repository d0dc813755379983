"""The Flask application: the one package that wires Flask to the registry."""

from __future__ import annotations

import os
from typing import Any, Mapping

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
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.secret_key(app.instance_path)

    from . import api, cli, db, envelope, pages

    db.init_app(app)
    envelope.register(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    cli.register(app)
    return app
