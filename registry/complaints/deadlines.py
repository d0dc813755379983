"""Complaint deadlines, enforced by a scheduler job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlmodel import Session

from .models import Complaint
from .queries import ComplaintQueries
from .rules import AUTO_ACCEPT_REASON, CONFIRM_PERIOD, SYSTEM_ACTOR, UNCONFIRMED_REASON
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
                    & (Complaint.replied_at < self.now - CONFIRM_PERIOD),
                )
            )
            .order_by(Complaint.id)
        )
        return list(self.session.execute(query.limit(limit)).scalars())

    def enforce_deadline(self, complaint_id: int) -> str | None:
        """Apply the one deadline passed, if any; return the new status."""
        complaint = self.steps.load(complaint_id)
        if complaint.status == "submitted" and complaint.moderation_due_at < self.now:
            # No reply link yet: the notifier issues it (``awaiting_reply_link``).
            self.steps.notify_merchant(complaint, SYSTEM_ACTOR, AUTO_ACCEPT_REASON, None)
            return "merchant_notified"
        if complaint.status == "merchant_notified" and complaint.reply_due_at < self.now:
            self.steps.expire_reply(complaint, SYSTEM_ACTOR)
            return "no_response"
        if (
            complaint.status == "merchant_replied"
            and complaint.replied_at < self.now - CONFIRM_PERIOD
        ):
            complaint.outcome = "unconfirmed"
            complaint.complainant_token_digest = None
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
            return "closed"
        return None

    def enforce_deadlines(self, limit: int | None = None) -> dict[str, int]:
        """Apply every passed deadline (idempotent); return how many moved, by new state."""
        counts = {"accepted": 0, "no_response": 0, "closed": 0}
        for complaint_id in self.due(limit):
            status = self.enforce_deadline(complaint_id)
            if status is not None:
                counts["accepted" if status == "merchant_notified" else status] += 1
        return counts
