"""The JSON API under /api/v1: thin handlers that parse, call a service and serialise."""

from __future__ import annotations

from flask import Blueprint, current_app, request

import scoring
from registry.errors import BadPayload, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from registry.events import EventService
from registry.importing import parse_batch, sniff_format
from registry.registrations import RegistrationService
from registry.scores import ScoreService
from registry.sellers import SellerService

from .auth import authenticate
from .db import get_session
from .envelope import ok

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.post("/registrations")
def submit_registrations():
    principal = authenticate("regulator")
    fmt = sniff_format(request.mimetype)
    body = request.get_data(cache=False)
    if not body.strip():
        raise BadPayload("empty body: send a JSON array, JSON Lines or CSV of registrations")
    records = list(parse_batch(body, fmt, request.mimetype_params.get("charset")))
    limit = current_app.config["MAX_BATCH_RECORDS"]
    if len(records) > limit:
        raise PayloadTooLarge(f"{len(records)} records in one batch; the limit is {limit}")
    session = get_session()
    service = RegistrationService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    summary = {s: 0 for s in ("created", "updated", "unchanged", "rejected")}
    for result in results:
        summary[result["status"]] += 1
    status = 200 if summary["rejected"] < len(results) or not results else 422
    return ok(results, status, summary=summary)


@bp.get("/sellers/<public_id>")
def get_seller(public_id: str):
    service = SellerService(get_session())
    return ok(service.public(service.get(public_id)))


@bp.get("/lookup")
def lookup():
    service = SellerService(get_session())
    if request.args.get("code"):
        seller = service.by_code(request.args["code"], request.args.get("scheme", "cn_uscc"))
    elif request.args.get("domain"):
        seller = service.by_domain(request.args["domain"])
    elif request.args.get("url"):
        seller = service.by_store_url(request.args["url"])
    else:
        raise ValidationFailed(
            "give one of code, domain or url", {"code": "e.g. ?code=91110000600037341L"}
        )
    return ok(service.public(seller))


@bp.post("/events")
def submit_events():
    """Fulfillment records, complaints, fraud findings (platforms) and sanctions (regulators)."""
    principal = authenticate("platform", "regulator")
    fmt = sniff_format(request.mimetype)
    body = request.get_data(cache=False)
    if not body.strip():
        raise BadPayload("empty body: send a JSON array or JSON Lines of events")
    if fmt == "csv":
        raise UnsupportedMediaType("events are accepted as JSON or JSON Lines")
    records = list(parse_batch(body, fmt, request.mimetype_params.get("charset"), canonical=False))
    limit = current_app.config["MAX_BATCH_RECORDS"]
    if len(records) > limit:
        raise PayloadTooLarge(f"{len(records)} events in one batch; the limit is {limit}")
    session = get_session()
    service = EventService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    summary = {s: 0 for s in ("created", "updated", "unchanged", "rejected")}
    for result in results:
        summary[result["status"]] += 1
    status = 200 if summary["rejected"] < len(results) or not results else 422
    return ok(results, status, summary=summary)


@bp.get("/sellers/<public_id>/score-history")
def score_history(public_id: str):
    session = get_session()
    seller = SellerService(session).get(public_id)
    points = ScoreService(session).history(seller.id)
    return ok(
        [
            {
                "computed_at": p.computed_at,
                "value": p.value,
                "grade": p.grade,
                "display_grade": p.display_grade,
                "version": p.version,
            }
            for p in points
        ],
        seller=public_id,
    )


@bp.get("/scoring/model")
def scoring_model():
    return ok(scoring.model_document())
