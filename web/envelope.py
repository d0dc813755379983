"""One JSON envelope, and the one place that maps errors to status codes."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from flask.json.provider import DefaultJSONProvider
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from registry.core.db import unavailable
from registry.core.errors import RegistryError
from search import SearchUnavailableError

from .page_errors import page_message
from .request import Page

log = logging.getLogger(__name__)
#: what a 503 asks a client to wait while the database restarts or fails over
RETRY_AFTER_SECONDS = 5


class IsoJSONProvider(DefaultJSONProvider):
    """Dates and times as ISO 8601, the way pydantic writes them (``…Z`` for UTC), in every
    answer: Flask's default is RFC 1123 (``Wed, 02 Dec 2026 17:29:44 GMT``), which drops the
    fraction of a second and reads differently from the fields models give."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def ok(data: Any, status: int = 200, **meta: Any) -> tuple[Response, int]:
    body: dict[str, Any] = {"data": _plain(data)}
    if meta:
        body["meta"] = _plain(meta)
    return jsonify(body), status


def paged(items: list, page: Page, total: int, **meta: Any) -> tuple[Response, int]:
    """One page of a list: ``meta`` says ``total``, ``page``, ``per_page`` and ``pages``, and a
    ``Link`` header (RFC 8288) names the first, previous, next and last pages, with every
    other argument of the query kept."""
    pages = -(-total // page.size)
    response, status = ok(
        items, total=total, page=page.number, per_page=page.size, pages=pages, **meta
    )
    last = max(1, pages)
    links = {"first": 1, "prev": min(page.number - 1, last), "next": page.number + 1}
    links["last"] = last
    response.headers["Link"] = ", ".join(
        f'<{_page_url(n)}>; rel="{rel}"' for rel, n in links.items() if 1 <= n <= last
    )
    return response, status


def _page_url(number: int) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    return request.base_url + "?" + urlencode([*args, ("page", str(number))])


def error(status: int, code: str, message: str, details: Any = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return jsonify({"error": body}), status


def _wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.path.startswith("/.well-known/")
        or (request.accept_mimetypes.best == "application/json")
    )


def register(app: Flask) -> None:
    app.json = IsoJSONProvider(app)

    @app.errorhandler(RegistryError)
    def _domain_error(exc: RegistryError):
        if _wants_json():
            response, status = error(exc.status, exc.code, exc.message, exc.details)
        else:
            response, status = app.make_response(_page(exc.status, exc)), exc.status
        retry = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
        if isinstance(retry, int):
            response.headers["Retry-After"] = str(retry)
        return response, status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if exc.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = f"request body too large (limit {limit} bytes)"
        else:
            message = exc.description or exc.name
        if _wants_json():
            response, status = error(exc.code or 500, code, message)
        else:
            response = app.make_response(_page(exc.code or 500, exc))
            status = exc.code or 500
        original = exc.get_response()
        for header in ("Allow", "Retry-After"):
            if original.headers.get(header):
                response.headers[header] = original.headers[header]
        return response, status

    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        if not unavailable(exc):
            return _unexpected(exc)
        return _database_unavailable(exc.orig)

    @app.errorhandler(SearchUnavailableError)
    def _search_unavailable(exc: SearchUnavailableError):
        # The seller search reads the database itself (SEARCH_BACKEND=postgres).
        return _database_unavailable(exc.__cause__ or exc)

    def _database_unavailable(cause: BaseException | None):
        # Restarting, failed over or busy: say so, and when to come back.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, cause)
        if _wants_json():
            response, status = error(
                503, "database_unavailable", "the registry's database is briefly unavailable"
            )
        else:
            response, status = app.make_response(_page(503, ServiceUnavailable())), 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return error(500, "internal_error", "internal error; it has been logged")
        return _page(500, exc)


def _page(status: int, exc: BaseException) -> tuple[str, int]:
    """The error page: the message of the error's case in the reader's language (the JSON
    API keeps the English message and the code)."""
    if request_ctx.url_adapter is None:
        # The Host could not be bound (werkzeug's BadHost): the page's links are relative, so
        # a neutral host serves to build them, and the 400 is answered as a page, not a 500.
        request_ctx.url_adapter = current_app.url_map.bind(
            "localhost", script_name=request.script_root or None, url_scheme=request.scheme
        )
    return render_template("error.html", status=status, message=page_message(exc)), status
