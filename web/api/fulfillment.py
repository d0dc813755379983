"""Platforms submit fulfillment data: per-order records and daily aggregates, their own store
ids, and the orders they confirm."""

from __future__ import annotations

from registry.events.confirmations import ConfirmationService
from registry.events.fulfillment import FulfillmentService
from registry.events.shapes import (
    EventRecord,
    FulfillmentAggregate,
    OrderConfirmationRecord,
    StoreMapping,
)
from registry.events.stores import StoreService

from .. import payload
from ..auth import authenticate
from ..db import get_session
from ..envelope import ok, paged
from ..request import page_args, paging
from . import bp
from .contract import answer, batch_body, json_body, operation
from .responses import Deleted, StoreMapped
from .submissions import BATCH_ANSWERS, _batch_response, _submitted


@bp.post("/fulfillment")
@operation(
    "Submit per-order fulfillment records and daily aggregates",
    body=batch_body(EventRecord, FulfillmentAggregate),
    roles=("platform",),
    answers=BATCH_ANSWERS,
)
def submit_fulfillment():
    """Per-order fulfillment events and per seller per day aggregates (JSON, JSON Lines, CSV)."""
    _, results = _submitted(FulfillmentService, ("platform",), canonical=False, allow_csv=True)
    return _batch_response(results)


@bp.post("/order-confirmations")
@operation(
    "Submit confirmed orders",
    body=batch_body(OrderConfirmationRecord),
    roles=("platform",),
    answers=BATCH_ANSWERS,
)
def submit_order_confirmations():
    """Orders the platform confirms: complaints naming them become purchase-verified."""
    _, results = _submitted(ConfirmationService, ("platform",), canonical=False, allow_csv=True)
    return _batch_response(results)


@bp.get("/stores")
@operation(
    "The platform's store ids",
    query=paging(100),
    roles=("platform",),
    answers=[answer(200, StoreMapped, many=True, paged=True)],
)
def list_stores():
    """The calling platform's store mapping (never another platform's)."""
    principal = authenticate("platform")
    page = page_args(default=100)
    service = StoreService(get_session(), principal.actor)
    mappings = service.list(limit=page.size, offset=page.offset)
    return paged([m.to_dict() for m in mappings], page, service.count())


@bp.put("/stores/<store_id>")
@operation(
    "Map a store id to a seller",
    body=json_body(StoreMapping),
    roles=("platform",),
    answers=[answer(200, StoreMapped), answer(201, StoreMapped), answer(422)],
)
def put_store(store_id: str):
    """Map one of the platform's store ids to a seller: ``{"seller": "<public id or code>"}``."""
    principal = authenticate("platform")
    asked = payload.body(StoreMapping, "store mapping rejected")
    session = get_session()
    mapping, created = StoreService(session, principal.actor).put(store_id, asked.seller)
    session.commit()
    return ok(mapping.to_dict(), 201 if created else 200)


@bp.delete("/stores/<store_id>")
@operation(
    "Forget a store id",
    roles=("platform",),
    answers=[answer(200, Deleted), answer(404)],
)
def delete_store(store_id: str):
    """Forget one of the platform's store ids."""
    principal = authenticate("platform")
    session = get_session()
    StoreService(session, principal.actor).delete(store_id)
    session.commit()
    return ok({"store": store_id, "deleted": True})
