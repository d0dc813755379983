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


def _submitted(service: type, roles: tuple[str, ...], *, canonical: bool, allow_csv: bool):
    """Read the batch, apply it through ``service`` as the caller, commit once."""
    principal = authenticate(*roles)
    records = payload.batch(canonical=canonical, allow_csv=allow_csv)
    session = get_session()
    results = [
        r.to_dict()
        for r in service(session, actor=principal.actor, role=principal.role).submit(records)
    ]
    session.commit()
    return records, results


@bp.post("/registrations")
def submit_registrations():
    records, results = _submitted(
        RegistrationService, ("regulator",), canonical=True, allow_csv=True
    )
    return _batch_response(results, column_report(records).warnings())


@bp.post("/events")
def submit_events():
    """Fulfillment records and complaints (platforms); fraud findings, sanctions (regulators)."""
    _, results = _submitted(
        EventService, ("platform", "regulator"), canonical=False, allow_csv=False
    )
    return _batch_response(results)


@bp.post("/sanctions")
def submit_sanctions():
    """Regulators' decisions: penalties, listings and their removal, bans, credit repair."""
    _, results = _submitted(SanctionService, ("regulator",), canonical=False, allow_csv=True)
    return _batch_response(results)


@bp.post("/fraud-reports")
def submit_fraud_reports():
    """Fraud reports with the amount lost and the evidence (regulators, platforms)."""
    _, results = _submitted(
        FraudReportService, ("platform", "regulator"), canonical=False, allow_csv=True
    )
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
