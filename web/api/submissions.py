"""Regulators and platforms submit identities and events."""

from __future__ import annotations

from registry.events.fraud import FraudReportService
from registry.events.sanctions import SanctionService
from registry.events.service import EventService
from registry.events.shapes import EventAmendment, EventRecord, FraudReportRecord, SanctionRecord
from registry.registration.columns import column_report
from registry.registration.service import RegistrationService
from registry.registration.shapes import RegistrationRecord

from .. import payload
from ..auth import authenticate
from ..db import get_session
from ..envelope import ok
from . import bp
from .contract import answer, batch_body, json_body, operation
from .responses import BatchResult, BatchSummary, EventChanged

#: what a batch answers: every record's result (422: every one rejected), or a refusal
BATCH_ANSWERS = [
    answer(
        200,
        BatchResult,
        "Every record's result, by line",
        many=True,
        meta={
            "summary": BatchSummary,
            "warnings": {"type": "array"},
        },
    ),
    answer(
        422,
        BatchResult,
        "Every record was rejected (or the query was invalid)",
        many=True,
        meta={"summary": BatchSummary},
    ),
    answer(400),
    answer(413),
    answer(415),
]


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
@operation(
    "Submit verified identities",
    body=batch_body(RegistrationRecord),
    roles=("regulator",),
    answers=BATCH_ANSWERS,
)
def submit_registrations():
    records, results = _submitted(
        RegistrationService, ("regulator",), canonical=True, allow_csv=True
    )
    return _batch_response(results, column_report(records).warnings())


@bp.post("/events")
@operation(
    "Submit events: orders, defects, complaints, fraud findings, sanctions",
    body=batch_body(EventRecord, csv=False),
    roles=("platform", "regulator"),
    answers=BATCH_ANSWERS,
)
def submit_events():
    """Fulfillment records and complaints (platforms); fraud findings, sanctions (regulators)."""
    _, results = _submitted(
        EventService, ("platform", "regulator"), canonical=False, allow_csv=False
    )
    return _batch_response(results)


@bp.post("/sanctions")
@operation(
    "Submit regulators' decisions",
    body=batch_body(SanctionRecord),
    roles=("regulator",),
    answers=BATCH_ANSWERS,
)
def submit_sanctions():
    """Regulators' decisions: penalties, listings and their removal, bans, credit repair."""
    _, results = _submitted(SanctionService, ("regulator",), canonical=False, allow_csv=True)
    return _batch_response(results)


@bp.post("/fraud-reports")
@operation(
    "Submit fraud reports",
    body=batch_body(FraudReportRecord),
    roles=("platform", "regulator"),
    answers=BATCH_ANSWERS,
)
def submit_fraud_reports():
    """Fraud reports with the amount lost and the evidence (regulators, platforms)."""
    _, results = _submitted(
        FraudReportService, ("platform", "regulator"), canonical=False, allow_csv=True
    )
    return _batch_response(results)


@bp.patch("/events/<record_id:event_id>")
@operation(
    "Change a recorded event",
    body=json_body(EventAmendment),
    roles=("platform", "regulator"),
    answers=[answer(200, EventChanged), answer(404), answer(422)],
)
def amend_event(event_id: int):
    """Change a recorded event: its own source, or a regulator giving a ``reason``."""
    principal = authenticate("platform", "regulator")
    changes = payload.body(EventAmendment, "event not changed", given_only=True)
    session = get_session()
    service = EventService(session, actor=principal.actor, role=principal.role)
    event = service.amend(event_id, changes)
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
