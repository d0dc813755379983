"""Regulators and platforms submit identities and events."""

from __future__ import annotations

from registry.events import EventService
from registry.registrations import RegistrationService

from .. import payload
from ..auth import authenticate
from ..db import get_session
from ..envelope import ok
from . import bp


def _batch_response(results: list[dict]):
    summary = {s: 0 for s in ("created", "updated", "unchanged", "rejected")}
    for result in results:
        summary[result["status"]] += 1
    # Every record rejected: the batch as a whole is unprocessable (the details say why).
    status = 422 if results and summary["rejected"] == len(results) else 200
    return ok(results, status, summary=summary)


@bp.post("/registrations")
def submit_registrations():
    principal = authenticate("regulator")
    records = payload.batch(canonical=True, allow_csv=True)
    session = get_session()
    service = RegistrationService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    return _batch_response(results)


@bp.post("/events")
def submit_events():
    """Fulfillment records and complaints (platforms); fraud findings, sanctions (regulators)."""
    principal = authenticate("platform", "regulator")
    records = payload.batch(canonical=False, allow_csv=False)
    session = get_session()
    service = EventService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    return _batch_response(results)
