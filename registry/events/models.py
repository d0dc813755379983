"""Reputation events (fulfillment, complaints, fraud reports, sanctions)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, Numeric, Text, UniqueConstraint
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
    # How many like events this row stands for: a platform's daily aggregate (the day it
    # belongs to in aggregate_id) is one row per kind (SCORING.md, "Aggregates").
    count: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    aggregate_id: int | None = Field(default=None, foreign_key="fulfillment_day.id", index=True)


class Sanction(SQLModel, table=True):
    """A regulator's published decision about a seller: the typed facts beside its score event.

    A finding (a penalty, a listing, a revocation, a ban) has one ``Event`` (``event_id``),
    the score's input; its public summary is that event's (scrubbed) summary. A removal from
    the abnormal-operations list and a credit repair are decisions about an earlier finding
    (``target_id``): they have no event of their own and end their target's (``lifted_at``).
    """

    __table_args__ = (
        # The submitter's id for the record (see registry/events/sanctions.py for the
        # fallback on the decision number); another source's equal key is another record.
        UniqueConstraint("source", "external_ref", name="uq_sanction_source_external_ref"),
        Index("ix_sanction_source_decision", "source", "decision_number"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int | None = Field(default=None, foreign_key="event.id", unique=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    target_id: int | None = Field(default=None, foreign_key="sanction.id", index=True)
    kind: str = Field(max_length=32)  # as submitted: administrative_penalty, credit_repair...
    source: str = Field(max_length=120)
    external_ref: str | None = Field(default=None, max_length=128)
    decision_number: str | None = Field(default=None, max_length=128)
    authority: str | None = Field(default=None, max_length=200)
    decided_on: date
    effective_from: date | None = None
    effective_until: date | None = None
    # Yuan (CNY), as Chinese penalty decisions state them.
    amount: Decimal | None = Field(default=None, sa_type=Numeric(16, 2))
    reason: str | None = Field(default=None, max_length=32)  # abnormal-operations reason code
    # Set on a finding when a credit repair ends it: no longer published.
    repaired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FraudDetail(SQLModel, table=True):
    """What a fraud report says beyond its score event: the amount lost and the evidence."""

    __tablename__ = "fraud_detail"
    event_id: int = Field(foreign_key="event.id", primary_key=True)
    # In the currency's own units (up to 4 decimals: ISO 4217 minor units go to 4).
    amount: Decimal | None = Field(default=None, sa_type=Numeric(18, 4))
    currency: str = Field(default="CNY", max_length=3)
    # A case file, a screenshot's digest, a URL in the submitter's system: never published.
    evidence_ref: str | None = Field(default=None, max_length=256)
