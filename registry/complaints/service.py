"""Complaint intake and mediation: file, moderate, reply, confirm, deadlines (caller commits).

The path of a complaint (every step audited, ``updated_at`` moved)::

    submitted --accept / 7 days--> merchant_notified --reply--> merchant_replied --confirm--> closed
        |                                 |  15 days                  |  15 days unconfirmed
        +--reject--> rejected             +--> no_response --late reply--+--> closed (unconfirmed)
    merchant_replied --rebut (once, 10 days)--> rebutted --answer / 15 days--> merchant_replied
    merchant_replied, no_response --escalate--> escalated --regulator decides--> closed
    no_response --the clock, AUTO_ESCALATE_AFTER_DAYS after the reply deadline--> escalated
    any state after acceptance (but escalated) --mark_invalid--> invalid

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
- Every step queues the messages of the party who must act next in its own transaction
  (``notices``, the ``registry.notify`` outbox): on acceptance (a moderator's or the clock's)
  the merchant is sent its reply link at the seller's registered contact e-mail, or the
  outbox records that nobody could be told; the complainant is told every step at the
  e-mail they gave. ``accept`` still returns the reply token. Rows accepted before the
  outbox existed are in ``awaiting_reply_link()``. Merchants with an API token can always reply.
- The complainant's private token opens their status page for as long as the case exists;
  each step checks the state, not whether the token was used.
- Escalation (the 12315 model) leaves the scoring event as it is; the regulator's decision
  sets it (``escalation.DECISION_RESOLUTION``, docs/SCORING.md).
- Public: complaints from merchant_notified on; submitted, rejected and invalid ones are not
  listed (unmoderated or found false text). Views hold aware datetimes, not strings.

ComplaintService is the one door; its parts are collaborators with public methods: the
periods, limits and input checks are in ``rules``; filing in ``intake``; what moderators,
merchants and consumers do in ``mediation``; the complainant's own steps and the lost-link
recovery in ``consumer``; who sees and adds evidence in ``access`` and ``evidence``; the
regulator's queue in ``escalation``; the deadline job's part in ``deadlines``, the case
clock's (escalating unanswered cases, reminders) in ``clock``, and retention's (private data
deleted after a case closes) in ``retention``; the audited steps all of them take in
``transitions``; who is told in ``notices``; reads and views in
``queries`` and ``timeline``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ..core.errors import Forbidden, ValidationFailed
from ..core.types import utcnow
from ..trust.tokens import Principal
from .access import MERCHANT_UPLOAD_STATES, EvidenceAccess, Viewer
from .clock import CaseClock, ClockSettings
from .consumer import ConsumerSteps
from .deadlines import ComplaintDeadlines
from .escalation import Escalations
from .evidence import EvidenceStore, clean_all
from .intake import ComplaintIntake
from .mediation import Mediation
from .models import Complaint
from .queries import ComplaintQueries, QueueFilters
from .rules import COMPLAINANT_ACTOR, DAILY_LIMIT, HOURLY_LIMIT, SYSTEM_ACTOR
from .shapes import EscalationDecision
from .sites import SiteReports
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
        regulator_address: str | None = None,
        evidence_dir: str | Path | None = None,
        clock: ClockSettings | None = None,
    ) -> None:
        self.session = session
        self.now = now or utcnow()
        self.queries = ComplaintQueries(session)
        steps = Transitions(session, self.now, self.queries, regulator_address)
        self.steps = steps
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
        self.consumer = ConsumerSteps(session, self.now, steps, self.queries, secret)
        self.escalations = Escalations(session, self.now, steps, self.queries)
        #: the scheduler's case clock: unanswered cases escalated, reminders
        self.clock = CaseClock(session, self.now, steps, clock or ClockSettings())
        #: complaints about sites nobody has identified (counts, the regulators' queue)
        self.sites = SiteReports(session, self.now)
        #: evidence files (None: this service stores none, and filing with files is refused)
        self.evidence = (
            EvidenceStore(session, Path(evidence_dir), self.now) if evidence_dir else None
        )

    # -- intake ---------------------------------------------------------------------------

    def file(
        self, data: dict[str, Any], client_key: str, evidence: list[bytes] | None = None
    ) -> tuple[Complaint, str]:
        """File a complaint, with optional evidence files; return it and the complainant's
        one-time token (shown once)."""
        files = clean_all(list(evidence or []))  # checked before anything is written
        if files and self.evidence is None:
            raise ValueError("filing evidence needs the service's evidence_dir")
        complaint, token = self.intake.file(data, client_key)
        if files and self.evidence is not None:
            self.evidence.attach(complaint, files, COMPLAINANT_ACTOR)
        return complaint, token

    def add_merchant_evidence(
        self, complaint_id: int | str, evidence: list[bytes], viewer: Viewer
    ) -> list[str]:
        """The merchant attaches files while the case waits for its answer
        (``access.MERCHANT_UPLOAD_STATES``: merchant_notified, no_response, rebutted); the
        complainant is told. Return the files' public ids."""
        if self.evidence is None:
            raise ValueError("adding evidence needs the service's evidence_dir")
        if not EvidenceAccess(self.queries.get(complaint_id)).may_upload_as_merchant(viewer):
            raise Forbidden("only the complaint's merchant adds evidence to it")
        if not evidence:
            raise ValidationFailed("no file", {"evidence": "required"})
        files = clean_all(list(evidence))  # before the write lock: decoding takes a while
        complaint = self.steps.load(complaint_id)
        self.steps.require(complaint, "add evidence to", MERCHANT_UPLOAD_STATES)
        principal = viewer.principal
        actor = principal.actor if principal is not None else "merchant:reply-link"
        ids = self.evidence.attach(complaint, files, actor, party="merchant")
        self.steps.notices.consumer(complaint, "evidence_added", files=len(ids))
        return ids

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
        response: str | None = None,
        settlement: Any = None,
    ) -> Complaint:
        """Record the merchant's public answer (by merchant token or one-time reply link),
        what it does (rules.RESPONSES) and the money it offers."""
        return self.mediation.reply(
            complaint_id,
            text,
            principal=principal,
            token=token,
            response=response,
            settlement=settlement,
        )

    def confirm(self, complaint_id: int | str, token: str, resolved: bool) -> Complaint:
        """Close the complaint with the consumer's answer to the merchant's reply."""
        return self.mediation.confirm(complaint_id, token, resolved)

    def merchant_reached(self, complaint_id: int) -> bool:
        """Whether the newest message to the merchant of this complaint has an address."""
        return self.queries.merchant_reached(complaint_id)

    # -- the complainant ------------------------------------------------------------------

    def open_with_token(self, complaint_id: int | str, token: str | None) -> Complaint:
        """Return the complaint whose private token this is, or raise Unauthorized."""
        return self.consumer.open(complaint_id, token)

    def rebut(self, complaint_id: int | str, text: str) -> Complaint:
        """The complainant answers the merchant's reply (once, within 10 days)."""
        return self.consumer.rebut(complaint_id, text)

    def escalate(self, complaint_id: int | str, reason: str | None = None) -> Complaint:
        """The complainant refuses the answer (or none came): to the regulator's queue."""
        return self.consumer.escalate(complaint_id, reason)

    # -- the regulator ----------------------------------------------------------------------

    def escalation_queue(
        self, actor: Principal, limit: int = 50, offset: int = 0, **filters: Any
    ) -> list[Any]:
        """Escalated complaints with their whole file, for regulators (``filters``: a
        ``seller_id``, ``escalated_before``)."""
        return self.escalations.queue(actor, limit, offset, **filters)

    def decide(self, complaint_id: int | str, actor: Principal, asked: EscalationDecision):
        """Record and publish the regulator's decision on an escalated complaint."""
        return self.escalations.decide(complaint_id, actor, asked)

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

    def for_merchant(self, seller_ids: Any, limit: int = 200) -> list[Complaint]:
        """The cases of a merchant's sellers, the nearest reply deadline first."""
        return self.queries.for_merchant(seller_ids, limit)

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
