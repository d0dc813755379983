"""The steps a complaint takes, each audited: what people (``Mediation``) and the clock
(``ComplaintDeadlines``) do to a complaint goes through these."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from .. import journal
from ..core.db import lock_for_write
from ..core.errors import Conflict
from ..core.types import max_length
from ..events.models import Event
from ..journal import Change, ChangeKind
from ..privacy.gate import PublicText, fit, public_text, seller_names
from ..trust.tokens import digest
from .models import Complaint
from .notices import Notices, day
from .queries import ComplaintQueries
from .rules import (
    CLOSED_STATES,
    MODERATE_AMOUNT,
    NO_RESPONSE_REASON,
    REPLY_PERIOD,
    REPLY_PREFIX,
    SOURCE,
)


class Transitions:
    """Moves complaints from state to state in the caller's transaction."""

    def __init__(
        self,
        session: Session,
        now: datetime,
        queries: ComplaintQueries,
        regulator_address: str | None = None,
    ) -> None:
        self.session = session
        self.now = now
        self.queries = queries
        self.notices = Notices(session, now, regulator_address)

    def load(self, complaint_id: int | str) -> Complaint:
        """Return the complaint re-read under the write lock (a transition decides on it)."""
        lock_for_write(self.session)
        self.session.flush()  # refresh() would drop changes not yet flushed
        complaint = self.queries.get(complaint_id)
        self.session.refresh(complaint, with_for_update=True)
        return complaint

    @staticmethod
    def require(complaint: Complaint, action: str, states: tuple[str, ...]) -> None:
        """Raise Conflict unless the complaint is in one of ``states``."""
        if complaint.status not in states:
            raise Conflict(
                f"cannot {action} a complaint in state {complaint.status!r} "
                f"(only in {', '.join(states)})",
                {"status": complaint.status},
            )

    def notify_merchant(
        self, complaint: Complaint, actor: str, reason: str | None, severity: str | None
    ) -> str:
        """Accept: the scoring event is created, the merchant is sent its reply link (at its
        registered e-mail) and the complainant told; return the reply token."""
        if complaint.verification == "unverified":
            complaint.verification = self.queries.purchase_verification(
                complaint.seller_id, complaint.order_ref
            )
        complaint.reply_due_at = self.now + REPLY_PERIOD
        amount = complaint.amount or Decimal(0)
        unverified = complaint.verification == "unverified"
        event = Event(
            seller_id=complaint.seller_id,
            kind="complaint",
            occurred_at=complaint.created_at,
            severity=severity or ("moderate" if amount >= MODERATE_AMOUNT else "minor"),
            verification=complaint.verification,
            resolution=None,
            source=SOURCE,
            # An unverified complaint carries no references of its own: scoring then counts it
            # under the 7-day burst rule, which a flood of made-up contacts or order numbers
            # would otherwise escape (repeat complainants are refused at intake instead).
            order_ref=complaint.order_ref if unverified is False else None,
            complainant_ref=complaint.complainant_ref if unverified is False else None,
            category=complaint.category,
            # Without the complainant's consent no word of theirs reaches the event, which
            # the profile, the exports and the search index show.
            summary=fit(complaint.narrative_public, max_length(Event, "summary"))
            if complaint.shows_text
            else None,
            summary_original=complaint.narrative_original if complaint.shows_text else None,
            complaint_id=complaint.id,
            created_at=self.now,
        )
        self.session.add(event)
        self.session.flush()
        self.move(complaint, "merchant_notified", actor, "complaint.accept", reason)
        journal.record(
            self.session,
            [
                Change(
                    actor,
                    "event.create",
                    "event",
                    str(event.id),
                    None,
                    {
                        "kind": "complaint",
                        "seller_id": event.seller_id,
                        "severity": event.severity,
                        "verification": event.verification,
                        "complaint_id": complaint.id,
                    },
                )
            ],
            at=self.now,
            changed={ChangeKind.EVENT: [complaint.seller_id]},
        )
        token = new_reply_token(complaint)
        due = day(complaint.reply_due_at)
        # The merchant reads the (scrubbed) account here even when it is not published.
        self.notices.merchant(
            complaint,
            "reply_requested",
            token=token,
            reply_due=due,
            narrative=complaint.narrative_public,
        )
        self.notices.consumer(complaint, "accepted", reply_due=due)
        return token

    def move(
        self,
        complaint: Complaint,
        new: str,
        actor: str,
        action: str,
        reason: str | None,
        **extra: Any,
    ) -> None:
        """Set the new state and its public reason; audit the move as ``action``."""
        old = complaint.status
        shown = self.public(complaint, reason, max_length(Complaint, "status_reason"))
        complaint.status = new
        complaint.status_reason, complaint.status_reason_original = shown.public, shown.original
        complaint.updated_at = self.now
        # Retention counts from the last closing (a closed case found invalid closes again).
        complaint.closed_at = self.now if new in CLOSED_STATES else None
        self.audit(
            complaint, actor, action, {"status": old}, {"status": new, "reason": reason, **extra}
        )

    def escalate(
        self, complaint: Complaint, actor: str, reason: str, said: PublicText | None = None
    ) -> None:
        """To the regulator's queue (the 12315 model), with the consumer's words if any; the
        consumer, the merchant and the regulators' desk are told."""
        complaint.escalation_reason = said.public if said else None
        complaint.escalation_reason_original = said.original if said else None
        complaint.escalated_at = self.now
        complaint.confirm_due_at = None
        complaint.reply_token_digest = None
        self.move(complaint, "escalated", actor, "complaint.escalate", reason)
        # The score keeps the event as it stands (docs/SCORING.md, "Escalated complaints").
        self.shown_changed(complaint)
        self.notices.consumer(complaint, "escalated")
        self.notices.merchant(complaint, "escalated")
        self.notices.regulator(complaint, "escalation_queued")

    def expire_reply(self, complaint: Complaint, actor: str) -> None:
        """The reply period passed: no_response, and the event "unanswered"."""
        # The reply link stays valid: a late reply is still recorded and shown.
        self.move(complaint, "no_response", actor, "complaint.no_response", NO_RESPONSE_REASON)
        self.resolve(complaint, "unanswered", actor)
        self.notices.consumer(complaint, "no_response", reply_due=day(complaint.reply_due_at))

    def resolve(self, complaint: Complaint, resolution: str, actor: str) -> None:
        """Set the complaint event's resolution and mark the seller for a full rescore."""
        event = self.session.execute(
            select(Event).where(Event.complaint_id == complaint.id, Event.kind == "complaint")
        ).scalar_one_or_none()
        if event is None or event.resolution == resolution:
            return
        old, event.resolution = event.resolution, resolution
        journal.record(
            self.session,
            [
                Change(
                    actor,
                    "event.update",
                    "event",
                    str(event.id),
                    {"resolution": old},
                    {"resolution": resolution},
                )
            ],
            at=self.now,
            changed={ChangeKind.EVENT_UPDATE: [complaint.seller_id]},
        )

    def shown_changed(self, complaint: Complaint) -> None:
        """Mark what the public sees of the complaint as changed (no new resolution)."""
        journal.record(self.session, changed={ChangeKind.COMPLAINT: [complaint.seller_id]})

    def audit(self, complaint: Complaint, actor: str, action: str, old: Any, new: Any) -> None:
        change = Change(actor, action, "complaint", str(complaint.id), old, new)
        journal.record(self.session, [change], at=self.now)

    def public(self, complaint: Complaint, text: str | None, limit: int) -> PublicText:
        """*text* about *complaint* through the public-text gate (its complainant unnamed)."""
        return public_text(
            text,
            limit=limit,
            names=[complaint.complainant_name],
            keep=seller_names(self.session, [complaint.seller_id]).get(complaint.seller_id, ()),
        )


def new_reply_token(complaint: Complaint) -> str:
    """Give the merchant a new one-time reply link (any earlier one stops working)."""
    token = REPLY_PREFIX + secrets.token_urlsafe(32)
    complaint.reply_token_digest = digest(token)
    return token
