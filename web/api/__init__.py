"""The JSON API under /api/v1: thin handlers that parse, call a service and serialise."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The handler modules register their routes on ``bp``.
from . import (  # noqa: E402,F401
    badges,
    complaints,
    disputes,
    escalations,
    export,
    fulfillment,
    openapi,
    sellers,
    submissions,
    subscriptions,
)
