"""Watch alerts: any API token subscribes a webhook URL and reads its own deliveries."""

from __future__ import annotations

from flask import current_app

from registry.alerts.service import SubscriptionService
from registry.alerts.shapes import SubscriptionRequest

from .. import payload
from ..auth import authenticate
from ..db import get_session
from ..envelope import ok, paged
from ..outbound import secret_box
from ..request import page_args, paging
from . import bp
from .contract import answer, json_body, operation
from .responses import Deleted, DeliveryRecord, Subscription


def _service(*, sealing: bool = False) -> SubscriptionService:
    principal = authenticate()
    config = current_app.config
    return SubscriptionService(
        get_session(),
        principal.token_id,
        principal.actor,
        box=secret_box(current_app) if sealing else None,
        allow_private=config["OUTBOUND_ALLOW_PRIVATE"],
        resolve=config.get("OUTBOUND_RESOLVE") or None,
    )


@bp.post("/subscriptions")
@operation(
    "Subscribe a webhook URL; the signing secret is shown this once",
    body=json_body(SubscriptionRequest),
    roles=(),
    answers=[answer(201, Subscription), answer(422)],
)
def create_subscription():
    """Subscribe ``url`` to ``sellers``, a ``region`` or a ``category``; the secret is shown
    once."""
    service = _service(sealing=True)  # the token first: a stranger learns nothing
    asked = payload.body(SubscriptionRequest, "subscription not created")
    subscription, secret = service.create(asked.model_dump())
    shown = service.public(subscription)
    service.session.commit()
    response, status = ok({**shown, "secret": secret}, 201)
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.get("/subscriptions")
@operation("The token's subscriptions", roles=(), answers=[answer(200, Subscription, many=True)])
def list_subscriptions():
    return ok(_service().list())


@bp.delete("/subscriptions/<public_id>")
@operation("Remove a subscription", roles=(), answers=[answer(200, Deleted), answer(404)])
def delete_subscription(public_id: str):
    service = _service()
    service.delete(public_id)
    service.session.commit()
    return ok({"id": public_id, "deleted": True})


@bp.get("/subscriptions/<public_id>/deliveries")
@operation(
    "A subscription's deliveries, newest first, with every attempt",
    query=paging(),
    roles=(),
    answers=[answer(200, DeliveryRecord, many=True, paged=True), answer(404)],
)
def subscription_deliveries(public_id: str):
    """Deliveries newest first, each with every attempt; ``page`` and ``per_page``."""
    page = page_args()
    rows, total = _service().deliveries(public_id, page.number, page.size)
    return paged(rows, page, total)
