"""Reputation events (fulfillment, complaints, fraud reports, sanctions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

COMPLAINT_CATEGORIES = (
    "fraud",
    "false_advertising",
    "contract_fulfillment",
    "payment_security",
    "privacy",
    "after_sales",
)
SEVERITIES = ("minor", "moderate", "harm")
RESOLUTIONS = ("unanswered", "unresolved", "resolved", "invalid")
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
    # Public text, scrubbed of personal data on the way in (registry.privacy.gate); the text
    # as submitted is kept in summary_original, which no public view reads.
    summary: str | None = Field(default=None, max_length=4000)
    summary_original: str | None = Field(default=None, sa_type=Text)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    # The submitter's own id for the record, so that re-sent batches stay idempotent; unique
    # per source (see __table_args__).
    external_ref: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
