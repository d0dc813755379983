"""Complaint intake and mediation: file, moderate, reply, confirm, deadlines (caller commits).

The path of a complaint (every step audited, ``updated_at`` moved)::

    submitted --accept / 7 days--> merchant_notified --reply--> merchant_replied --confirm--> closed
        |                                 |  15 days                  |  15 days unconfirmed
        +--reject--> rejected             +--> no_response --late reply--+--> closed (unconfirmed)
    any state after acceptance --mark_invalid--> invalid

Choices (see also ``registry.privacy``):

- Accepting notifies the merchant at once, so "accepted" is never a resting state; confirming
  closes in one step (``outcome`` resolved/unresolved; "resolved"/"unresolved" are not used as
  states either).
- The scoring event is created on acceptance, dated when the complaint was filed; severity is
  "moderate" from an amount of 1000 yuan, else "minor"; only a moderator may say "harm".
  Purchase verification is looked up on filing and again on acceptance (orders arrive late).
- A reply after ``reply_due_at`` is late even if the scheduler has not yet run: the complaint
  first goes to no_response. A late reply is public but the event stays "unanswered" (2.0);
  if the consumer then confirms it resolved it moves to "unresolved" (1.0), never "resolved".
- Only the consumer's answer to a reply closes a complaint; no answer in 15 days closes it
  "unconfirmed" (event "unresolved", or still "unanswered" after a late reply).
- Duplicates: a rejected complaint never blocks a new one (a rejection means "fix and
  refile"); no_response counts as closed for the "open complaint" rule (90 days still apply).
- Rate limits count stored complaints per client digest (HMAC of the web layer's key).
- Changes the public sees without a new resolution (a late reply) are marked "complaint".
- A moderator's ``accept`` returns the merchant's reply token; an automatic acceptance
  creates none (a job's result is logged): the notifier takes ``awaiting_reply_link()`` and
  calls ``issue_reply_link``. Merchants with an API token can always reply.
- Public: complaints from merchant_notified on; submitted, rejected and invalid ones are not
  listed (unmoderated or found false text). Views hold aware datetimes, not strings.

The periods, limits and input checks are in ``complaint_rules``; the service's intake is in
``complaint_intake``, the deadline job's part in ``complaint_deadlines`` and its reads and
views in ``complaint_queries``.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from .. import journal
from ..core.db import lock_for_write
from ..core.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from ..core.types import utcnow
from ..events.models import Event
from ..journal import Change, ChangeKind
from ..privacy.gate import PublicText, fit, public_text, seller_names
from ..trust.tokens import Principal, digest, require_role
from .deadlines import ComplaintDeadlines
from .intake import ComplaintIntake
from .models import Complaint
from .queries import ComplaintQueries
from .rules import (
    COMPLAINANT_ACTOR,
    CONFIRMED_REASON,
    DAILY_LIMIT,
    HOURLY_LIMIT,
    INVALIDATABLE,
    LATE_REPLY_REASON,
    MODERATE_AMOUNT,
    REPLY_PERIOD,
    REPLY_PREFIX,
    SEVERITIES,
    SOURCE,
    SYSTEM_ACTOR,
    text_field,
)


class ComplaintService(ComplaintIntake, ComplaintDeadlines, ComplaintQueries):
    """Files and mediates complaints; ``secret`` keys the contact and client digests.

    ``secret`` is needed only to file; it must stay stable (a changed secret makes earlier
    complainants unrecognisable to the duplicate rule and to scoring's 90-day rule).
    """

    def __init__(
        self,
        session: Session,
        now: datetime | None = None,
        *,
        secret: str | bytes | None = None,
        hourly_limit: int = HOURLY_LIMIT,
        daily_limit: int = DAILY_LIMIT,
    ) -> None:
        self.session = session
        self.now = now or utcnow()
        self.secret = secret
        self.hourly_limit = hourly_limit
        self.daily_limit = daily_limit
        self._seller_ids: dict[int, str] = {}

    # -- moderation -----------------------------------------------------------------------

    def accept(self, complaint_id: int | str, actor: Principal, severity: str | None = None) -> str:
        """Accept, notify the merchant and create the scoring event; return the reply token."""
        require_role(actor, "moderator")
        if severity is not None and severity not in SEVERITIES:
            raise ValidationFailed("unknown severity", {"severity": f"one of {SEVERITIES}"})
        complaint = self._load(complaint_id)
        self._require(complaint, "accept", ("submitted",))
        self._accept(complaint, actor.actor, None, severity)
        return self._new_reply_token(complaint)

    def _accept(
        self, complaint: Complaint, actor: str, reason: str | None, severity: str | None
    ) -> None:
        if complaint.verification == "unverified":
            complaint.verification = self._verification(complaint.seller_id, complaint.order_ref)
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
            summary=fit(complaint.narrative_public, 4000),
            summary_original=complaint.narrative_original,
            complaint_id=complaint.id,
            created_at=self.now,
        )
        self.session.add(event)
        self.session.flush()
        self._move(complaint, "merchant_notified", actor, "complaint.accept", reason)
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

    def reject(self, complaint_id: int | str, actor: Principal, reason: str) -> Complaint:
        """Refuse a submitted complaint with a public reason; no event is created."""
        require_role(actor, "moderator")
        reason = self._reason(reason)
        complaint = self._load(complaint_id)
        self._require(complaint, "reject", ("submitted",))
        complaint.complainant_token_digest = None
        self._move(complaint, "rejected", actor.actor, "complaint.reject", reason)
        return complaint

    def mark_invalid(self, complaint_id: int | str, actor: Principal, reason: str) -> Complaint:
        """Find an accepted complaint invalid: its event then weighs nothing."""
        require_role(actor, "moderator")
        reason = self._reason(reason)
        complaint = self._load(complaint_id)
        self._require(complaint, "mark invalid", INVALIDATABLE)
        complaint.reply_token_digest = complaint.complainant_token_digest = None
        self._move(complaint, "invalid", actor.actor, "complaint.invalid", reason)
        self._resolve(complaint, "invalid", actor.actor)
        return complaint

    def reissue_reply_token(self, complaint_id: int | str, actor: Principal) -> str:
        """Replace the merchant's reply link (lost or never delivered); return the new token."""
        require_role(actor, "moderator")
        return self.issue_reply_link(complaint_id, actor.actor)

    def issue_reply_link(self, complaint_id: int | str, actor: str = SYSTEM_ACTOR) -> str:
        """Return a new one-time reply token for a complaint awaiting the merchant.

        For the notifier, for complaints in ``awaiting_reply_link()`` (auto-accepted ones);
        any earlier link stops working.
        """
        complaint = self._load(complaint_id)
        self._require(complaint, "issue a reply link for", ("merchant_notified", "no_response"))
        token = self._new_reply_token(complaint)
        complaint.updated_at = self.now
        self._audit(complaint, actor, "complaint.reply_link", None, None)
        return token

    def _new_reply_token(self, complaint: Complaint) -> str:
        token = REPLY_PREFIX + secrets.token_urlsafe(32)
        complaint.reply_token_digest = digest(token)
        return token

    # -- merchant and consumer ------------------------------------------------------------

    def reply(
        self,
        complaint_id: int | str,
        text: str,
        *,
        principal: Principal | None = None,
        token: str | None = None,
    ) -> Complaint:
        """Record the merchant's public answer (by merchant token or one-time reply link)."""
        complaint = self._load(complaint_id)
        if principal is not None:
            require_role(principal, "merchant")
            if principal.seller_id != complaint.seller_id:
                raise Forbidden("this complaint is about another seller")
            actor = principal.actor
        else:
            self._check_token(complaint.reply_token_digest, token, "reply link")
            actor = "merchant:reply-link"
        errors: dict[str, str] = {}
        body = text_field({"reply": text}, "reply", errors, multiline=True)
        if errors:
            raise ValidationFailed("reply rejected", errors)
        due = complaint.reply_due_at
        if complaint.status == "merchant_notified" and due is not None and self.now > due:
            self._expire_reply(complaint, SYSTEM_ACTOR)
        self._require(complaint, "reply to", ("merchant_notified", "no_response"))
        late = complaint.status == "no_response"
        reply = self._public(complaint, body, 5000)
        complaint.merchant_reply, complaint.merchant_reply_original = reply.public, reply.original
        complaint.replied_at = self.now
        complaint.reply_token_digest = None
        self._move(
            complaint,
            "merchant_replied",
            actor,
            "complaint.reply",
            LATE_REPLY_REASON if late else None,
        )
        if late:
            journal.record(self.session, changed={ChangeKind.COMPLAINT: [complaint.seller_id]})
        else:
            self._resolve(complaint, "unresolved", actor)
        return complaint

    def confirm(self, complaint_id: int | str, token: str, resolved: bool) -> Complaint:
        """Close the complaint with the consumer's answer to the merchant's reply."""
        if not isinstance(resolved, bool):
            raise ValidationFailed("resolved must be true or false", {"resolved": "a boolean"})
        complaint = self._load(complaint_id)
        self._check_token(complaint.complainant_token_digest, token, "complainant link")
        self._require(complaint, "confirm", ("merchant_replied",))
        complaint.complainant_token_digest = None
        complaint.outcome = "resolved" if resolved else "unresolved"
        self._move(
            complaint,
            "closed",
            COMPLAINANT_ACTOR,
            "complaint.confirm",
            CONFIRMED_REASON[resolved],
            outcome=complaint.outcome,
        )
        if self.reply_late(complaint):
            # Answered after the deadline: resolving it only earns "answered" (1.0).
            self._resolve(complaint, "unresolved" if resolved else "unanswered", COMPLAINANT_ACTOR)
        else:
            self._resolve(complaint, complaint.outcome, COMPLAINANT_ACTOR)
        # The public record shows the complaint closed with its outcome, even when the
        # scoring event stays as it was (then _resolve marked nothing).
        journal.record(self.session, changed={ChangeKind.COMPLAINT: [complaint.seller_id]})
        return complaint

    # -- helpers --------------------------------------------------------------------------

    def _load(self, complaint_id: int | str) -> Complaint:
        """Return the complaint re-read under the write lock (a transition decides on it)."""
        lock_for_write(self.session)
        self.session.flush()  # refresh() would drop changes not yet flushed
        complaint = self.get(complaint_id)
        self.session.refresh(complaint, with_for_update=True)
        return complaint

    @staticmethod
    def _require(complaint: Complaint, action: str, states: tuple[str, ...]) -> None:
        if complaint.status not in states:
            raise Conflict(
                f"cannot {action} a complaint in state {complaint.status!r} "
                f"(only in {', '.join(states)})",
                {"status": complaint.status},
            )

    @staticmethod
    def _check_token(stored: str | None, token: str | None, what: str) -> None:
        if not token:
            raise Unauthorized(f"a {what} token is required")
        if stored is None or not hmac.compare_digest(stored, digest(token)):
            raise Unauthorized(f"invalid or already used {what}")

    @staticmethod
    def _reason(reason: str) -> str:
        errors: dict[str, str] = {}
        value = text_field({"reason": reason}, "reason", errors)
        if errors:
            raise ValidationFailed("a public reason is required", errors)
        return value

    def _move(
        self,
        complaint: Complaint,
        new: str,
        actor: str,
        action: str,
        reason: str | None,
        **extra: Any,
    ) -> None:
        old = complaint.status
        shown = self._public(complaint, reason, 1000)
        complaint.status = new
        complaint.status_reason, complaint.status_reason_original = shown.public, shown.original
        complaint.updated_at = self.now
        self._audit(
            complaint, actor, action, {"status": old}, {"status": new, "reason": reason, **extra}
        )

    def _public(self, complaint: Complaint, text: str | None, limit: int) -> PublicText:
        """*text* about *complaint* through the public-text gate (its complainant unnamed)."""
        return public_text(
            text,
            limit=limit,
            names=[complaint.complainant_name],
            keep=seller_names(self.session, [complaint.seller_id]).get(complaint.seller_id, ()),
        )

    def _resolve(self, complaint: Complaint, resolution: str, actor: str) -> None:
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

    def _audit(self, complaint: Complaint, actor: str, action: str, old: Any, new: Any) -> None:
        change = Change(actor, action, "complaint", str(complaint.id), old, new)
        journal.record(self.session, [change], at=self.now)
