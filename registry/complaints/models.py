"""A consumer's complaint and its mediation; contact and original text stay private."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

COMPLAINT_STATES = (
    # filed against a site no registered seller is bound to: waits, unmoderated and
    # unpublished, until the site's domain is bound (registry.complaints.sites)
    "unidentified",
    "submitted",
    "accepted",
    "rejected",
    "merchant_notified",
    "merchant_replied",
    "no_response",
    "resolved",
    "unresolved",
    "closed",
    "invalid",
    "rebutted",
    "escalated",
)
#: what a regulator may decide of an escalated complaint (the outcome is ``regulator_<it>``)
DECISIONS = ("upheld", "settled", "dismissed")


class Complaint(SQLModel, table=True):
    """A consumer's complaint and its mediation; contact and original text stay private."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=16, unique=True)
    # None while the complaint names only a site nobody has identified (status unidentified)
    seller_id: int | None = Field(default=None, foreign_key="seller.id", index=True)
    # The site named instead of a seller: its host (private) and registrable domain (the
    # key its reports are counted under; it stays after the complaint reaches a seller).
    site_host: str | None = Field(default=None, max_length=253)
    site_domain: str | None = Field(default=None, max_length=253, index=True)
    category: str = Field(max_length=32)
    narrative_original: str = Field(max_length=5000)
    narrative_public: str = Field(max_length=5000)
    # A moderator's correction of the public text as typed (private; rescrub starts from
    # it instead of the consumer's words, so that the correction is not lost).
    narrative_moderated: str | None = Field(default=None, max_length=5000)
    order_ref: str | None = Field(default=None, max_length=64)
    amount: Decimal | None = Field(default=None, sa_type=Numeric(12, 2))
    desired_resolution: str | None = Field(default=None, max_length=500)
    complainant_name: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200)
    complainant_ref: str = Field(max_length=64, index=True)
    verification: str = Field(default="unverified", max_length=16)
    status: str = Field(default="submitted", max_length=24, index=True)
    # Public (scrubbed) reason of the last move; the moderator's words as typed are private.
    status_reason: str | None = Field(default=None, max_length=1000)
    status_reason_original: str | None = Field(default=None, max_length=1000)
    moderation_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reply_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Public (scrubbed) reply; the merchant's words as sent are private.
    merchant_reply: str | None = Field(default=None, max_length=5000)
    merchant_reply_original: str | None = Field(default=None, max_length=5000)
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the merchant's answer does (rules.RESPONSES, as CFPB publishes a company's
    # response), and the money it offers the consumer (shown to the two parties only).
    merchant_response: str | None = Field(default=None, max_length=24)
    settlement_amount: Decimal | None = Field(default=None, sa_type=Numeric(12, 2))
    outcome: str | None = Field(default=None, max_length=24)
    # SHA-256 of the one-time link token a merchant may answer with.
    reply_token_digest: str | None = Field(default=None, max_length=64)
    # SHA-256 of the complainant's one-time token (to confirm the outcome); cleared on use.
    complainant_token_digest: str | None = Field(default=None, max_length=64)
    # HMAC of the web layer's client key, for rate limits: never the address itself.
    client_digest: str | None = Field(default=None, max_length=64, index=True)
    # The consumer's choice at filing: publish the (scrubbed) narrative, or only the category
    # and the outcome. Every public projection asks ``shows_text``.
    publish_narrative: bool = Field(default=True)
    # The language the complainant filed in: their messages are written in it.
    locale: str = Field(default="zh", max_length=8)
    confirm_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # One rebuttal of the merchant's answer (public scrubbed; as typed, private), and the
    # merchant's answer to it.
    rebuttal: str | None = Field(default=None, max_length=5000)
    rebuttal_original: str | None = Field(default=None, max_length=5000)
    rebutted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rebuttal_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rebuttal_answer: str | None = Field(default=None, max_length=5000)
    rebuttal_answer_original: str | None = Field(default=None, max_length=5000)
    rebuttal_answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The regulator's queue (the 12315 model): when and why it went there, and the decision.
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    escalation_reason: str | None = Field(default=None, max_length=1000)
    escalation_reason_original: str | None = Field(default=None, max_length=1000)
    decision: str | None = Field(default=None, max_length=16)
    decision_reason: str | None = Field(default=None, max_length=1000)
    decision_reason_original: str | None = Field(default=None, max_length=1000)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=120)
    # When the case reached one of rules.CLOSED_STATES (retention counts from here), and
    # when retention deleted its private data (registry.complaints.retention).
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    private_deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def shows_text(self) -> bool:
        """Whether the public may read the complaint's words (narrative, replies, rebuttal)."""
        return bool(self.publish_narrative)


class AccessCode(SQLModel, table=True):
    """A one-time code sent to a complainant's contact to open their complaints' pages.

    Recorded for every request, whether or not the contact filed anything, so that the
    throttle counts (and answers) alike for both."""

    __tablename__ = "complaint_access_code"
    id: int | None = Field(default=None, primary_key=True)
    complainant_ref: str = Field(max_length=64, index=True)
    client_digest: str = Field(max_length=64, index=True)
    code_digest: str = Field(max_length=64)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ComplaintReminder(SQLModel, table=True):
    """A reminder queued before a deadline of a case: one row per case and kind, so that
    every run of the case clock, in any scheduler, reminds once."""

    __tablename__ = "complaint_reminder"
    __table_args__ = (UniqueConstraint("complaint_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id")
    # registry.complaints.clock.REMINDERS: reply and rebuttal (the merchant), rebut (the
    # consumer)
    kind: str = Field(max_length=16)
    # the deadline it was about
    due_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


EVIDENCE_TYPES = ("image/jpeg", "image/png", "application/pdf")
#: who attached a file: the complainant (at filing) or the merchant (from its desk)
EVIDENCE_PARTIES = ("consumer", "merchant")


class ComplaintEvidence(SQLModel, table=True):
    """A file a party attached: kept outside the web root under a random name, shown only
    to those ``registry.complaints.access`` lets in."""

    __tablename__ = "complaint_evidence"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    # EVIDENCE_PARTIES: each party attaches at most MAX_FILES of its own
    party: str = Field(
        default="consumer", max_length=16, sa_column_kwargs={"server_default": "consumer"}
    )
    # what the content was found to be (never the client's word for it)
    media_type: str = Field(max_length=40)
    stored_name: str = Field(max_length=80, unique=True)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
