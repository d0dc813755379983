"""Complaint deadlines, enforced by a scheduler job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from .models import Complaint
from .notices import day
from .queries import ComplaintQueries
from .rules import (
    AUTO_ACCEPT_REASON,
    CONFIRM_PERIOD,
    REBUTTAL_UNANSWERED_REASON,
    SYSTEM_ACTOR,
    UNCONFIRMED_REASON,
)
from .transitions import Transitions


class ComplaintDeadlines:
    """The moderation, reply and confirmation deadlines: the clock's steps of a complaint."""

    def __init__(
        self, session: Session, now: datetime, transitions: Transitions, queries: ComplaintQueries
    ) -> None:
        self.session = session
        self.now = now
        self.steps = transitions
        self.queries = queries

    def due(self, limit: int | None = None) -> list[int]:
        """Return ids of complaints with a deadline passed, oldest first."""
        query = (
            select(Complaint.id)
            .where(
                or_(
                    (Complaint.status == "submitted") & (Complaint.moderation_due_at < self.now),
                    (Complaint.status == "merchant_notified") & (Complaint.reply_due_at < self.now),
                    (Complaint.status == "merchant_replied")
                    & or_(
                        Complaint.confirm_due_at < self.now,
                        and_(
                            Complaint.confirm_due_at.is_(None),
                            Complaint.replied_at < self.now - CONFIRM_PERIOD,
                        ),
                    ),
                    (Complaint.status == "rebutted") & (Complaint.rebuttal_due_at < self.now),
                )
            )
            .order_by(Complaint.id)
        )
        return list(self.session.execute(query.limit(limit)).scalars())

    def enforce_deadline(self, complaint_id: int) -> str | None:
        """Apply the one deadline passed, if any; return the new status."""
        complaint = self.steps.load(complaint_id)
        if complaint.status == "submitted" and complaint.moderation_due_at < self.now:
            # The merchant is sent its reply link like after a moderator's acceptance.
            self.steps.notify_merchant(complaint, SYSTEM_ACTOR, AUTO_ACCEPT_REASON, None)
            return "merchant_notified"
        if complaint.status == "merchant_notified" and complaint.reply_due_at < self.now:
            self.steps.expire_reply(complaint, SYSTEM_ACTOR)
            return "no_response"
        if complaint.status == "rebutted" and complaint.rebuttal_due_at < self.now:
            complaint.confirm_due_at = self.now + CONFIRM_PERIOD
            complaint.reply_token_digest = None
            self.steps.move(
                complaint,
                "merchant_replied",
                SYSTEM_ACTOR,
                "complaint.rebuttal_unanswered",
                REBUTTAL_UNANSWERED_REASON,
            )
            self.steps.notices.consumer(
                complaint,
                "rebuttal_answered",
                answer=None,
                confirm_by=day(complaint.confirm_due_at),
            )
            return "merchant_replied"
        if complaint.status == "merchant_replied" and self._confirm_passed(complaint):
            complaint.outcome = "unconfirmed"
            self.steps.move(
                complaint,
                "closed",
                SYSTEM_ACTOR,
                "complaint.unconfirmed",
                UNCONFIRMED_REASON,
                outcome="unconfirmed",
            )
            if not self.queries.reply_late(complaint):
                self.steps.resolve(complaint, "unresolved", SYSTEM_ACTOR)
            # The public record shows it closed, unconfirmed, whatever the event does.
            self.steps.shown_changed(complaint)
            for notice in (self.steps.notices.consumer, self.steps.notices.merchant):
                notice(complaint, "closed", outcome="unconfirmed")
            return "closed"
        return None

    def _confirm_passed(self, complaint: Complaint) -> bool:
        if complaint.confirm_due_at is not None:
            return complaint.confirm_due_at < self.now
        return complaint.replied_at is not None and complaint.replied_at < self.now - CONFIRM_PERIOD

    def enforce_deadlines(self, limit: int | None = None) -> dict[str, int]:
        """Apply every passed deadline (idempotent); return how many moved, by new state."""
        counts = {"accepted": 0, "no_response": 0, "closed": 0, "rebuttal_unanswered": 0}
        names = {"merchant_notified": "accepted", "merchant_replied": "rebuttal_unanswered"}
        for complaint_id in self.due(limit):
            status = self.enforce_deadline(complaint_id)
            if status is not None:
                counts[names.get(status, status)] += 1
        return counts
