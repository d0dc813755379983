"""The API's OpenAPI 3.1 document, built once per app from the routes' declarations."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify

from . import bp
from .contract import answer, build_document, operation


def document(app: Flask) -> dict[str, Any]:
    """The app's document (built at the first request for it, then kept)."""
    cached = app.extensions.get("openapi_document")
    if cached is None:
        cached = app.extensions["openapi_document"] = build_document(app)
    return cached


@bp.get("/openapi.json")
@operation(
    "This document: OpenAPI 3.1",
    answers=[answer(200, media=("application/json",), description="The OpenAPI document")],
)
def openapi_document():
    return jsonify(document(current_app))
