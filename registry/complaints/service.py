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

ComplaintService is the one door; its parts are collaborators with public methods: the
periods, limits and input checks are in ``rules``; filing in ``intake``; what moderators,
merchants and consumers do in ``mediation``; the deadline job's part in ``deadlines``; the
audited steps both of them take in ``transitions``; reads and views in ``queries``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from ..core.types import utcnow
from ..trust.tokens import Principal
from .deadlines import ComplaintDeadlines
from .intake import ComplaintIntake
from .mediation import Mediation
from .models import Complaint
from .queries import ComplaintQueries, QueueFilters
from .rules import DAILY_LIMIT, HOURLY_LIMIT, SYSTEM_ACTOR
from .transitions import Transitions


class ComplaintService:
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
        self.queries = ComplaintQueries(session)
        steps = Transitions(session, self.now, self.queries)
        self.intake = ComplaintIntake(
            session,
            self.now,
            steps,
            self.queries,
            secret=secret,
            hourly_limit=hourly_limit,
            daily_limit=daily_limit,
        )
        self.mediation = Mediation(self.now, steps, self.queries)
        self.deadlines = ComplaintDeadlines(session, self.now, steps, self.queries)

    # -- intake ---------------------------------------------------------------------------

    def file(self, data: dict[str, Any], client_key: str) -> tuple[Complaint, str]:
        """File a complaint; return it and the complainant's one-time token (shown once)."""
        return self.intake.file(data, client_key)

    # -- mediation ------------------------------------------------------------------------

    def accept(
        self,
        complaint_id: int | str,
        actor: Principal,
        severity: str | None = None,
        *,
        reply_link: bool = True,
    ) -> str | None:
        """Accept, notify the merchant and create the scoring event; return the reply token
        (without ``reply_link``, none: the notifier issues it, see ``awaiting_reply_link``)."""
        return self.mediation.accept(complaint_id, actor, severity, reply_link=reply_link)

    def reject(self, complaint_id: int | str, actor: Principal, reason: str) -> Complaint:
        """Refuse a submitted complaint with a public reason; no event is created."""
        return self.mediation.reject(complaint_id, actor, reason)

    def mark_invalid(self, complaint_id: int | str, actor: Principal, reason: str) -> Complaint:
        """Find an accepted complaint invalid: its event then weighs nothing."""
        return self.mediation.mark_invalid(complaint_id, actor, reason)

    def edit_public_text(self, complaint_id: int | str, actor: Principal, text: str) -> Complaint:
        """Correct the public narrative before publishing; it passes the gate again."""
        return self.mediation.edit_public_text(complaint_id, actor, text)

    def reissue_reply_token(self, complaint_id: int | str, actor: Principal) -> str:
        """Replace the merchant's reply link (lost or never delivered); return the new token."""
        return self.mediation.reissue_reply_token(complaint_id, actor)

    def issue_reply_link(self, complaint_id: int | str, actor: str = SYSTEM_ACTOR) -> str:
        """Return a new one-time reply token for a complaint awaiting the merchant."""
        return self.mediation.issue_reply_link(complaint_id, actor)

    def reply(
        self,
        complaint_id: int | str,
        text: str,
        *,
        principal: Principal | None = None,
        token: str | None = None,
    ) -> Complaint:
        """Record the merchant's public answer (by merchant token or one-time reply link)."""
        return self.mediation.reply(complaint_id, text, principal=principal, token=token)

    def confirm(self, complaint_id: int | str, token: str, resolved: bool) -> Complaint:
        """Close the complaint with the consumer's answer to the merchant's reply."""
        return self.mediation.confirm(complaint_id, token, resolved)

    # -- deadlines ------------------------------------------------------------------------

    def due(self, limit: int | None = None) -> list[int]:
        """Return ids of complaints with a deadline passed, oldest first."""
        return self.deadlines.due(limit)

    def enforce_deadline(self, complaint_id: int) -> str | None:
        """Apply the one deadline passed, if any; return the new status."""
        return self.deadlines.enforce_deadline(complaint_id)

    def enforce_deadlines(self, limit: int | None = None) -> dict[str, int]:
        """Apply every passed deadline (idempotent); return how many moved, by new state."""
        return self.deadlines.enforce_deadlines(limit)

    # -- reads ----------------------------------------------------------------------------

    def get(self, complaint_id: int | str) -> Complaint:
        """Return a complaint by id or public id, or raise NotFound."""
        return self.queries.get(complaint_id)

    def for_seller(self, seller_id: int, public: bool = True) -> list[Any]:
        """Return a seller's complaints, newest first (public views, or every row)."""
        return self.queries.for_seller(seller_id, public)

    def awaiting_reply_link(self, limit: int = 100) -> list[Complaint]:
        """Return accepted complaints whose merchant has no reply link yet (auto-accepted)."""
        return self.queries.awaiting_reply_link(limit)

    def moderation_queue(
        self, limit: int = 100, offset: int = 0, filters: QueueFilters | None = None
    ) -> list[Complaint]:
        """Return submitted complaints, the nearest moderation deadline first."""
        return self.queries.moderation_queue(limit, offset, filters)

    def moderation_total(self, filters: QueueFilters | None = None) -> int:
        """How many complaints wait for a moderator (of those *filters* choose)."""
        return self.queries.moderation_total(filters)

    def reply_late(self, complaint: Complaint) -> bool:
        """Tell whether the merchant replied after the reply deadline."""
        return self.queries.reply_late(complaint)

    def public_view(self, complaint: Complaint) -> dict[str, Any]:
        """Return what anyone may see: never contact, name, original text or digests."""
        return self.queries.public_view(complaint)

    def moderator_view(self, complaint: Complaint, actor: Principal) -> dict[str, Any]:
        """Return the public view plus the private fields a moderator needs (no digests)."""
        return self.queries.moderator_view(complaint, actor)
