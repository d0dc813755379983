"""Regulators and platforms submit identities and events."""

from __future__ import annotations

from flask import current_app, request

from registry.columns import column_report
from registry.errors import BadPayload, PayloadTooLarge, UnsupportedMediaType
from registry.events import EventService
from registry.importing import RawRecord, parse_batch, sniff_format
from registry.registrations import RegistrationService

from ..auth import authenticate
from ..db import get_session
from ..envelope import ok
from . import bp


def _records(*, canonical: bool, allow_csv: bool) -> list[RawRecord]:
    fmt = sniff_format(request.mimetype)
    if fmt == "csv" and not allow_csv:
        raise UnsupportedMediaType("send application/json or application/x-ndjson")
    body = request.get_data(cache=False)
    if not body.strip():
        raise BadPayload(
            "empty body: send a JSON array, JSON Lines" + (" or CSV" if allow_csv else "")
        )
    records = list(
        parse_batch(body, fmt, request.mimetype_params.get("charset"), canonical=canonical)
    )
    limit = current_app.config["MAX_BATCH_RECORDS"]
    if len(records) > limit:
        raise PayloadTooLarge(f"{len(records)} records in one batch; the limit is {limit}")
    return records


def _batch_response(results: list[dict], warnings: list[dict] | None = None):
    summary = {s: 0 for s in ("created", "updated", "unchanged", "rejected")}
    for result in results:
        summary[result["status"]] += 1
    # Every record rejected: the batch as a whole is unprocessable (the details say why).
    status = 422 if results and summary["rejected"] == len(results) else 200
    # Columns that filled nothing are said once per body, not per record.
    return ok(results, status, summary=summary, **({"warnings": warnings} if warnings else {}))


@bp.post("/registrations")
def submit_registrations():
    principal = authenticate("regulator")
    records = _records(canonical=True, allow_csv=True)
    session = get_session()
    service = RegistrationService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    return _batch_response(results, column_report(records).warnings())


@bp.post("/events")
def submit_events():
    """Fulfillment records and complaints (platforms); fraud findings, sanctions (regulators)."""
    principal = authenticate("platform", "regulator")
    records = _records(canonical=False, allow_csv=False)
    session = get_session()
    service = EventService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    return _batch_response(results)


@bp.patch("/events/<int:event_id>")
def amend_event(event_id: int):
    """Change a recorded event: its own source, or a regulator giving a ``reason``."""
    principal = authenticate("platform", "regulator")
    data = request.get_json(silent=True) if request.mimetype == "application/json" else None
    if not isinstance(data, dict):
        raise BadPayload("send a JSON object of the fields to change (and a reason)")
    session = get_session()
    service = EventService(session, actor=principal.actor, role=principal.role)
    event = service.amend(event_id, data)
    session.commit()
    return ok(
        {
            "event_id": event.id,
            "resolution": event.resolution,
            "lifted_at": event.lifted_at,
            "ends_at": event.ends_at,
            "summary": event.summary,
        }
    )
