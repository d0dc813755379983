"""Operator endpoints: the health check load balancers and `make run` ask; the feeds page
(a moderator's bearer token: it names the sources the registry pulls from)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from sqlalchemy import text

from registry.core.errors import Forbidden
from registry.core.types import utcnow

from .auth import authenticate
from .db import database, get_session
from .headers import private

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """The primary answers (else a 503); with replicas, how far behind each one is."""
    get_session().execute(text("SELECT 1"))
    replicas = database().replicas
    if replicas is None:
        return {"status": "ok"}
    return {
        "status": "ok",
        "replica_max_lag_seconds": replicas.max_lag,
        "replicas": replicas.status(),
    }


@bp.get("/.well-known/security.txt")
def security_txt():
    """Where to report a vulnerability (RFC 9116), when the operator names a contact."""
    contact = current_app.config.get("SECURITY_CONTACT")
    if not contact:
        abort(404)
    if "@" in contact and not contact.startswith(("mailto:", "https://")):
        contact = f"mailto:{contact}"
    expires = (utcnow() + timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: zh, en",
        f"Canonical: {url_for('ops.security_txt', _external=True)}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")


def _person_or_token(role: str) -> None:
    """Let in a person of *role* signed in (with the second factor) or a token of *role*:
    the operator pages are linked from the desks, and scripts read them with tokens."""
    from flask_login import current_user

    if current_user.is_authenticated and not request.headers.get("Authorization"):
        if current_user.role != role:
            raise Forbidden(f"this page is for {role} accounts")
    else:
        authenticate(role)


@bp.get("/ops/feeds")
@private
def feeds():
    """The configured feeds and their last runs (moderators: a token, or signed in)."""
    from registry.feeds import FeedService

    _person_or_token("moderator")
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


@bp.get("/ops/sites")
@private
def unidentified_sites():
    """Regulators: the domains consumers reported with no registered seller, most first
    (a regulator's token, or a regulator signed in with the second factor: the desk links
    here)."""
    from flask_login import current_user

    from registry.complaints.sites import SiteReports

    from .request import page_args

    _person_or_token("regulator")
    reports = SiteReports(get_session(), utcnow())
    page = page_args(default=50, most=200)
    return render_template(
        "ops_sites.html",
        sites=reports.queue(page.size, page.offset),
        total=reports.queue_total(),
        page=page,
        signed_in=current_user.is_authenticated and current_user.role == "regulator",
    )
