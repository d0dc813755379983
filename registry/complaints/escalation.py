"""The regulator's queue (the 12315 model): escalated complaints with everything attached,
and the regulator's published decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from ..core.errors import NotFound
from ..core.types import max_length
from ..trust.tokens import Principal, require_role
from .models import Complaint
from .queries import ComplaintQueries
from .shapes import EscalationDecision
from .timeline import timeline
from .transitions import Transitions

#: the scoring event's resolution each decision sets (None: it stays as it was);
#: see docs/SCORING.md, "Escalated complaints"
DECISION_RESOLUTION = {"upheld": None, "settled": "resolved", "dismissed": "invalid"}


class Escalations:
    """Read the queue; record a decision (regulator tokens only)."""

    def __init__(
        self, session: Session, now: datetime, transitions: Transitions, queries: ComplaintQueries
    ) -> None:
        self.session = session
        self.now = now
        self.steps = transitions
        self.queries = queries

    def _escalated(self, seller_id: int | None, escalated_before: datetime | None):
        where = [Complaint.status == "escalated"]
        if seller_id is not None:
            where.append(Complaint.seller_id == seller_id)
        if escalated_before is not None:
            where.append(Complaint.escalated_at <= escalated_before)
        return where

    def queue(
        self,
        actor: Principal,
        limit: int = 50,
        offset: int = 0,
        *,
        seller_id: int | None = None,
        escalated_before: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Escalated complaints, the longest waiting first, each with its whole file
        (of one seller, or escalated before a time, when asked)."""
        require_role(actor, "regulator")
        rows = self.session.execute(
            select(Complaint)
            .where(*self._escalated(seller_id, escalated_before))
            .order_by(Complaint.escalated_at, Complaint.id)
            .limit(limit)
            .offset(offset)
        ).scalars()
        return [self.case_file(c) for c in rows]

    def total(
        self, *, seller_id: int | None = None, escalated_before: datetime | None = None
    ) -> int:
        return self.session.execute(
            select(func.count())
            .select_from(Complaint)
            .where(*self._escalated(seller_id, escalated_before))
        ).scalar_one()

    def case(self, actor: Principal, complaint_id: int | str) -> dict[str, Any]:
        """One escalated complaint's whole file (also once decided); another is not found."""
        require_role(actor, "regulator")
        complaint = self.queries.get(complaint_id)
        if complaint.escalated_at is None:
            raise NotFound("this complaint was never escalated")
        return self.case_file(complaint)

    def case_file(self, complaint: Complaint) -> dict[str, Any]:
        """Everything a regulator needs: the texts as typed, the parties' answers, the steps."""
        return {
            **self.queries.public_view(complaint, full=True),
            "narrative_original": complaint.narrative_original,
            "merchant_reply_original": complaint.merchant_reply_original,
            "rebuttal_original": complaint.rebuttal_original,
            "rebuttal_answer_original": complaint.rebuttal_answer_original,
            "escalation_reason_original": complaint.escalation_reason_original,
            "order_ref": complaint.order_ref,
            "amount": None if complaint.amount is None else str(complaint.amount),
            "desired_resolution": complaint.desired_resolution,
            "complainant_name": complaint.complainant_name,
            "contact": complaint.contact,
            "reply_due_at": complaint.reply_due_at,
            "timeline": timeline(self.session, complaint),
        }

    def decide(
        self, complaint_id: int | str, actor: Principal, asked: EscalationDecision
    ) -> Complaint:
        """Close an escalated complaint with the regulator's decision, published."""
        require_role(actor, "regulator")
        decision, said = asked.decision, asked.reason
        complaint = self.steps.load(complaint_id)
        self.steps.require(complaint, "decide", ("escalated",))
        shown = self.steps.public(complaint, said, max_length(Complaint, "decision_reason"))
        complaint.decision = decision
        complaint.decision_reason, complaint.decision_reason_original = shown.public, shown.original
        complaint.decided_at, complaint.decided_by = self.now, actor.actor
        complaint.outcome = f"regulator_{decision}"
        self.steps.move(
            complaint,
            "closed",
            actor.actor,
            "complaint.decide",
            None,
            decision=decision,
            outcome=complaint.outcome,
        )
        resolution = DECISION_RESOLUTION[decision]
        if resolution == "resolved" and (
            complaint.replied_at is None or self.queries.reply_late(complaint)
        ):
            resolution = "unresolved"  # as for a consumer's "resolved" after a late reply
        if resolution is not None:
            self.steps.resolve(complaint, resolution, actor.actor)
        self.steps.shown_changed(complaint)
        for notice in (self.steps.notices.consumer, self.steps.notices.merchant):
            notice(complaint, "decided", decision=decision, reason=complaint.decision_reason)
        return complaint
