"""Regulators and platforms submit identities and events."""

from __future__ import annotations

from registry.events.fraud import FraudReportService
from registry.events.sanctions import SanctionService
from registry.events.service import EventService
from registry.registration.columns import column_report
from registry.registration.service import RegistrationService

from .. import payload
from ..auth import authenticate
from ..db import get_session
from ..envelope import ok
from . import bp


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
    records = payload.batch(canonical=True, allow_csv=True)
    session = get_session()
    service = RegistrationService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    return _batch_response(results, column_report(records).warnings())


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


@bp.post("/sanctions")
def submit_sanctions():
    """Regulators' decisions: penalties, listings and their removal, bans, credit repair."""
    principal = authenticate("regulator")
    records = payload.batch(canonical=False, allow_csv=True)
    session = get_session()
    service = SanctionService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    return _batch_response(results)


@bp.post("/fraud-reports")
def submit_fraud_reports():
    """Fraud reports with the amount lost and the evidence (regulators, platforms)."""
    principal = authenticate("platform", "regulator")
    records = payload.batch(canonical=False, allow_csv=True)
    session = get_session()
    service = FraudReportService(session, actor=principal.actor, role=principal.role)
    results = [r.to_dict() for r in service.submit(records)]
    session.commit()
    return _batch_response(results)


@bp.patch("/events/<int:event_id>")
def amend_event(event_id: int):
    """Change a recorded event: its own source, or a regulator giving a ``reason``."""
    principal = authenticate("platform", "regulator")
    data = payload.json_object()
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
