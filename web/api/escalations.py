"""The regulator's queue of escalated complaints (the 12315 model) and its decisions."""

from __future__ import annotations

from registry.complaints.shapes import EscalationDecision

from .. import payload
from ..auth import authenticate
from ..complaint_pages import complaint_service
from ..db import get_session
from ..envelope import ok, paged
from ..headers import private
from ..request import page_args, paging
from . import bp
from .contract import answer, json_body, operation
from .responses import ComplaintPublic


@bp.get("/escalations")
@operation(
    "Escalated complaints, the longest waiting first (regulator)",
    query=paging(50, 100),
    roles=("regulator",),
    answers=[answer(200, ComplaintPublic, many=True, paged=True)],
)
@private
def escalations():
    """Escalated complaints, the longest waiting first, each with its whole file."""
    actor = authenticate("regulator")
    service = complaint_service(get_session())
    page = page_args(default=50, most=100)
    return paged(
        service.escalation_queue(actor, page.size, page.offset),
        page,
        service.escalations.total(),
    )


@bp.post("/escalations/<public_id>/decision")
@operation(
    "Decide an escalated complaint (regulator)",
    body=json_body(EscalationDecision),
    roles=("regulator",),
    answers=[answer(200, ComplaintPublic), answer(404), answer(409), answer(422)],
)
@private
def decide_escalation(public_id: str):
    """Record the regulator's decision (upheld, settled, dismissed) with a public reason."""
    actor = authenticate("regulator")
    asked = payload.body(EscalationDecision, "decision rejected")
    session = get_session()
    service = complaint_service(session)
    row = service.get(public_id)
    service.decide(row.id, actor, asked)
    session.commit()
    return ok(service.public_view(row))
