"""A consumer's complaint and its mediation; contact and original text stay private."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

COMPLAINT_STATES = (
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
)


class Complaint(SQLModel, table=True):
    """A consumer's complaint and its mediation; contact and original text stay private."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=16, unique=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
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
    outcome: str | None = Field(default=None, max_length=24)
    # SHA-256 of the one-time link token a merchant may answer with.
    reply_token_digest: str | None = Field(default=None, max_length=64)
    # SHA-256 of the complainant's one-time token (to confirm the outcome); cleared on use.
    complainant_token_digest: str | None = Field(default=None, max_length=64)
    # HMAC of the web layer's client key, for rate limits: never the address itself.
    client_digest: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
