"""Disputes: a merchant disputes its seller's record; the record's source decides."""

from __future__ import annotations

from flask import request

from registry.core.errors import ValidationFailed
from registry.disputes.models import STATES
from registry.disputes.service import DisputeService, Filer, public
from registry.disputes.shapes import DisputeDecision, DisputeFiling

from .. import payload
from ..auth import authenticate
from ..db import get_session
from ..envelope import ok, paged
from ..request import page_args
from . import bp
from .contract import answer, json_body, operation
from .queries import DisputeQueue
from .responses import DisputeRecord


def merchant_filer(principal) -> Filer:
    """A merchant token speaks for its one seller; a merchant account for each it claimed."""
    own = {principal.seller_id} if principal.seller_id is not None else set()
    return Filer(principal.actor, frozenset(own | principal.seller_ids))


@bp.post("/sellers/<public_id>/disputes")
@operation(
    "Dispute a record of the seller (its merchant token)",
    body=json_body(DisputeFiling),
    roles=("merchant",),
    answers=[answer(201, DisputeRecord), answer(404), answer(409), answer(422)],
)
def file_dispute(public_id: str):
    """Dispute a record (``correction``), or ask for an abnormal-operations removal or a
    credit repair: ``{"kind", "event_id", "statement"}`` (the seller's merchant token)."""
    principal = authenticate("merchant")
    asked = payload.body(DisputeFiling, "dispute not filed")
    session = get_session()
    dispute = DisputeService(session).file(merchant_filer(principal), public_id, asked)
    session.commit()
    return ok(public(dispute, private=True), 201)


@bp.get("/disputes")
@operation(
    "A source's dispute queue, or a merchant's own disputes",
    query=DisputeQueue,
    roles=("platform", "regulator", "merchant"),
    answers=[
        answer(
            200,
            DisputeRecord,
            many=True,
            meta={"total": {"type": "integer"}, "page": {"type": "integer"}},
            headers={"Link": "RFC 8288 links to the pages of a source's queue"},
        )
    ],
)
def list_disputes():
    """A source's queue (platforms, regulators: ``status``, default open; ``all`` for every
    state), or a merchant's own disputes, newest first."""
    principal = authenticate("merchant", "platform", "regulator")
    service = DisputeService(get_session())
    if principal.role == "merchant":
        rows = service.of_sellers(merchant_filer(principal).seller_ids)
        return ok([public(d, private=True) for d in rows])
    status = request.args.get("status", "open")
    if status not in (*STATES, "all"):
        raise ValidationFailed("unknown status", {"status": "one of " + ", ".join(STATES)})
    page = page_args()
    rows, total = service.queue(
        principal.actor, None if status == "all" else status, page.number, page.size
    )
    return paged([public(d, private=True) for d in rows], page, total)


@bp.post("/disputes/<public_id>/decision")
@operation(
    "Decide a dispute (the record's source)",
    body=json_body(DisputeDecision),
    roles=("platform", "regulator"),
    answers=[answer(200, DisputeRecord), answer(403), answer(404), answer(409), answer(422)],
)
def decide_dispute(public_id: str):
    """The source decides: ``{"outcome", "reason"}`` (upheld or withdrawn for a correction;
    granted or refused for a removal or a repair)."""
    principal = authenticate("platform", "regulator")
    asked = payload.body(DisputeDecision, "dispute not decided")
    session = get_session()
    dispute = DisputeService(session).decide(public_id, principal.actor, principal.role, asked)
    session.commit()
    return ok(public(dispute, private=True))
