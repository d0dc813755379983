"""The JSON API under /api/v1: thin handlers that parse, call a service and serialise."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.routing import IntegerConverter

#: the largest record id: what a 64-bit integer column holds
MAX_ID = 2**63 - 1


class RecordId(IntegerConverter):
    """``<record_id:...>``: a record's id, 1 to MAX_ID. A larger number matches no route (a
    404); with ``<int:...>`` it reached the database and overflowed its integer (a 500)."""

    def __init__(self, url_map, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(url_map, min=1, max=MAX_ID)


bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Before the routes that use it are added to the app's map.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("record_id", RecordId))

# The handler modules register their routes on ``bp``.
from . import (  # noqa: E402,F401
    badges,
    claims,
    complaints,
    disputes,
    escalations,
    export,
    fulfillment,
    openapi,
    sellers,
    sites,
    submissions,
    subscriptions,
)
