"""Reputation events (fulfillment, complaints, fraud reports, sanctions) and complaints."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow

COMPLAINT_CATEGORIES = (
    "fraud",
    "false_advertising",
    "contract_fulfillment",
    "payment_security",
    "privacy",
    "after_sales",
)
FRAUD_TYPES = (
    "low_price_trap",
    "deposit_scam",
    "auction_fraud",
    "counterfeit",
    "phishing_shop",
    "payment_theft",
    "data_selling",
    "other",
)


class Event(SQLModel, table=True):
    """One input of the score, in the fields ``scoring.Event`` takes (see SCORING.md)."""

    __table_args__ = (
        Index("ix_event_seller_time", "seller_id", "occurred_at"),
        Index("ix_event_kind_time", "kind", "occurred_at"),
        # An idempotency key belongs to its submitter: another source's equal key is another
        # record, never a way to reach this one.
        UniqueConstraint("source", "external_ref", name="uq_event_source_external_ref"),
    )
    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="seller.id")
    kind: str = Field(max_length=32)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    severity: str = Field(default="minor", max_length=16)
    verification: str = Field(default="unverified", max_length=16)
    resolution: str | None = Field(default=None, max_length=16)
    source: str = Field(default="platform", max_length=120)
    order_ref: str | None = Field(default=None, max_length=64)
    complainant_ref: str | None = Field(default=None, max_length=64)
    buyer_ref: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=32)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lifted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Public text, scrubbed of personal data on the way in (registry.public_text); the text
    # as submitted is kept in summary_original, which no public view reads.
    summary: str | None = Field(default=None, max_length=4000)
    summary_original: str | None = Field(default=None, sa_type=Text)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    # The submitter's own id for the record, so that re-sent batches stay idempotent; unique
    # per source (see __table_args__).
    external_ref: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


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
