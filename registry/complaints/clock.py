"""The case clock: what the scheduler does to cases nobody acts on. A case the merchant never
answered goes to the regulator's queue by itself, and the party who must act next is
reminded once before its deadline. Each step is idempotent and taken under the write lock,
so two schedulers (or a run killed halfway and its successor) do it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlmodel import Session

from .models import Complaint, ComplaintReminder
from .notices import day
from .rules import AUTO_ESCALATED_REASON, CLOCK_ACTOR, REBUT_PERIOD
from .transitions import Transitions

#: reminder kind -> (the state it is sent in, who must act): the merchant before its reply
#: deadline and before its deadline to answer the consumer's rebuttal, the consumer before
#: the rebuttal window closes (a case is rebutted once, so each kind is sent once a case)
REMINDERS = {
    "reply": ("merchant_notified", "merchant"),
    "rebuttal": ("rebutted", "merchant"),
    "rebut": ("merchant_replied", "consumer"),
}


@dataclass(frozen=True)
class ClockSettings:
    """How early each party is reminded (the merchant ``reply_lead`` before each deadline to
    answer: the first reply's and the rebuttal's), and how long after the reply deadline an
    unanswered case waits before it is escalated (None: never by itself)."""

    reply_lead: timedelta = timedelta(days=3)
    rebut_lead: timedelta = timedelta(days=3)
    escalate_after: timedelta | None = timedelta(0)


class CaseClock:
    """Escalate unanswered cases and send reminders, in bounded batches (caller commits)."""

    def __init__(
        self, session: Session, now: datetime, transitions: Transitions, settings: ClockSettings
    ) -> None:
        self.session = session
        self.now = now
        self.steps = transitions
        self.settings = settings

    # -- escalation -----------------------------------------------------------------------

    def _unanswered(self, due_before: datetime):
        return (
            (Complaint.status == "no_response")
            & Complaint.replied_at.is_(None)
            & (Complaint.reply_due_at < due_before)
        )

    def unanswered(self, limit: int) -> list[int]:
        """Ids of cases the merchant never answered, past the wait, oldest first."""
        if self.settings.escalate_after is None:
            return []
        before = self.now - self.settings.escalate_after
        query = select(Complaint.id).where(self._unanswered(before)).order_by(Complaint.id)
        return list(self.session.execute(query.limit(limit)).scalars())

    def escalate(self, complaint_id: int) -> bool:
        """Send one unanswered case to the regulator's queue; False when it moved meanwhile."""
        if self.settings.escalate_after is None:
            return False
        complaint = self.steps.load(complaint_id)  # re-read under the write lock
        due = complaint.reply_due_at
        if (
            complaint.status != "no_response"
            or complaint.replied_at is not None
            or due is None
            or due >= self.now - self.settings.escalate_after
        ):
            return False
        self.steps.escalate(complaint, CLOCK_ACTOR, AUTO_ESCALATED_REASON)
        return True

    def escalate_unanswered(self, limit: int) -> int:
        """Escalate one batch of unanswered cases; return how many moved."""
        return sum(self.escalate(i) for i in self.unanswered(limit))

    # -- reminders ------------------------------------------------------------------------

    def _window(self, kind: str) -> tuple[datetime, datetime]:
        """The deadlines (after, until) a reminder of ``kind`` is due for now."""
        merchant = REMINDERS[kind][1] == "merchant"
        lead = self.settings.reply_lead if merchant else self.settings.rebut_lead
        return self.now, self.now + lead

    def reminders_due(self, limit: int) -> list[tuple[int, str]]:
        """(complaint id, kind) of the reminders due and not yet sent, oldest case first."""
        found: list[tuple[int, str]] = []
        for kind, (state, _) in REMINDERS.items():
            low, high = self._window(kind)
            sent = exists().where(
                ComplaintReminder.complaint_id == Complaint.id, ComplaintReminder.kind == kind
            )
            query = select(Complaint.id).where(Complaint.status == state, ~sent)
            if kind == "reply":
                query = query.where(Complaint.reply_due_at > low, Complaint.reply_due_at <= high)
            elif kind == "rebuttal":
                query = query.where(
                    Complaint.rebuttal_due_at > low, Complaint.rebuttal_due_at <= high
                )
            else:
                # The window closes REBUT_PERIOD after the reply (bounded by the reply's time:
                # date arithmetic in SQL differs by database).
                query = query.where(
                    Complaint.rebutted_at.is_(None),
                    Complaint.replied_at > low - REBUT_PERIOD,
                    Complaint.replied_at <= high - REBUT_PERIOD,
                )
            rows = self.session.execute(query.order_by(Complaint.id).limit(limit)).scalars()
            found.extend((i, kind) for i in rows)
        return sorted(found)[:limit]

    def deadline(self, complaint: Complaint, kind: str) -> datetime | None:
        """The deadline a reminder of ``kind`` is about, while it is still awaited."""
        if complaint.status != REMINDERS[kind][0]:
            return None
        if kind == "reply":
            return complaint.reply_due_at
        if kind == "rebuttal":
            return complaint.rebuttal_due_at
        if complaint.rebutted_at is not None or complaint.replied_at is None:
            return None
        return complaint.replied_at + REBUT_PERIOD

    def remind(self, complaint_id: int, kind: str) -> bool:
        """Queue one reminder unless it was sent or is no longer due; True when queued."""
        complaint = self.steps.load(complaint_id)  # under the write lock: one sender only
        due = self.deadline(complaint, kind)
        low, high = self._window(kind)
        if due is None or not low < due <= high:
            return False
        already = self.session.execute(
            select(ComplaintReminder.id).where(
                ComplaintReminder.complaint_id == complaint.id,
                ComplaintReminder.kind == kind,
            )
        ).first()
        if already is not None:
            return False
        self.session.add(
            ComplaintReminder(complaint_id=complaint.id, kind=kind, due_at=due, created_at=self.now)
        )
        if kind == "reply":
            self.steps.notices.merchant(complaint, "reminder_reply", reply_due=day(due))
        elif kind == "rebuttal":
            self.steps.notices.merchant(
                complaint, "reminder_rebuttal", answer_due=day(due), rebuttal=complaint.rebuttal
            )
        else:
            self.steps.notices.consumer(
                complaint,
                "reminder_rebut",
                rebut_by=day(due),
                confirm_by=day(complaint.confirm_due_at),
            )
        self.session.flush()
        return True

    def send_reminders(self, limit: int) -> int:
        """Queue one batch of due reminders; return how many."""
        return sum(self.remind(i, kind) for i, kind in self.reminders_due(limit))
