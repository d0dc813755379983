"""Operator endpoints: the health check load balancers and `make run` ask; the feeds page
(a moderator's bearer token: it names the sources the registry pulls from)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, render_template
from sqlalchemy import text

from .auth import authenticate
from .db import get_session
from .headers import private

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/ops/feeds")
@private
def feeds():
    """The configured feeds and their last runs."""
    from registry.feeds import FeedService

    authenticate("moderator")
    service = FeedService(get_session())
    rows = [
        {
            **f.model_dump(),
            # The host and path: a key in the query string stays out of the page.
            "where": "{0.scheme}://{0.netloc}{0.path}".format(urlsplit(f.url)),
        }
        for f in service.feeds()
    ]
    return render_template("ops_feeds.html", feeds=rows, runs=service.runs(10))
