"""Retention: a configured period after a case closes, its private data is deleted.

What goes: the complainant's contact and name, every text as typed whose scrubbed public
copy stays (the narrative, the moderator's correction, the replies, the rebuttal, reasons),
the wish, the order number, the client digest and the reply link, the copy of the narrative
kept on the scoring event, the recipients and contents of the case's messages (and the
copies written to the outbox folder without SMTP), and the evidence files (from disk and
their rows). What stays is the public record: the scrubbed
texts, the states, dates and outcome, the scoring event, and the audit chain, which gets an
entry naming what was deleted, never the data. See docs/PRIVACY.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, exists, select
from sqlmodel import Session

from ..events.models import Event
from ..notify.messages import written
from ..notify.models import Notification
from .evidence import EvidenceStore
from .models import AccessCode, Complaint
from .queries import ComplaintQueries
from .rules import CLOCK_ACTOR, CLOSED_STATES
from .transitions import Transitions

DEFAULT_DAYS = 365
#: private columns emptied (None), in the order the audit entry names them
CLEARED = (
    "contact",
    "complainant_name",
    "narrative_moderated",
    "desired_resolution",
    "order_ref",
    "client_digest",
    "reply_token_digest",
    "status_reason_original",
    "merchant_reply_original",
    "rebuttal_original",
    "rebuttal_answer_original",
    "escalation_reason_original",
    "decision_reason_original",
)
#: a one-time code is of no use once expired; the throttle counts the last hour only
ACCESS_CODE_KEPT = timedelta(days=1)


class Retention:
    """Find closed cases past the period and delete their private data (caller commits)."""

    def __init__(
        self,
        session: Session,
        now: datetime,
        evidence_dir: str | Path,
        period: timedelta = timedelta(days=DEFAULT_DAYS),
        outbox_dir: str | Path | None = None,
    ) -> None:
        self.session = session
        self.now = now
        self.period = period
        #: where messages are written without SMTP (their files name the recipient)
        self.outbox_dir = Path(outbox_dir) if outbox_dir else None
        self.steps = Transitions(session, now, ComplaintQueries(session))
        self.evidence = EvidenceStore(session, Path(evidence_dir), now)

    def due(self, limit: int) -> list[int]:
        """Ids of cases closed longer than the period whose private data is still kept,
        longest closed first. A case with a message still to send waits for the outbox."""
        pending = exists().where(
            Notification.complaint_id == Complaint.id, Notification.status == "queued"
        )
        query = (
            select(Complaint.id)
            .where(
                Complaint.status.in_(CLOSED_STATES),
                Complaint.closed_at < self.now - self.period,
                Complaint.private_deleted_at.is_(None),
                ~pending,
            )
            .order_by(Complaint.closed_at, Complaint.id)
            .limit(limit)
        )
        return list(self.session.execute(query).scalars())

    def forget(self, complaint_id: int) -> bool:
        """Delete one case's private data; False when it is not (or no longer) due."""
        complaint = self.steps.load(complaint_id)  # re-read under the write lock
        if (
            complaint.status not in CLOSED_STATES
            or complaint.private_deleted_at is not None
            or complaint.closed_at is None
            or complaint.closed_at >= self.now - self.period
        ):
            return False
        deleted = [name for name in CLEARED if getattr(complaint, name) is not None]
        for name in CLEARED:
            setattr(complaint, name, None)
        if complaint.narrative_original:
            deleted.append("narrative_original")
        complaint.narrative_original = ""  # the column holds a text; "" is none
        complaint.private_deleted_at = self.now
        events = self.session.execute(
            select(Event).where(
                Event.complaint_id == complaint.id, Event.summary_original.is_not(None)
            )
        ).scalars()
        for event in events:
            event.summary_original = None
            if "event.summary_original" not in deleted:
                deleted.append("event.summary_original")
        messages = 0
        for note in self.session.execute(
            select(Notification).where(Notification.complaint_id == complaint.id)
        ).scalars():
            note.recipient, note.context = None, {}
            messages += 1
            if self.outbox_dir is not None:
                for path in written(self.outbox_dir, note.id, note.template):
                    path.unlink(missing_ok=True)
        files = self.evidence.delete(complaint.id)
        self.steps.audit(
            complaint,
            CLOCK_ACTOR,
            "complaint.retention",
            None,
            {
                "deleted": deleted,
                "evidence_files": files,
                "messages": messages,
                "closed_at": complaint.closed_at.isoformat(),
            },
        )
        return True

    def forget_due(self, limit: int) -> int:
        """Delete one batch of due cases' private data; return how many cases."""
        return sum(self.forget(i) for i in self.due(limit))

    def purge_access_codes(self) -> int:
        """Forget one-time codes expired more than a day ago (digests, but of no use)."""
        result = self.session.execute(
            delete(AccessCode).where(AccessCode.expires_at < self.now - ACCESS_CODE_KEPT)
        )
        return int(getattr(result, "rowcount", 0) or 0)
